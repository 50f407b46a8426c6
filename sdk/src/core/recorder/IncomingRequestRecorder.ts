import { context, isSpanContextValid, SpanKind, trace, type Context, type Link } from '@opentelemetry/api';
import {
  classifyPeerCancel,
  CLOSED_BEFORE_RESPONSE,
  DUPLICATE_REQUEST_ID,
  jsonRpcErrorOutcome,
  toolResultErrorOutcome,
  withDownstreamFailure,
  type FailureOutcome,
} from '../classifyOutcome.js';
import { redactString } from '../content/redact.js';
import type { JsonRpcMessage } from '../jsonRpc.js';
import { observesDownstream, withDownstreamRecord } from '../McpscopeSpanProcessor.js';
import { extractParent, metaOf } from '../metaPropagation.js';
import { reportInternalError } from '../reportInternalError.js';
import { META_SERVER_INFO, serverSideOf } from '../identity.js';
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
import { IncomingCall, jsonBytes, receivedBytes, type Connection, type IncomingEnd } from './calls.js';
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
    const active = context.active();
    const call = this.begin(conn, message, headers, active, message.id as string | number);
    if (call.span.isRecording()) {
      const bytes = conn.measureBytes ? receivedBytes(conn, message) : undefined;
      this.describe(conn, call, message, headers, active, bytes);
    }
    const ctx = trace.setSpan(call.parent, call.span);
    // The handler runs in this context: spans it starts report their failures to the call.
    return observesDownstream() ? withDownstreamRecord(ctx, call) : ctx;
  }

  /**
   * The first half of {@link start}: learns what the request tells of the session, starts its SERVER
   * span with the attributes a sampler reads, and keeps the call on `conn` under `key` (its id; the proxy
   * adds the HTTP exchange). A request that reuses the key of one still in flight ends that one. An
   * observer that must not delay the message (the proxy) calls {@link describe} once it has gone on.
   */
  begin(
    conn: Connection,
    message: JsonRpcMessage,
    headers: unknown,
    active: Context,
    key: string | number,
  ): IncomingCall {
    const r = this.r;
    const method = message.method as string;
    const params = message.params;
    const meta = metaOf(message);
    const extracted = extractParent(active, meta, headers, r.propagator);
    let parent = extracted.ctx;
    let links: Link[] | undefined;
    // The ambient span (e.g. the HTTP server span of auto-instrumentation) is linked, not the parent.
    // In memory the "ambient" span is the sender's own context, so there is nothing to link.
    if (extracted.fromRemote && !conn.info.inMemory) {
      const ambient = trace.getSpan(active)?.spanContext();
      if (ambient && isSpanContextValid(ambient)) links = [{ context: ambient }];
    }
    const identity = r.learnFromReceived(message, meta, headers);
    r.refreshSession(conn);
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
    const call = new IncomingCall(span, shape, key, parent);
    if (taskId !== undefined) call.taskId = taskId;
    if (identity !== undefined) call.identity = identity;
    if (method === 'tools/list') call.listCursor = params?.['cursor'];
    // A tools/list names the server as the process that launched it knows it (core/serverCommand.ts).
    if (carriesServerCommand(method)) call.serverCommand = namedServerCommand(meta);
    // A peer reusing an id still in flight breaks correlation: the old span ends rather than leaks.
    const previous = conn.incoming.size > 0 ? conn.incoming.get(key) : undefined;
    if (previous !== undefined) this.end(conn, previous, undefined, DUPLICATE_REQUEST_ID);
    conn.incoming.set(key, call);
    return call;
  }

  /**
   * The second half of {@link start}, for a span that records: the attributes that only an exporter
   * reads. `requestBytes` is the request's size on the wire, when measured; `active` carries the HTTP
   * request's peer (REQUEST_PEER_KEY).
   */
  describe(
    conn: Connection,
    call: IncomingCall,
    message: JsonRpcMessage,
    headers: unknown,
    active: Context,
    requestBytes: number | undefined,
  ): void {
    const r = this.r;
    const span = call.span;
    const method = call.method;
    const params = message.params;
    span.setAttributes(call.identity !== undefined ? r.baseOf(call.identity, true) : r.incomingBase);
    setRequestAttributes(span, method, params);
    span.setAttribute(ATTR_JSONRPC_REQUEST_ID, String(message.id));
    if (call.serverCommand !== undefined) span.setAttribute(ATTR_MCPSCOPE_SERVER_COMMAND, call.serverCommand);
    if (call.taskId !== undefined) span.setAttribute(ATTR_MCPSCOPE_TASK_ID, call.taskId);
    // 2026-07-28 multi round-trip: a retry carries the input its first leg asked for.
    if (params?.['inputResponses'] !== undefined) recordInputResponses(span, params);
    if (method === 'tools/call' && call.target !== undefined) {
      const annotations = r.serverToolAnnotations(call.target);
      if (annotations) span.setAttributes(annotations);
    }
    if (r.opts.capture) r.addCapturedArguments(span, method, params);
    if (requestBytes !== undefined) span.setAttribute(ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES, requestBytes);
    if (conn.info.http) {
      const peer = active.getValue(REQUEST_PEER_KEY) as RequestPeer | undefined;
      span.setAttributes(httpAddressAttributes(peer, headers));
      if (headers !== undefined) recordMcpHeaders(span, headers);
    }
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

  /**
   * The peer cancelled a request this endpoint was handling (notifications/cancelled with `reason`): its
   * span ends as cancelled, or timed out when the reason says so; at `at` when not now.
   */
  cancelled(conn: Connection, call: IncomingCall, reason: unknown, at?: number): void {
    const outcome = classifyPeerCancel(typeof reason === 'string' ? reason : undefined, this.r.role);
    this.end(conn, call, undefined, outcome, at !== undefined ? { at } : undefined);
  }

  /** The connection closed: every request still being handled ends without a response. */
  closeAll(conn: Connection): void {
    for (const call of conn.incoming.values()) this.end(conn, call, undefined, CLOSED_BEFORE_RESPONSE);
  }

  /**
   * Ends a SERVER span: on the response (`response`), or with a fixed outcome (cancelled, closed);
   * `how` says what an observer that is not the endpoint knows besides (see IncomingEnd).
   */
  end(
    conn: Connection,
    call: IncomingCall,
    response: JsonRpcMessage | undefined,
    forced?: FailureOutcome,
    how?: IncomingEnd,
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
    // 2026-07-28 era: each result's `_meta` names the server (an observer that is not it learns it here).
    const resultMeta = result?.['_meta'];
    if (call.identity !== undefined || r.identityPerRequest) {
      if (result) this.requestIdentityResult(call, result, resultMeta);
    } else if (
      resultMeta !== null &&
      typeof resultMeta === 'object' &&
      r.noteMeta(resultMeta as Record<string, unknown>)
    ) {
      if (span.isRecording()) span.setAttributes(r.identity.attributes());
    }
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
      if (how?.bytes !== undefined) span.setAttribute(ATTR_MCPSCOPE_TRANSPORT_RESPONSE_BYTES, how.bytes);
      else if (response && conn.measureBytes)
        span.setAttribute(ATTR_MCPSCOPE_TRANSPORT_RESPONSE_BYTES, jsonBytes(response));
      if (outcome) {
        const message =
          outcome.message ??
          (response?.error
            ? redactString(response.error.message)
            : result && r.toolErrorText
              ? toolErrorMessage(result)
              : outcome.errorType);
        recordOutcome(span, outcome, message);
      }
    } else if (result && call.method === 'initialize') {
      if (call.identity === undefined && !r.identityPerRequest) r.onInitializeResult(result);
    }
    if (result && how?.beforeEnd) how.beforeEnd(call, result);
    const endTime = how?.at;
    span.end(endTime);
    r.opts.metrics.recordOperation(
      false,
      ((endTime ?? performance.now()) - call.startTime) / 1000,
      metricAttributesOf(call.shape, outcome?.errorType),
    );
  }

  /**
   * What a result tells of the server when identity is kept per request: learnt into the request's own
   * identity (set on its span), and the server's name into the recorder's, which every request shares.
   */
  private requestIdentityResult(
    call: IncomingCall,
    result: Record<string, unknown>,
    resultMeta: unknown,
  ): void {
    const r = this.r;
    const meta =
      resultMeta !== null && typeof resultMeta === 'object'
        ? (resultMeta as Record<string, unknown>)
        : undefined;
    if (call.method !== 'initialize' && meta === undefined) return;
    const identity = (call.identity ??= serverSideOf(r.identity));
    if (call.method === 'initialize') identity.fromInitializeResult(result);
    identity.fromMeta(meta);
    if (call.span.isRecording()) call.span.setAttributes(identity.attributes());
    const server = call.method === 'initialize' ? result['serverInfo'] : meta?.[META_SERVER_INFO];
    if (server !== undefined) r.setImplementation('server', server);
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
