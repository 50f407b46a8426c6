import { context, isSpanContextValid, SpanKind, trace, type Context, type Link } from '@opentelemetry/api';
import {
  CLOSED_BEFORE_RESPONSE,
  jsonRpcErrorOutcome,
  toolResultErrorOutcome,
  withDownstreamFailure,
  type FailureOutcome,
} from '../classifyOutcome.js';
import { redactString } from '../content/redact.js';
import type { JsonRpcMessage } from '../jsonRpc.js';
import { observesDownstream, withDownstreamRecord } from '../McpscopeSpanProcessor.js';
import { extractParent, headerValue, metaOf } from '../metaPropagation.js';
import { reportInternalError } from '../reportInternalError.js';
import { carriesServerCommand, namedServerCommand } from '../serverCommand.js';
import { relatedTaskId, requestTaskId } from '../tasks/TaskMemory.js';
import { httpAddressAttributes, REQUEST_PEER_KEY, type RequestPeer } from '../transport/httpAddresses.js';
import { recordMcpHeaders } from '../transport/mcpHeaders.js';
import {
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCPSCOPE_SERVER_COMMAND,
  ATTR_MCPSCOPE_TASK_ID,
  ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES,
  ATTR_MCPSCOPE_TRANSPORT_RESPONSE_BYTES,
} from '../../semconv.js';
import { IncomingCall, jsonBytes, receivedBytes, type Connection } from './calls.js';
import { recordOutcome } from './recordOutcome.js';
import { requestTarget, setRequestAttributes } from './requestAttributes.js';
import { metricAttributesOf } from './RequestShapes.js';
import { nonCompleteResultType, recordInputResponses, recordNonCompleteResult } from './resultAttributes.js';
import type { SpanRecorder } from './SpanRecorder.js';
import { toolErrorMessage } from './statusMessages.js';

// Requests this endpoint receives: the SERVER span, from the request's arrival to the response sent,
// parented on the context in `params._meta` (or the HTTP `traceparent` header), with the handler
// running in it. It ends on the response, or without one: cancelled by the peer, or the connection
// closed first.

/** Records the requests one endpoint receives (see the module comment). */
export class IncomingRequestRecorder {
  constructor(private readonly r: SpanRecorder) {}

  /**
   * A request arrived on `conn`: starts its SERVER span. `headers` are the HTTP request's that carried
   * it (undefined off HTTP). Returns the context to run the request's handling in.
   */
  start(conn: Connection, message: JsonRpcMessage, headers: unknown): Context {
    const r = this.r;
    const method = message.method as string;
    const params = message.params;
    const active = context.active();
    const meta = metaOf(message);
    const extracted = extractParent(active, meta, headers);
    let parent = extracted.ctx;
    const fromRemote = extracted.fromRemote;
    // 2026-07-28 era: the request's `_meta` names the protocol version and the client.
    if (meta !== undefined) r.noteMeta(meta);
    let links: Link[] | undefined;
    // The ambient span (e.g. the HTTP server span of auto-instrumentation) is linked, not the parent.
    // In memory the "ambient" span is the sender's own context, so there is nothing to link.
    if (fromRemote && !conn.info.inMemory) {
      const ambient = trace.getSpan(active)?.spanContext();
      if (ambient && isSpanContextValid(ambient)) links = [{ context: ambient }];
    }
    if (headers !== undefined && r.identity.protocolVersion === undefined) {
      const version = headerValue(headers, 'mcp-protocol-version');
      if (version) r.noteProtocolVersion(version);
    }
    r.refreshSession(conn);
    if (method === 'initialize' && params) r.setImplementation('client', params['clientInfo']);
    const shape = r.shapes.get(method, requestTarget(method, params));
    // A request about a task joins the call that created it (TaskMemory.join).
    const taskId = shape.taskMethod
      ? requestTaskId(params)
      : meta !== undefined
        ? relatedTaskId(meta)
        : undefined;
    if (taskId !== undefined && shape.taskMethod) {
      const joined = r.tasks.join(taskId, parent);
      parent = joined.parent;
      if (joined.links) links = links ? [...links, ...joined.links] : joined.links;
    }
    const span = r.opts.tracer.startSpan(
      shape.spanName,
      links ? { kind: SpanKind.SERVER, attributes: shape.startAttributes, links } : shape.serverSpanOptions,
      parent,
    );
    // A tools/list names the server as the process that launched it knows it (core/serverCommand.ts).
    const serverCommand = carriesServerCommand(method) ? namedServerCommand(meta) : undefined;
    if (span.isRecording()) {
      span.setAttributes(r.incomingBase);
      setRequestAttributes(span, method, params);
      span.setAttribute(ATTR_JSONRPC_REQUEST_ID, String(message.id));
      if (serverCommand !== undefined) span.setAttribute(ATTR_MCPSCOPE_SERVER_COMMAND, serverCommand);
      if (taskId !== undefined) span.setAttribute(ATTR_MCPSCOPE_TASK_ID, taskId);
      // 2026-07-28 multi round-trip: a retry carries the input its first leg asked for.
      if (params?.['inputResponses'] !== undefined) recordInputResponses(span, params);
      if (method === 'tools/call' && shape.target !== undefined) {
        const annotations = r.serverToolAnnotations(shape.target);
        if (annotations) span.setAttributes(annotations);
      }
      if (r.opts.capture) r.addCapturedArguments(span, method, params);
      if (conn.measureBytes)
        span.setAttribute(ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES, receivedBytes(conn, message));
      if (conn.info.http) {
        const peer = active.getValue(REQUEST_PEER_KEY) as RequestPeer | undefined;
        span.setAttributes(httpAddressAttributes(peer, headers));
        if (headers !== undefined) recordMcpHeaders(span, headers);
      }
    }
    const call = new IncomingCall(span, shape, message.id as string | number);
    if (method === 'tools/list') {
      call.listCursor = params?.['cursor'];
      call.serverCommand = serverCommand;
    }
    conn.incoming.set(call.id, call);
    const ctx = trace.setSpan(parent, span);
    // The handler runs in this context: spans it starts report their failures to the call.
    return observesDownstream() ? withDownstreamRecord(ctx, call) : ctx;
  }

  /** A response goes out on `conn`: the SERVER span of the request it answers ends. */
  responded(conn: Connection, response: JsonRpcMessage): void {
    const call = conn.incoming.get(response.id as string | number);
    if (call) this.end(conn, call, response);
  }

  /**
   * The host runs a tool's own code for the request `requestId` (so an isError result is the tool's, not
   * the caller's). Returns whether that request is being traced.
   */
  toolHandlerStarted(requestId: string | number | undefined): boolean {
    const call = requestId === undefined ? undefined : this.r.conn?.incoming.get(requestId);
    if (!call) return false;
    call.handlerRan = true;
    return true;
  }

  /** The connection closed: every request still being handled ends without a response. */
  closeAll(conn: Connection): void {
    for (const call of conn.incoming.values()) this.end(conn, call, undefined, CLOSED_BEFORE_RESPONSE);
  }

  /** Ends a SERVER span: on the response (`response`), or with a fixed outcome (cancelled, closed). */
  end(
    conn: Connection,
    call: IncomingCall,
    response: JsonRpcMessage | undefined,
    forced?: FailureOutcome,
  ): void {
    if (call.ended) return;
    call.ended = true;
    conn.incoming.delete(call.id);
    const r = this.r;
    const span = call.span;
    const result = response?.result;
    let outcome = forced;
    // A subscription this endpoint served ends without failure when the client or the stream ends it.
    if (call.method === 'subscriptions/listen') outcome = r.subscriptions.servedEnded(span, response, forced);
    if (!outcome && response?.error) {
      outcome = jsonRpcErrorOutcome(response.error.code, true, r.role);
    } else if (!outcome && call.method === 'tools/call' && result?.['isError'] === true) {
      outcome = toolResultErrorOutcome(result, true, r.tracksToolHandler ? call.handlerRan : undefined);
    }
    if (outcome && !forced && call.downstreamFailure !== undefined)
      outcome = withDownstreamFailure(outcome, call.downstreamFailure);
    if (span.isRecording()) {
      if (result) {
        r.afterResult(
          call.method,
          result,
          call.listCursor,
          conn,
          !r.registeredTools,
          span,
          call.serverCommand,
        );
        // 2026-07-28 era: input_required, or a task handle (this span then created the task).
        const resultType = nonCompleteResultType(result);
        if (resultType !== undefined) recordNonCompleteResult(span, resultType, result, r.tasks);
      }
      if (response && conn.measureBytes)
        span.setAttribute(ATTR_MCPSCOPE_TRANSPORT_RESPONSE_BYTES, jsonBytes(response));
      if (outcome) {
        const message =
          outcome.message ??
          (response?.error
            ? redactString(response.error.message)
            : result
              ? toolErrorMessage(result)
              : outcome.errorType);
        recordOutcome(span, outcome, message);
      }
    } else if (result && call.method === 'initialize') {
      r.onInitializeResult(result);
    }
    span.end();
    r.opts.metrics.recordOperation(
      false,
      (performance.now() - call.startTime) / 1000,
      metricAttributesOf(call.shape, outcome?.errorType),
    );
  }

  /**
   * Records a handler's exception on the SERVER span of the request it handles: the active span where
   * the handler threw (or where its rejection is observed, which runs in the handler's context). Only
   * the first exception of a request is recorded. Bound once, so it can be a rejection handler.
   */
  readonly handlerFailed = (error: unknown): void => {
    try {
      const span = trace.getSpan(context.active());
      const incoming = this.r.conn?.incoming;
      if (!span || !incoming) return;
      for (const call of incoming.values()) {
        if (call.span !== span) continue;
        if (call.exceptionRecorded || !span.isRecording()) return;
        call.exceptionRecorded = true;
        span.recordException(error instanceof Error ? error : String(error));
        return;
      }
    } catch (internal) {
      reportInternalError(internal);
    }
  };
}
