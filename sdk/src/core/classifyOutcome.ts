import {
  CALLER_FAULT_CODES,
  ERROR_TYPE_CANCELLED,
  ERROR_TYPE_CONNECTION_CLOSED,
  ERROR_TYPE_DUPLICATE_ID,
  ERROR_TYPE_EXCEPTION,
  ERROR_TYPE_HTTP_PREFIX,
  ERROR_TYPE_INPUT_REQUEST_FAILED,
  ERROR_TYPE_INPUT_ROUNDS_EXCEEDED,
  ERROR_TYPE_OUTPUT_VALIDATION,
  ERROR_TYPE_SESSION_NOT_FOUND,
  ERROR_TYPE_TIMEOUT,
  ERROR_TYPE_TOOL_ERROR,
  ERROR_TYPE_TRANSPORT,
  ERROR_TYPE_UNSUPPORTED_RESULT_TYPE,
  type FaultLayer,
} from '../semconv.js';

// The rules that decide `error.type` and `mcpscope.fault` for every view of a failed MCP request: the
// SDK's client and server spans and the proxy's spans all call these, so each process attributes a
// failure the same way wherever it can know the same facts.

/** How a failed MCP request is recorded on a span. */
export interface FailureOutcome {
  /** `error.type`: the JSON-RPC code as a string, or a low-cardinality name. */
  errorType: string;
  /** `mcpscope.fault`: the layer the failure is attributed to. */
  fault: FaultLayer;
  /** `rpc.response.status_code`, when a JSON-RPC error came back. */
  rpcStatusCode?: string;
  /** `http.response.status_code`, when an HTTP transport failed with a status. */
  httpStatusCode?: number;
  /** Whether the span status becomes ERROR (false for failures that are the caller's by design). */
  markError: boolean;
  /**
   * Whether the transport span records the failure (ERROR status, the fault, the exception): the
   * failure showed on the wire. The fault may still be another layer's (a stdio server that died, an
   * HTTP 500), and then the client span carries it too.
   */
  transport: boolean;
  /** The span status message, when the outcome has one of its own (else the error's or result's text). */
  message?: string;
  /** `mcpscope.downstream.span_id`: the failed span a `downstream` fault points at. */
  downstreamSpanId?: string;
}

/** The side that answers a request: the server for agent requests, the client for sampling and the like. */
export type Answerer = 'server' | 'client';

// The MCP SDK's own JSON-RPC codes for local conditions (ErrorCode in @modelcontextprotocol/sdk/types).
const CONNECTION_CLOSED = -32000;
const REQUEST_TIMEOUT = -32001;
/** What a low-level Server answers when a request handler throws. */
const INTERNAL_ERROR = -32603;

/** What the sender knew about a request when its promise rejected. */
export interface SenderFailureContext {
  /** The request's `mcp.method.name`. */
  method: string;
  /** The side that was to answer (the server for the client role's requests). */
  answerer: Answerer;
  /** The caller's AbortSignal had fired: the caller cancelled. */
  aborted: boolean;
  /** What came back over the wire: nothing, a result, or a JSON-RPC error. */
  wire: 'none' | 'result' | 'error';
  /** The message had been handed to the transport. */
  sent: boolean;
  /** The transport had an HTTP session when the failure happened. */
  hadSession: boolean;
  /** The peer is a child process this process spawned and talks to over its stdio. */
  peerIsChild: boolean;
  /** This process closed the connection itself (`Client.close()`, `transport.close()`). */
  closedLocally: boolean;
}

/**
 * Classifies the rejection of a request this process sent (the client role).
 *
 * - The caller's AbortSignal fired → `cancelled`, the caller's doing. The MCP SDK reports both this and
 *   a timeout as McpError -32001; the signal is what tells them apart.
 * - A result came back but the promise still rejected → the client library refused it (the result or
 *   the tool's declared output schema): `output_validation`, see {@link outputValidationOutcome}.
 * - A JSON-RPC error came back → its code; the caller's fault for the caller-fault codes, else the
 *   answering side's.
 * - -32001 without a response → `timeout`, attributed to the answering side (it did not answer in time).
 * - -32000 with the request in flight → see {@link closedConnectionOutcome}; "Not connected" → transport.
 * - HTTP statuses → see {@link httpStatusOutcome}; other errors after sending → the transport.
 * - Anything else before sending (capability checks, local argument checks) → the client.
 */
export function classifySenderFailure(error: unknown, ctx: SenderFailureContext): FailureOutcome {
  if (ctx.aborted) return outcome(ERROR_TYPE_CANCELLED, 'caller', true, false);
  if (ctx.wire === 'result') {
    return sdkErrorCode(error) === 'UNSUPPORTED_RESULT_TYPE'
      ? UNSUPPORTED_RESULT_TYPE
      : outputValidationOutcome(ctx.method);
  }
  const code = errorCode(error);
  if (ctx.wire === 'error' && code !== undefined) return jsonRpcErrorOutcome(code, false, ctx.answerer);
  if (code === REQUEST_TIMEOUT) return outcome(ERROR_TYPE_TIMEOUT, ctx.answerer, true, false);
  if (code === CONNECTION_CLOSED && ctx.sent) {
    return closedConnectionOutcome(ctx.peerIsChild, ctx.closedLocally);
  }
  if (code === CONNECTION_CLOSED || isNotConnected(error)) return CLOSED_BEFORE_RESPONSE;
  if (code !== undefined && code >= 100 && code <= 599) return httpStatusOutcome(code, ctx.hadSession, false);
  if (ctx.sent) return TRANSPORT_FAILURE;
  return outcome(code !== undefined ? String(code) : ERROR_TYPE_EXCEPTION, 'client', true, false);
}

/**
 * A result of a kind the client library does not handle: MCP SDK 2.4.0's Client refuses a Tasks
 * extension task handle (`resultType: "task"`) to tools/call. The client's: the protocol defines it.
 */
const UNSUPPORTED_RESULT_TYPE: FailureOutcome = outcome(
  ERROR_TYPE_UNSUPPORTED_RESULT_TYPE,
  'client',
  true,
  false,
);

/**
 * A call that failed after its server asked for input (2026-07-28 multi round-trip), before the retry
 * carrying that input went out: the caller gave up (its AbortSignal), the server kept asking past the
 * client's round cap (the server's), or the client could not fulfil an input request — its handler
 * failed, or it has none for that kind (the client's).
 * @param handlerFailed an embedded input request's handler failed.
 */
export function classifyInputFulfilmentFailure(
  error: unknown,
  aborted: boolean,
  handlerFailed: boolean,
): FailureOutcome {
  if (aborted) return outcome(ERROR_TYPE_CANCELLED, 'caller', true, false);
  if (!handlerFailed && sdkErrorCode(error) === 'INPUT_REQUIRED_ROUNDS_EXCEEDED')
    return outcome(ERROR_TYPE_INPUT_ROUNDS_EXCEEDED, 'server', true, false);
  return outcome(ERROR_TYPE_INPUT_REQUEST_FAILED, 'client', true, false);
}

/**
 * A `server/discover` probe (2026-07-28 era negotiation) that did not succeed. A refusal the caller
 * caused — a 2025 server that does not know the method (-32601), a caller-fault code, an HTTP 4xx — is
 * the negotiation's answer: the client falls back to `initialize`. It is recorded (`error.type`, the
 * caller's) but is not an error; anything else (a server error, no answer in time) fails as any request.
 * @param httpStatus the HTTP status of the probe's exchange, when it had one and nothing else came back.
 */
export function probeOutcome(failure: FailureOutcome, httpStatus?: number): FailureOutcome {
  if (httpStatus !== undefined && httpStatus >= 400 && httpStatus < 500)
    return {
      ...outcome(`${ERROR_TYPE_HTTP_PREFIX}${httpStatus}`, 'caller', false, false),
      httpStatusCode: httpStatus,
    };
  return failure.fault === 'caller' ? { ...failure, markError: false } : failure;
}

/**
 * A result that came back whole but broke its schema: for tools/call the tool broke its own declared
 * outputSchema (the tool's fault); for any other method the server sent a malformed result.
 */
export function outputValidationOutcome(method: string): FailureOutcome {
  return outcome(ERROR_TYPE_OUTPUT_VALIDATION, method === 'tools/call' ? 'tool' : 'server', true, false);
}

/**
 * A JSON-RPC error response. On the receiving side the caller-fault codes do not mark the span as an
 * error: refusing a bad request is correct behaviour. The sender always marks it. Any other code is the
 * answering side's fault (the server's, unless the request went from server to client).
 */
export function jsonRpcErrorOutcome(
  code: number,
  receiverSide: boolean,
  answerer: Answerer = 'server',
): FailureOutcome {
  const callerFault = CALLER_FAULT_CODES.has(code);
  return {
    ...outcome(String(code), callerFault ? 'caller' : answerer, !(receiverSide && callerFault), false),
    rpcStatusCode: String(code),
  };
}

// McpServer (MCP TypeScript SDK 1.x) answers a tools/call it refuses (unknown or disabled tool, invalid
// arguments, the tool's output breaking its outputSchema) with an isError *result* whose text is the
// McpError's message, `MCP error <code>: <message>`, instead of a JSON-RPC error. Only read when a
// result has isError, so the success path never runs it.
const WRAPPED_PROTOCOL_ERROR = /^MCP error (-?\d+):/;
// McpServer's own prefix when a tool's result breaks the tool's outputSchema (also sent as -32602).
const OUTPUT_VALIDATION_TEXT = 'Output validation error:';

/**
 * A tools/call result with `isError: true`, on any side.
 *
 * - McpServer's wrapped protocol error (first text content `MCP error <code>: …`) → the code as
 *   `error.type`: the caller's fault for the caller-fault codes (not an error on the receiving side),
 *   else the server's. Its output-schema check (`… Output validation error: …`) is the tool's fault,
 *   `output_validation`, as when the client library makes the same check.
 * - Any other isError is the tool's own `tool_error`, unless the server saw that the tool's code never
 *   ran (`toolCodeRan === false`): then the caller's (see {@link toolErrorOutcome}).
 * @param toolCodeRan whether the tool's own code ran, when this process could see it (McpServer);
 *   undefined when it cannot (the client, the proxy, a low-level Server).
 */
export function toolResultErrorOutcome(
  result: unknown,
  receiverSide: boolean,
  toolCodeRan?: boolean,
): FailureOutcome {
  const text = firstText(result);
  const match = text === undefined ? null : WRAPPED_PROTOCOL_ERROR.exec(text);
  if (match !== null && text !== undefined) {
    const code = Number(match[1]);
    if (text.startsWith(OUTPUT_VALIDATION_TEXT, match[0].length + 1))
      return outputValidationOutcome('tools/call');
    const callerFault = CALLER_FAULT_CODES.has(code);
    return outcome(String(code), callerFault ? 'caller' : 'server', !(receiverSide && callerFault), false);
  }
  return toolErrorOutcome(toolCodeRan === false);
}

/**
 * The outcome of a tools/call that failed with `text` as its error text, as the side that sent the call
 * records it: {@link toolResultErrorOutcome} for a result whose first text content is `text`. The
 * collector applies it to spans recorded before this rule existed, or by other instrumentations.
 */
export function toolErrorTextOutcome(text: string): FailureOutcome {
  return toolResultErrorOutcome({ content: [{ type: 'text', text }] }, false);
}

/**
 * A plain tool result with `isError: true`: the tool's fault, or the caller's when the tool's own code
 * never ran (McpServer refused the call before running it).
 */
export function toolErrorOutcome(callerFault: boolean): FailureOutcome {
  return outcome(ERROR_TYPE_TOOL_ERROR, callerFault ? 'caller' : 'tool', !callerFault, false);
}

/** A received request that the peer cancelled on purpose: no response is sent; the caller decided. */
export const CANCELLED_BY_PEER: FailureOutcome = outcome(ERROR_TYPE_CANCELLED, 'caller', false, false);

// The MCP SDKs send the same notifications/cancelled for a timeout as for a user cancel; only the reason
// tells them apart: "McpError: MCP error -32001: Request timed out" from the TypeScript SDK, "timed out"
// from the Python SDK. A user cancel carries the abort reason ("AbortError: This operation was aborted",
// or the caller's own text). A caller's `AbortSignal.timeout()` reads "TimeoutError: …": that is the
// caller's own signal, which its client records as a cancel, so it is one here too.
const TIMEOUT_REASON = /timed?[ _-]?out/i;
const OWN_SIGNAL_TIMEOUT = 'TimeoutError:';
const TIMED_OUT_MESSAGE = 'The requester timed out waiting for the response';

/**
 * A received request that the requester cancelled (notifications/cancelled), from the cancel's reason.
 * A timeout is the answering side's fault (it was too slow) and an error; any other cancel was the
 * caller's decision and is not.
 * @param answerer the side that was answering the cancelled request.
 */
export function classifyPeerCancel(reason: string | undefined, answerer: Answerer): FailureOutcome {
  if (reason !== undefined && TIMEOUT_REASON.test(reason) && !reason.startsWith(OWN_SIGNAL_TIMEOUT)) {
    return { ...outcome(ERROR_TYPE_TIMEOUT, answerer, true, false), message: TIMED_OUT_MESSAGE };
  }
  return CANCELLED_BY_PEER;
}

/** A received request whose connection closed before the response was sent. */
export const CLOSED_BEFORE_RESPONSE: FailureOutcome = outcome(
  ERROR_TYPE_CONNECTION_CLOSED,
  'transport',
  true,
  true,
);

const SERVER_PROCESS_EXITED: FailureOutcome = outcome(ERROR_TYPE_CONNECTION_CLOSED, 'server', true, true);

/**
 * A connection that closed while a request was in flight. When the peer is a child process this process
 * spawned (a stdio server) and this process did not close the connection, the server process died: its
 * fault. Otherwise (HTTP, in memory, or closed by this process) the transport's.
 */
export function closedConnectionOutcome(peerIsChild: boolean, closedLocally: boolean): FailureOutcome {
  return peerIsChild && !closedLocally ? SERVER_PROCESS_EXITED : CLOSED_BEFORE_RESPONSE;
}

/** A request that could not be delivered or whose exchange failed below MCP (socket error, fetch failed). */
export const TRANSPORT_FAILURE: FailureOutcome = outcome(ERROR_TYPE_TRANSPORT, 'transport', true, true);

/** A request whose id the peer reused while the first request with that id was still in flight. */
export const DUPLICATE_REQUEST_ID: FailureOutcome = outcome(ERROR_TYPE_DUPLICATE_ID, 'caller', true, false);

/**
 * An HTTP error status from the MCP endpoint, as `http_<status>` (`session_not_found` for a 404 on a
 * request that carried a session).
 *
 * - 5xx except 502/503/504: the server failed → the server's fault.
 * - 502/503/504: a gateway, or a server not there → the transport's.
 * - 404 for a request that carried a session: the session is lost → the transport's, on every side.
 * - Other 4xx: the sender's view is the transport's (auth, routing); the receiver's view (the proxy in
 *   front of the server) is the caller's, not an error: the server refused a bad request.
 */
export function httpStatusOutcome(
  status: number,
  hadSession: boolean,
  receiverSide: boolean,
): FailureOutcome {
  const type =
    status === 404 && hadSession ? ERROR_TYPE_SESSION_NOT_FOUND : `${ERROR_TYPE_HTTP_PREFIX}${status}`;
  let fault: FaultLayer;
  if (status >= 500) fault = status === 502 || status === 503 || status === 504 ? 'transport' : 'server';
  // A session the server no longer knows (it restarted, or expired it) is nobody's bad request: the
  // transport's state was lost, on either side's view.
  else if (type === ERROR_TYPE_SESSION_NOT_FOUND) fault = 'transport';
  else fault = receiverSide ? 'caller' : 'transport';
  return { ...outcome(type, fault, fault !== 'caller', true), httpStatusCode: status };
}

/**
 * A received request whose handler failed after a span it started (an HTTP or database call) had ended
 * with ERROR status: the failure is attributed to that downstream call. Applies to failures of the
 * handler itself — a tool's error result or broken output (fault `tool`), or a thrown handler (-32603) —
 * and leaves every other outcome (caller faults, cancels, closed connections) as it is.
 * @param failedSpanId hex span id of the first failed downstream span, if any.
 */
export function withDownstreamFailure(
  failure: FailureOutcome,
  failedSpanId: string | undefined,
): FailureOutcome {
  if (failedSpanId === undefined) return failure;
  if (failure.fault !== 'tool' && failure.errorType !== String(INTERNAL_ERROR)) return failure;
  return { ...failure, fault: 'downstream', downstreamSpanId: failedSpanId };
}

function outcome(
  errorType: string,
  fault: FaultLayer,
  markError: boolean,
  transport: boolean,
): FailureOutcome {
  return { errorType, fault, markError, transport };
}

// MCP SDK 2.x reports its local conditions as `SdkError` with a string code (`SdkErrorCode`) where 1.x
// used McpError -32000/-32001; they mean the same, so they classify the same.
const SDK_ERROR_CODES: ReadonlyMap<unknown, number> = new Map([
  ['REQUEST_TIMEOUT', REQUEST_TIMEOUT],
  ['CONNECTION_CLOSED', CONNECTION_CLOSED],
]);

/**
 * The numeric `code` of an McpError or ProtocolError (negative, JSON-RPC), a StreamableHTTPError (an
 * HTTP status), or the JSON-RPC code of an MCP SDK 2.x `SdkError` that has a 1.x equivalent.
 */
export function errorCode(error: unknown): number | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'number') return Number.isFinite(code) ? code : undefined;
  return typeof code === 'string' ? SDK_ERROR_CODES.get(code) : undefined;
}

/** The string code of an MCP SDK 2.x `SdkError`, if `error` has one. */
function sdkErrorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isNotConnected(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.message === 'Not connected' || (error as { code?: unknown }).code === 'NOT_CONNECTED')
  );
}

/** The text of a result's first text content. */
function firstText(result: unknown): string | undefined {
  const content = (result as { content?: unknown } | null | undefined)?.content;
  if (!Array.isArray(content)) return undefined;
  for (const item of content as unknown[]) {
    if (item === null || typeof item !== 'object') continue;
    const { type, text } = item as { type?: unknown; text?: unknown };
    if (type === 'text') return typeof text === 'string' ? text : undefined;
  }
  return undefined;
}
