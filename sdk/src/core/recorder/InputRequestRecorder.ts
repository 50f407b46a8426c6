import { context, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';
import type { JsonRpcMessage } from '../jsonRpc.js';
import { reportInternalError } from '../reportInternalError.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCPSCOPE_FAULT,
  ATTR_MCPSCOPE_INPUT_REQUEST_KEY,
  ERROR_TYPE_EXCEPTION,
  spanName,
} from '../../semconv.js';
import type { Connection, OutgoingCall } from './calls.js';
import { requestTarget } from './requestAttributes.js';
import type { SpanRecorder } from './SpanRecorder.js';
import { errorMessage } from './statusMessages.js';

// Multi round-trip requests (2026-07-28, SEP-2322), on the side that makes the call. A tools/call,
// prompts/get or resources/read may be answered `input_required`: the result carries input requests
// (elicitation/create, sampling/createMessage, roots/list, keyed by the server) instead of the answer.
// The client fulfils them with its own handlers and sends the request again, with a new id, carrying
// `inputResponses` (and `requestState`), until a final result comes. All of that is one call for its
// caller, so it is one CLIENT span: each leg on the wire is a transport span under it (and the server's
// span of that leg under the transport span, through `_meta`), and each input request the client
// fulfils is a span under it too, a SERVER span as in the 2025 era, where the same question reached the
// client as a request of the server's. MCP SDK 2.x sends the retries straight to the transport, not
// through `request()`, so a retry is recognised by what it is: the same method and target as a call
// that is waiting for input, now carrying the input.

/** The kinds of request a result can embed for the client to fulfil. */
export const INPUT_REQUEST_METHODS: ReadonlySet<string> = new Set([
  'elicitation/create',
  'sampling/createMessage',
  'roots/list',
]);

/** The span of one embedded input request while the client's handler fulfils it. */
export interface EmbeddedInput {
  readonly span: Span;
  readonly call: OutgoingCall;
  /** The context the handler runs in (the span's). */
  readonly ctx: Context;
}

/** Records the multi round-trip requests of one endpoint (see the module comment). */
export class InputRequestRecorder {
  constructor(private readonly r: SpanRecorder) {}

  /** The response to a leg of `call` asked for input: the call now waits for the client to fulfil it. */
  inputRequired(conn: Connection, call: OutgoingCall, result: Record<string, unknown>): void {
    call.inputRounds++;
    const requests = result['inputRequests'];
    call.awaiting = {
      requests:
        requests !== null && typeof requests === 'object' ? (requests as Record<string, unknown>) : {},
      requestState: result['requestState'],
    };
    // This leg's answer is not the call's: a failure from here on is judged on what follows.
    call.wire = 'none';
    call.rawResult = undefined;
    if (!conn.awaitingInput.includes(call)) conn.awaitingInput.push(call);
  }

  /**
   * A request of `method` went to the transport without the host's request hook: when it carries input
   * for a call that waits for it (same method and target), it is that call's next leg. Returns the call.
   */
  takeRetry(conn: Connection, message: JsonRpcMessage): OutgoingCall | undefined {
    const params = message.params;
    if (
      params === undefined ||
      (params['inputResponses'] === undefined && params['requestState'] === undefined)
    )
      return undefined;
    const method = message.method as string;
    const target = requestTarget(method, params);
    const requestState = params['requestState'];
    const waiting = conn.awaitingInput;
    // Calls of the same tool may wait at once: the echoed requestState tells them apart when the server
    // sent one; otherwise the oldest is taken (each waits for input the same way).
    let found = -1;
    for (let i = 0; i < waiting.length; i++) {
      const call = waiting[i] as OutgoingCall;
      if (call.method !== method || call.target !== target || call.ended) continue;
      if (found < 0) found = i;
      if (requestState !== undefined && call.awaiting?.requestState === requestState) {
        found = i;
        break;
      }
    }
    if (found < 0) return undefined;
    const call = waiting.splice(found, 1)[0] as OutgoingCall;
    call.awaiting = undefined;
    return call;
  }

  /** A call ended: it waits for nothing any more. */
  forget(conn: Connection, call: OutgoingCall): void {
    const i = conn.awaitingInput.indexOf(call);
    if (i >= 0) conn.awaitingInput.splice(i, 1);
  }

  /**
   * The host runs its handler for `request` of `method`: when its id is the key of an input request a
   * waiting call asked for (an embedded request, fulfilled locally, not one that came over the wire),
   * starts its span under the call's. Returns undefined otherwise.
   */
  embeddedStarted(
    method: string,
    request: { id?: unknown; params?: unknown } | undefined,
  ): EmbeddedInput | undefined {
    try {
      const conn = this.r.conn;
      const id = request?.id;
      if (conn === undefined || conn.awaitingInput.length === 0 || typeof id !== 'string') return undefined;
      // The SDK hands the handler the very params object of the result's input request, which tells
      // apart calls that asked with the same key; the key alone is the fallback.
      let call: OutgoingCall | undefined;
      for (const waiting of conn.awaitingInput) {
        const requests = waiting.awaiting?.requests;
        if (requests === undefined || !Object.prototype.hasOwnProperty.call(requests, id)) continue;
        const asked = requests[id] as { params?: unknown } | null;
        call ??= waiting;
        if (asked?.params === request?.params) {
          call = waiting;
          break;
        }
      }
      if (call === undefined) return undefined;
      const parent = trace.setSpan(call.parentCtx, call.span);
      const span = this.r.opts.tracer.startSpan(
        spanName(method),
        { kind: SpanKind.SERVER, attributes: this.r.incomingBase },
        parent,
      );
      if (span.isRecording()) {
        span.setAttribute(ATTR_MCP_METHOD_NAME, method);
        span.setAttribute(ATTR_MCPSCOPE_INPUT_REQUEST_KEY, id);
      }
      return { span, call, ctx: trace.setSpan(parent, span) };
    } catch (error) {
      reportInternalError(error);
      return undefined;
    }
  }

  /** The handler of an embedded input request settled; a failure fails the call it belongs to. */
  embeddedEnded(embedded: EmbeddedInput, error: unknown, failed: boolean): void {
    try {
      const span = embedded.span;
      if (failed) {
        embedded.call.inputFailed = true;
        if (span.isRecording()) {
          span.setAttribute(ATTR_ERROR_TYPE, ERROR_TYPE_EXCEPTION);
          span.setAttribute(ATTR_MCPSCOPE_FAULT, 'client');
          span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
          if (error instanceof Error) span.recordException(error);
        }
      }
      span.end();
    } catch (internal) {
      reportInternalError(internal);
    }
  }

  /** Runs `handler` for an embedded input request in its span and ends the span when it settles. */
  runEmbedded(embedded: EmbeddedInput, handler: () => unknown): unknown {
    let result: unknown;
    try {
      result = context.with(embedded.ctx, handler);
    } catch (error) {
      this.embeddedEnded(embedded, error, true);
      throw error;
    }
    if (result instanceof Promise) {
      result.then(
        () => this.embeddedEnded(embedded, undefined, false),
        (error: unknown) => this.embeddedEnded(embedded, error, true),
      );
    } else {
      this.embeddedEnded(embedded, undefined, false);
    }
    return result;
  }
}
