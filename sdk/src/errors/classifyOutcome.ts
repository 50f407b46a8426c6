import {
  CALLER_FAULT_CODES,
  ERROR_TYPE_CANCELLED,
  ERROR_TYPE_CONNECTION_CLOSED,
  ERROR_TYPE_EXCEPTION,
  ERROR_TYPE_HTTP_PREFIX,
  ERROR_TYPE_OUTPUT_VALIDATION,
  ERROR_TYPE_SESSION_NOT_FOUND,
  ERROR_TYPE_TIMEOUT,
  ERROR_TYPE_TOOL_ERROR,
  ERROR_TYPE_TRANSPORT,
  type FaultLayer,
} from '../semconv.js';

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
  /** Whether the failure was decided by the transport (the transport span carries the fault). */
  transport: boolean;
}

// The MCP SDK's own JSON-RPC codes for local conditions (ErrorCode in @modelcontextprotocol/sdk/types).
const CONNECTION_CLOSED = -32000;
const REQUEST_TIMEOUT = -32001;

/** What the sender knew about a request when its promise rejected. */
export interface SenderFailureContext {
  /** The caller's AbortSignal had fired: the caller cancelled. */
  aborted: boolean;
  /** What came back over the wire: nothing, a result, or a JSON-RPC error. */
  wire: 'none' | 'result' | 'error';
  /** The message had been handed to the transport. */
  sent: boolean;
  /** The transport had an HTTP session when the failure happened. */
  hadSession: boolean;
}

/**
 * Classifies the rejection of a request this process sent (the client role).
 *
 * - The caller's AbortSignal fired → `cancelled`, the caller's doing. The MCP SDK reports both this and
 *   a timeout as McpError -32001; the signal is what tells them apart.
 * - A result came back but the promise still rejected → the client library refused it (result schema or
 *   tool output schema): `output_validation`, client fault; the transport did its job.
 * - A JSON-RPC error came back → its code; the caller's fault for the caller-fault codes, else the server's.
 * - -32001 without a response → `timeout`, attributed to the server (it did not answer in time).
 * - -32000, "Not connected", HTTP statuses and other errors after sending → the transport.
 * - Anything else before sending (capability checks, local argument checks) → the client.
 */
export function classifySenderFailure(error: unknown, ctx: SenderFailureContext): FailureOutcome {
  if (ctx.aborted) return outcome(ERROR_TYPE_CANCELLED, 'caller', true, false);
  if (ctx.wire === 'result') return outcome(ERROR_TYPE_OUTPUT_VALIDATION, 'client', true, false);
  const code = errorCode(error);
  if (ctx.wire === 'error' && code !== undefined) return jsonRpcErrorOutcome(code, false);
  if (code === REQUEST_TIMEOUT) return outcome(ERROR_TYPE_TIMEOUT, 'server', true, false);
  if (code === CONNECTION_CLOSED || isNotConnected(error)) {
    return outcome(ERROR_TYPE_CONNECTION_CLOSED, 'transport', true, true);
  }
  if (code !== undefined && code >= 100 && code <= 599) {
    const type =
      code === 404 && ctx.hadSession ? ERROR_TYPE_SESSION_NOT_FOUND : `${ERROR_TYPE_HTTP_PREFIX}${code}`;
    return { ...outcome(type, 'transport', true, true), httpStatusCode: code };
  }
  if (ctx.sent) return outcome(ERROR_TYPE_TRANSPORT, 'transport', true, true);
  return outcome(code !== undefined ? String(code) : ERROR_TYPE_EXCEPTION, 'client', true, false);
}

/**
 * A JSON-RPC error response. On the receiving (server) side the caller-fault codes do not mark the span
 * as an error: refusing a bad request is correct behaviour. The sender always marks it.
 */
export function jsonRpcErrorOutcome(code: number, receiverSide: boolean): FailureOutcome {
  const callerFault = CALLER_FAULT_CODES.has(code);
  return {
    ...outcome(String(code), callerFault ? 'caller' : 'server', !(receiverSide && callerFault), false),
    rpcStatusCode: String(code),
  };
}

/**
 * A tool result with `isError: true`. When the tool's own code never ran (unknown or disabled tool,
 * invalid arguments: McpServer reports these as tool results too) the caller is at fault.
 */
export function toolErrorOutcome(callerFault: boolean): FailureOutcome {
  return outcome(ERROR_TYPE_TOOL_ERROR, callerFault ? 'caller' : 'tool', !callerFault, false);
}

/** A received request that the peer cancelled: no response is sent; the caller decided. */
export const CANCELLED_BY_PEER: FailureOutcome = outcome(ERROR_TYPE_CANCELLED, 'caller', false, false);

/** A received request whose connection closed before the response was sent. */
export const CLOSED_BEFORE_RESPONSE: FailureOutcome = outcome(
  ERROR_TYPE_CONNECTION_CLOSED,
  'transport',
  true,
  true,
);

function outcome(
  errorType: string,
  fault: FaultLayer,
  markError: boolean,
  transport: boolean,
): FailureOutcome {
  return { errorType, fault, markError, transport };
}

/** The numeric `code` of an McpError (negative, JSON-RPC) or a StreamableHTTPError (an HTTP status). */
export function errorCode(error: unknown): number | undefined {
  if (error === null || typeof error !== 'object') return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'number' && Number.isFinite(code) ? code : undefined;
}

function isNotConnected(error: unknown): boolean {
  return error instanceof Error && error.message === 'Not connected';
}
