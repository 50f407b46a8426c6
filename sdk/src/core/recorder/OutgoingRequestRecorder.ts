import { context, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { classifySenderFailure, toolResultErrorOutcome, type FailureOutcome } from '../classifyOutcome.js';
import { injectIntoMessage, metaOf } from '../metaPropagation.js';
import type { JsonRpcMessage } from '../jsonRpc.js';
import { reportInternalError } from '../reportInternalError.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPSCOPE_FAULT,
  ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES,
  ATTR_MCPSCOPE_TRANSPORT_RESPONSE_BYTES,
  ATTR_RPC_RESPONSE_STATUS_CODE,
} from '../../semconv.js';
import { jsonBytes, OutgoingCall, receivedBytes, type Connection } from './calls.js';
import { requestTarget, setRequestAttributes } from './requestAttributes.js';
import { metricAttributesOf } from './RequestShapes.js';
import type { SpanRecorder } from './SpanRecorder.js';
import { errorMessage, toolErrorMessage } from './statusMessages.js';

// Requests this endpoint sends: the CLIENT span (from the call to the validated result) and, while the
// message is on the wire, the INTERNAL transport span (send → response received) whose context goes
// into `params._meta`. Four moments, in order: started (the host's request call), sent (the message
// goes to the transport), response received (the transport delivers the answer), ended (the caller's
// promise settles, with the result or the failure).

/** Records the requests one endpoint sends (see the module comment). */
export class OutgoingRequestRecorder {
  constructor(private readonly r: SpanRecorder) {}

  /**
   * A request is made: starts its CLIENT span in the active context. `params` are the request's,
   * `options` the caller's request options (their AbortSignal tells a cancel from a timeout). Returns
   * undefined when the instrumentation failed (reported, never thrown).
   */
  start(
    method: string,
    params: Record<string, unknown> | undefined,
    options: unknown,
  ): OutgoingCall | undefined {
    const r = this.r;
    try {
      const conn = r.conn;
      if (conn) r.refreshSession(conn);
      const shape = r.shapes.get(method, requestTarget(method, params));
      const parentCtx = context.active();
      const span = r.opts.tracer.startSpan(shape.spanName, shape.clientSpanOptions, parentCtx);
      if (span.isRecording()) {
        span.setAttributes(r.outgoingBase);
        setRequestAttributes(span, method, params);
        if (shape.target !== undefined && method === 'tools/call') {
          const annotations = r.toolAnnotations.get(shape.target);
          if (annotations) span.setAttributes(annotations);
        }
        if (r.opts.capture) r.addCapturedArguments(span, method, params);
      }
      if (method === 'initialize' && params) r.setImplementation('client', params['clientInfo']);
      const signal = (options as { signal?: unknown } | undefined)?.signal;
      const call = new OutgoingCall(
        this.end,
        conn,
        span,
        parentCtx,
        shape,
        signal instanceof AbortSignal ? signal : undefined,
      );
      if (method === 'tools/list') call.listCursor = params?.['cursor'];
      return call;
    } catch (error) {
      reportInternalError(error);
      return undefined;
    }
  }

  /**
   * The request of `call` goes on the wire: starts its transport span and returns the message to send,
   * with that span's context injected into `params._meta`.
   */
  sent(conn: Connection, message: JsonRpcMessage, call: OutgoingCall): JsonRpcMessage {
    const id = Number(message.id);
    call.sent = true;
    call.id = id;
    conn.outgoing.set(id, call);
    const shape = call.shape;
    const r = this.r;
    // 2026-07-28 era: the host SDK put the protocol version (and this client) into the request's `_meta`.
    const meta = metaOf(message);
    if (meta !== undefined && r.noteMeta(meta) && call.span.isRecording())
      call.span.setAttributes(r.identity.attributes());
    const transportSpan = r.opts.tracer.startSpan(
      shape.transportSpanName,
      shape.transportSpanOptions,
      trace.setSpan(call.parentCtx, call.span),
    );
    call.transportSpan = transportSpan;
    call.hadTransportSpan = true;
    const out = injectIntoMessage(message, trace.setSpan(call.parentCtx, transportSpan));
    if (transportSpan.isRecording()) {
      const requestId = String(message.id);
      transportSpan.setAttributes(r.transportBase);
      transportSpan.setAttribute(ATTR_JSONRPC_REQUEST_ID, requestId);
      call.span.setAttribute(ATTR_JSONRPC_REQUEST_ID, requestId);
      if (conn.measureBytes)
        transportSpan.setAttribute(ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES, jsonBytes(out));
    }
    return out;
  }

  /** A response arrived for a request this endpoint sent: the transport span ends here. */
  responseReceived(conn: Connection, message: JsonRpcMessage): void {
    const id = Number(message.id);
    const call = conn.outgoing.get(id);
    if (!call) return;
    conn.outgoing.delete(id);
    call.wire = message.error ? 'error' : 'result';
    call.rawResult = message.result;
    // 2026-07-28 era: each result's `_meta` names the server.
    const resultMeta = (message.result as { _meta?: unknown } | undefined)?._meta;
    if (
      resultMeta !== null &&
      typeof resultMeta === 'object' &&
      this.r.noteMeta(resultMeta as Record<string, unknown>) &&
      call.span.isRecording()
    ) {
      call.span.setAttributes(this.r.identity.attributes());
    }
    const transportSpan = call.transportSpan;
    if (!transportSpan) return;
    call.transportSpan = undefined;
    if (transportSpan.isRecording()) {
      if (conn.measureBytes)
        transportSpan.setAttribute(ATTR_MCPSCOPE_TRANSPORT_RESPONSE_BYTES, receivedBytes(conn, message));
      if (conn.info.http && conn.transport.sessionId)
        transportSpan.setAttribute(ATTR_MCP_SESSION_ID, conn.transport.sessionId);
    }
    transportSpan.end();
  }

  /** Ends a CLIENT span when the caller's promise settles (bound once per call, see {@link OutgoingCall}). */
  readonly end = (call: OutgoingCall, value: unknown, error: unknown, failed: boolean): void => {
    try {
      if (call.ended) return;
      call.ended = true;
      const r = this.r;
      const conn = call.conn;
      if (call.id !== undefined) conn?.outgoing.delete(call.id);
      else if (!call.sent && conn && conn.unsent.size > 0) conn.unsent.remove(call);
      const span = call.span;
      const result = failed ? undefined : (value as Record<string, unknown> | undefined);
      let outcome: FailureOutcome | undefined;
      if (failed) {
        outcome = classifySenderFailure(error, {
          method: call.method,
          answerer: r.role === 'client' ? 'server' : 'client',
          aborted: call.signal?.aborted ?? false,
          wire: call.wire,
          sent: call.sent,
          hadSession: conn?.transport.sessionId !== undefined,
          peerIsChild: conn !== undefined && r.peerIsChild(conn),
          closedLocally: conn?.closedLocally ?? false,
        });
      } else if (call.method === 'tools/call' && result?.['isError'] === true) {
        outcome = toolResultErrorOutcome(result, false);
      }
      const transportSpan = call.transportSpan;
      if (transportSpan) {
        // No response came back: the transport span ends with the request.
        call.transportSpan = undefined;
        if (outcome && transportSpan.isRecording()) recordTransportFailure(transportSpan, outcome, error);
        transportSpan.end();
      }
      if (span.isRecording()) {
        if (result) {
          const raw = call.rawResult ?? result;
          r.afterResult(call.method, raw, call.listCursor, conn, true, span);
        }
        if (outcome) recordClientFailure(span, outcome, call, failed, error, result);
      } else if (result && call.method === 'initialize') {
        r.onInitializeResult(result);
      }
      span.end();
      r.opts.metrics.recordOperation(
        true,
        (performance.now() - call.startTime) / 1000,
        metricAttributesOf(call.shape, outcome?.errorType),
      );
    } catch (internal) {
      reportInternalError(internal);
    }
  };
}

/** A request that got no response: its transport span shows the failure when it showed on the wire. */
function recordTransportFailure(transportSpan: Span, outcome: FailureOutcome, error: unknown): void {
  transportSpan.setAttribute(ATTR_ERROR_TYPE, outcome.errorType);
  if (outcome.httpStatusCode !== undefined)
    transportSpan.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, outcome.httpStatusCode);
  if (outcome.transport) {
    transportSpan.setAttribute(ATTR_MCPSCOPE_FAULT, outcome.fault);
    transportSpan.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
    if (error instanceof Error) transportSpan.recordException(error);
  }
}

function recordClientFailure(
  span: Span,
  outcome: FailureOutcome,
  call: OutgoingCall,
  failed: boolean,
  error: unknown,
  result: Record<string, unknown> | undefined,
): void {
  span.setAttribute(ATTR_ERROR_TYPE, outcome.errorType);
  if (outcome.rpcStatusCode !== undefined)
    span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, outcome.rpcStatusCode);
  // A transport fault is carried by the transport span when there is one; every other fault
  // is attributed on the client span (for remote failures it is the client's view of the
  // server), also when the transport span shows it (a server process that died, an HTTP 500).
  if (!(outcome.fault === 'transport' && outcome.transport && call.hadTransportSpan))
    span.setAttribute(ATTR_MCPSCOPE_FAULT, outcome.fault);
  if (outcome.markError) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: outcome.message ?? (failed ? errorMessage(error) : toolErrorMessage(result)),
    });
  }
  if (failed && error instanceof Error) span.recordException(error);
}
