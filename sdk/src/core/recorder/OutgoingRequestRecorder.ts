import { context, trace, type Context } from '@opentelemetry/api';
import {
  classifyInputFulfilmentFailure,
  classifyPeerCancel,
  classifySenderFailure,
  DUPLICATE_REQUEST_ID,
  probeOutcome,
  toolResultErrorOutcome,
  type FailureOutcome,
} from '../classifyOutcome.js';
import type { SessionIdentity } from '../identity.js';
import { injectIntoMessage, metaOf } from '../metaPropagation.js';
import type { JsonRpcMessage } from '../jsonRpc.js';
import { reportInternalError } from '../reportInternalError.js';
import { carriesServerCommand, nameServerOfList } from '../serverCommand.js';
import { relatedTaskId, requestTaskId } from '../tasks/TaskMemory.js';
import {
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPSCOPE_INPUT_REQUIRED_ROUNDS,
  ATTR_MCPSCOPE_RESULT_TYPE,
  ATTR_MCPSCOPE_TASK_ID,
  ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES,
  ATTR_MCPSCOPE_TRANSPORT_RESPONSE_BYTES,
} from '../../semconv.js';
import { jsonBytes, OutgoingCall, receivedBytes, type Connection } from './calls.js';
import { recordClientFailure, recordTransportFailure } from './clientFailure.js';
import { requestTarget, setRequestAttributes } from './requestAttributes.js';
import { metricAttributesOf } from './RequestShapes.js';
import { nonCompleteResultType, recordInputResponses, recordNonCompleteResult } from './resultAttributes.js';
import type { SpanRecorder } from './SpanRecorder.js';

// Requests this endpoint sends: the CLIENT span (from the call to the validated result) and, while the
// message is on the wire, the INTERNAL transport span (send → response received) whose context goes
// into `params._meta`. Four moments, in order: started (the host's request call), sent (the message
// goes to the transport), response received (the transport delivers the answer), ended (the caller's
// promise settles, with the result or the failure). A request the host sends straight to the transport,
// without its request hook, is claimed by the call it belongs to (a queued task request, the next leg of
// a multi round-trip call) or, for `server/discover`, gets a call of its own that its response ends.

/** Records the requests one endpoint sends (see the module comment). */
export class OutgoingRequestRecorder {
  constructor(private readonly r: SpanRecorder) {}

  /**
   * A request is made: starts its CLIENT span in the active context (or `parent`). `params` are the request's,
   * `options` the caller's request options (their AbortSignal tells a cancel from a timeout). Returns
   * undefined when the instrumentation failed (reported, never thrown).
   */
  start(
    method: string,
    params: Record<string, unknown> | undefined,
    options: unknown,
    parent?: Context,
  ): OutgoingCall | undefined {
    const r = this.r;
    try {
      const conn = r.conn;
      if (conn) r.refreshSession(conn);
      const shape = r.shapes.get(method, requestTarget(method, params));
      let parentCtx = parent ?? context.active();
      let spanOptions = shape.clientSpanOptions;
      // A request about a task joins the call that created it (TaskMemory.join).
      const taskId = shape.taskMethod ? requestTaskId(params) : undefined;
      if (taskId !== undefined) {
        const joined = r.tasks.join(taskId, parentCtx);
        parentCtx = joined.parent;
        if (joined.links) spanOptions = { ...spanOptions, links: joined.links };
      }
      const span = r.opts.tracer.startSpan(shape.spanName, spanOptions, parentCtx);
      if (span.isRecording()) {
        span.setAttributes(r.outgoingBase);
        setRequestAttributes(span, method, params);
        if (taskId !== undefined) span.setAttribute(ATTR_MCPSCOPE_TASK_ID, taskId);
        if (shape.target !== undefined && method === 'tools/call') {
          const annotations = r.toolAnnotations.get(shape.target);
          if (annotations) span.setAttributes(annotations);
        }
        if (r.opts.capture) r.addCapturedArguments(span, method, params);
      }
      if (method === 'initialize') {
        if (params) r.setImplementation('client', params['clientInfo']);
        // The fallback after a server/discover probe that got no answer in time.
        if (conn && conn.direct.size > 0) this.endUnansweredProbes(conn);
      }
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
   * A request reached the transport without the host's request hook: returns the call it belongs to —
   * a request the SDK queued for a task, the next leg of a call that waits for input, or a new call for
   * a `server/discover` the host sent itself (its response ends it) — or undefined.
   */
  claim(conn: Connection, message: JsonRpcMessage): OutgoingCall | undefined {
    const method = message.method as string;
    if (conn.unsent.size > 0) {
      const queued = conn.unsent.take(method, Number(message.id));
      if (queued) return queued;
    }
    if (conn.awaitingInput.length > 0) {
      const retry = this.r.inputs.takeRetry(conn, message);
      if (retry) return retry;
    }
    if (method !== 'server/discover') return undefined;
    if (conn.direct.size > 0) this.endUnansweredProbes(conn);
    const call = this.start(method, message.params, undefined);
    if (call) call.direct = true;
    return call;
  }

  /**
   * A request no call claimed goes on the wire: a subscriptions/listen gets its subscription span (see
   * SubscriptionRecorder; `endSignal` is aborted by the host when the exchange ends), anything else
   * carries the active context. Returns the message to send.
   */
  sentWithoutCall(
    conn: Connection,
    message: JsonRpcMessage,
    endSignal: AbortSignal | undefined,
  ): JsonRpcMessage {
    // 2026-07-28 era: the request's `_meta` names the protocol version and this client, as any request's.
    const meta = metaOf(message);
    if (meta !== undefined) this.r.noteMeta(meta);
    if (message.method === 'subscriptions/listen') return this.r.subscriptions.sent(conn, message, endSignal);
    return injectIntoMessage(message, context.active());
  }

  /**
   * The request of `call` goes on the wire: starts its transport span and returns the message to send,
   * with that span's context injected into `params._meta`. A call of several legs (multi round-trip)
   * gets a transport span per leg.
   */
  sent(conn: Connection, message: JsonRpcMessage, call: OutgoingCall): JsonRpcMessage {
    const messageId = message.id;
    call.sent = true;
    if (typeof messageId === 'string') {
      call.id = messageId;
      conn.direct.set(messageId, call);
    } else {
      const id = Number(messageId);
      call.id = id;
      conn.outgoing.set(id, call);
    }
    const shape = call.shape;
    const r = this.r;
    // 2026-07-28 era: the host SDK put the protocol version (and this client) into the request's `_meta`.
    const meta = metaOf(message);
    if (meta !== undefined) {
      if (r.noteMeta(meta) && call.span.isRecording()) call.span.setAttributes(r.identity.attributes());
      // 2025-11-25 tasks: a request made for a task says so.
      const taskId = relatedTaskId(meta);
      if (taskId !== undefined) call.span.setAttribute(ATTR_MCPSCOPE_TASK_ID, taskId);
    }
    const transportSpan = r.opts.tracer.startSpan(
      shape.transportSpanName,
      shape.transportSpanOptions,
      trace.setSpan(call.parentCtx, call.span),
    );
    call.transportSpan = transportSpan;
    call.hadTransportSpan = true;
    let out = injectIntoMessage(message, trace.setSpan(call.parentCtx, transportSpan));
    if (carriesServerCommand(call.method)) out = nameServerOfList(conn, call, out);
    if (transportSpan.isRecording()) {
      const requestId = String(messageId);
      transportSpan.setAttributes(r.transportBase);
      transportSpan.setAttribute(ATTR_JSONRPC_REQUEST_ID, requestId);
      // A call's id is its first leg's; each later leg's is on its own transport span.
      if (call.inputRounds === 0) call.span.setAttribute(ATTR_JSONRPC_REQUEST_ID, requestId);
      else recordInputResponses(transportSpan, message.params);
      if (conn.measureBytes)
        transportSpan.setAttribute(ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES, jsonBytes(out));
    }
    return out;
  }

  /** A response arrived for a request this endpoint sent: the transport span ends here. */
  responseReceived(conn: Connection, message: JsonRpcMessage): void {
    const messageId = message.id;
    let call: OutgoingCall | undefined;
    if (typeof messageId === 'string' && conn.direct.size > 0) {
      call = conn.direct.get(messageId);
      if (call) conn.direct.delete(messageId);
    }
    if (!call) {
      const id = Number(messageId);
      call = conn.outgoing.get(id);
      if (!call) {
        if (conn.subscriptions.size > 0) this.r.subscriptions.responseReceived(conn, message);
        return;
      }
      conn.outgoing.delete(id);
    }
    const result = message.result;
    call.wire = message.error ? 'error' : 'result';
    call.rawResult = result;
    // 2026-07-28 era: each result's `_meta` names the server.
    const resultMeta = (result as { _meta?: unknown } | undefined)?._meta;
    if (
      resultMeta !== null &&
      typeof resultMeta === 'object' &&
      this.r.noteMeta(resultMeta as Record<string, unknown>) &&
      call.span.isRecording()
    ) {
      call.span.setAttributes(this.r.identity.attributes());
    }
    const transportSpan = call.transportSpan;
    call.transportSpan = undefined;
    // 2026-07-28 era: a result that is not the final answer (input_required, a task handle).
    const resultType = nonCompleteResultType(result);
    if (resultType !== undefined && result !== undefined) {
      if (transportSpan?.isRecording()) recordNonCompleteResult(transportSpan, resultType, result, undefined);
      if (resultType === 'input_required') this.r.inputs.inputRequired(conn, call, result);
      else if (resultType === 'task' && call.span.isRecording())
        recordNonCompleteResult(call.span, resultType, result, this.r.tasks);
    }
    if (transportSpan) {
      if (transportSpan.isRecording()) {
        if (conn.measureBytes)
          transportSpan.setAttribute(ATTR_MCPSCOPE_TRANSPORT_RESPONSE_BYTES, receivedBytes(conn, message));
        if (conn.info.http && conn.transport.sessionId)
          transportSpan.setAttribute(ATTR_MCP_SESSION_ID, conn.transport.sessionId);
      }
      transportSpan.end();
    }
    // No promise of the host's ends a direct request: its response does.
    if (call.direct) this.end(call, result, message.error, message.error !== undefined);
  }

  /**
   * A request the observed endpoint sent, seen as it passes (the proxy: a server's request to its
   * client): its CLIENT span, a child of `parent`, ended by its response as a direct request is. It has
   * no transport span: the observer is not its sender. `identity` is the request's own, when identity is
   * kept per request (that of the request it is sent for). A request that reuses the id of one still in
   * flight ends that one. Returns undefined when the instrumentation failed (reported, never thrown).
   */
  relayed(
    conn: Connection,
    message: JsonRpcMessage,
    parent: Context,
    identity: SessionIdentity | undefined,
  ): OutgoingCall | undefined {
    const call = this.start(message.method as string, message.params, undefined, parent);
    if (call === undefined) return undefined;
    call.direct = true;
    call.sent = true;
    const messageId = message.id;
    let previous: OutgoingCall | undefined;
    if (typeof messageId === 'string') {
      previous = conn.direct.get(messageId);
      call.id = messageId;
      conn.direct.set(messageId, call);
    } else {
      const id = Number(messageId);
      previous = conn.outgoing.get(id);
      call.id = id;
      conn.outgoing.set(id, call);
    }
    if (previous !== undefined) this.finish(previous, DUPLICATE_REQUEST_ID);
    const span = call.span;
    if (span.isRecording()) {
      if (identity !== undefined) span.setAttributes(this.r.baseOf(identity, false));
      span.setAttribute(ATTR_JSONRPC_REQUEST_ID, String(messageId));
    }
    return call;
  }

  /** A notifications/cancelled for a request this endpoint sent went out with `reason`. */
  cancelSent(call: OutgoingCall, reason: unknown): void {
    // The host's promise ends a call; only a direct request ends here, as the peer's view of a cancel.
    if (call.direct && !call.ended) this.finish(call, this.peerCancel(reason));
  }

  /** How a request this endpoint sent ends when it cancels it with `reason` (the peer's view). */
  peerCancel(reason: unknown): FailureOutcome {
    return classifyPeerCancel(
      typeof reason === 'string' ? reason : undefined,
      this.r.role === 'client' ? 'server' : 'client',
    );
  }

  /**
   * A `server/discover` probe that got no response: the host moved on (a new probe, or the 2025
   * `initialize` fallback), so it timed out.
   */
  endUnansweredProbes(conn: Connection): void {
    for (const call of [...conn.direct.values()]) {
      if (call.method !== 'server/discover') continue;
      // Over HTTP a 2025 server may refuse the probe with a 4xx and no JSON-RPC answer.
      const timedOut = classifyPeerCancel('timed out', 'server');
      this.finish(call, call.httpStatus === undefined ? timedOut : probeOutcome(timedOut, call.httpStatus));
    }
  }

  /** The connection closed: direct requests still unanswered end (no promise of the host will). */
  closeDirect(conn: Connection): void {
    const calls = conn.direct.size > 0 ? [...conn.direct.values()] : [];
    if (conn.outgoing.size > 0) calls.push(...conn.outgoing.values());
    for (const call of calls) {
      if (call.direct) this.end(call, undefined, CONNECTION_CLOSED_ERROR, true);
    }
  }

  /**
   * Ends a direct call without a response: with `outcome`, or none when how it ended is not known; at
   * `at` (performance clock) when not now.
   */
  finish(call: OutgoingCall, outcome: FailureOutcome | undefined, at?: number): void {
    call.endTime = at;
    if (outcome === undefined) {
      this.end(call, undefined, undefined, false);
      return;
    }
    call.forcedOutcome = outcome;
    this.end(call, undefined, undefined, true);
  }

  /** Ends a CLIENT span when the caller's promise settles (bound once per call, see {@link OutgoingCall}). */
  readonly end = (call: OutgoingCall, value: unknown, error: unknown, failed: boolean): void => {
    try {
      if (call.ended) return;
      call.ended = true;
      const r = this.r;
      const conn = call.conn;
      const callId = call.id;
      if (typeof callId === 'string') conn?.direct.delete(callId);
      else if (callId !== undefined) conn?.outgoing.delete(callId);
      else if (!call.sent && conn && conn.unsent.size > 0) conn.unsent.remove(call);
      if (call.inputRounds > 0 && conn) r.inputs.forget(conn, call);
      const span = call.span;
      const result = failed ? undefined : (value as Record<string, unknown> | undefined);
      let outcome: FailureOutcome | undefined;
      if (call.forcedOutcome) {
        outcome = call.forcedOutcome;
      } else if (failed && call.awaiting !== undefined) {
        // The call failed while the client fulfilled the input its server asked for.
        outcome = classifyInputFulfilmentFailure(error, call.signal?.aborted ?? false, call.inputFailed);
      } else if (failed) {
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
        if (call.direct && call.method === 'server/discover') outcome = probeOutcome(outcome);
      } else if (call.method === 'tools/call' && result?.['isError'] === true) {
        outcome = toolResultErrorOutcome(result, false);
      }
      // A probe that failed: the version it offered is not the session's (initialize will say which).
      if (failed && call.direct && call.method === 'server/discover') r.forgetProtocolVersion();
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
          r.afterResult(call.method, raw, call.listCursor, conn, true, span, call.serverCommand);
          // The caller took an input_required result itself (the SDK's manual mode).
          if (call.awaiting !== undefined) span.setAttribute(ATTR_MCPSCOPE_RESULT_TYPE, 'input_required');
        }
        if (call.inputRounds > 0) span.setAttribute(ATTR_MCPSCOPE_INPUT_REQUIRED_ROUNDS, call.inputRounds);
        if (outcome) recordClientFailure(span, outcome, call, failed, error, result, r.toolErrorText);
      } else if (result && call.method === 'initialize') {
        r.onInitializeResult(result);
      }
      const endTime = call.endTime;
      span.end(endTime);
      r.opts.metrics.recordOperation(
        true,
        ((endTime ?? performance.now()) - call.startTime) / 1000,
        metricAttributesOf(call.shape, outcome?.errorType),
      );
    } catch (internal) {
      reportInternalError(internal);
    }
  };
}

/** What a direct request whose connection closed failed with (the MCP SDKs' own code for it). */
const CONNECTION_CLOSED_ERROR = { code: -32000, message: 'Connection closed' };
