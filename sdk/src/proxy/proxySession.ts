import {
  diag,
  ROOT_CONTEXT,
  SpanKind,
  type Attributes,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api';
import {
  CLOSED_BEFORE_RESPONSE,
  DUPLICATE_REQUEST_ID,
  jsonRpcErrorOutcome,
  toolResultErrorOutcome,
} from '../core/classifyOutcome.js';
import {
  idKey,
  isJsonRpcId,
  isObject,
  messageKind,
  type JsonObject,
  type JsonRpcLike,
} from '../core/jsonRpc.js';
import { defaultPropagator, extractFromMeta, injectIntoMeta, metaOf } from '../core/metaPropagation.js';
import { notificationEventName } from '../core/recorder/notificationEvents.js';
import { recordOutcome } from '../core/recorder/recordOutcome.js';
import { requestAttributes, requestTarget } from '../core/recorder/requestAttributes.js';
import { carriesServerCommand, writeServerCommand } from '../core/serverCommand.js';
import { ToolListPages } from '../core/tools/ToolListPages.js';
import {
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES,
  ATTR_MCPSCOPE_TRANSPORT_RESPONSE_BYTES,
  EVENT_CANCELLED,
  EVENT_LOG_MESSAGE,
  EVENT_PROGRESS,
  spanName,
} from '../semconv.js';
import { ProxyPinGuard, type Withheld } from './pinGuard.js';
import { ProxyRequests, type ProxyRequest } from './proxyRequests.js';
import type { MessageInfo, ProxySessionOptions, Unanswered } from './proxySessionOptions.js';
import { SessionAttributes } from './sessionAttributes.js';
import { applyPending, notificationEventAttributes, type PendingAttributes } from './proxySpans.js';

/**
 * Span bookkeeping for one MCP session as seen from just in front of the server: it reads every message
 * passing in either direction, starts a span per request, ends it when the response passes back, and
 * writes the span's context into the request's `_meta` so the receiver (if instrumented) joins the
 * trace. Notifications become events on their request's span, or short spans of their own (with their
 * context in `_meta` too) when they belong to no request. Transport-agnostic: the stdio and HTTP
 * proxies feed it parsed messages.
 *
 * `scope` ties a request to the channel its response must come back on (an HTTP POST); stdio uses one.
 */
export class ProxySession {
  private readonly tracer: Tracer;
  private readonly propagator: TextMapPropagator;
  private readonly cancelGraceMs: number;
  /** What every span of the session carries, its identity included. */
  private readonly attributes: SessionAttributes;
  private readonly requests = new ProxyRequests();
  /** The pages of a paginated tools/list of this session (cursors belong to the session's server). */
  private readonly toolPages = new ToolListPages();
  private pending: PendingAttributes[] = [];
  /** The session's view of the tool pins, when the proxy enforces some. */
  private readonly pins: ProxyPinGuard | undefined;

  constructor(private readonly options: ProxySessionOptions) {
    this.tracer = options.tracer;
    this.propagator = options.propagator ?? defaultPropagator;
    this.cancelGraceMs = options.cancelGraceMs ?? 1000;
    this.attributes = new SessionAttributes(options);
    this.pins = options.pins !== undefined ? new ProxyPinGuard(options.pins, this.requests) : undefined;
  }

  /** Number of requests awaiting a response, in both directions. */
  get inFlight(): number {
    return this.requests.size;
  }

  /** Sets `mcp.session.id` once the server has assigned one (it arrives with the initialize response). */
  setSessionId(sessionId: string): void {
    this.settle();
    this.attributes.setSessionId(sessionId);
    // The initialize request that created the session is still in flight and belongs to it.
    for (const entry of this.requests.toServer.values())
      entry.span.setAttribute(ATTR_MCP_SESSION_ID, sessionId);
  }

  /** Sets the protocol version when it is known from elsewhere (the HTTP `Mcp-Protocol-Version` header). */
  noteProtocolVersion(version: string): void {
    this.settle();
    this.attributes.noteProtocolVersion(version);
  }

  /**
   * A message (or batch) from the agent, before it goes to the server. Returns true when the message
   * object was changed (trace context added to a request or notification) and must be re-serialized.
   * Call {@link settle} once it has been forwarded.
   */
  fromClient(msg: unknown, info: MessageInfo = {}): boolean {
    this.settle();
    return this.each(msg, info, true);
  }

  /** Pins in block mode: what to answer instead of forwarding `msg`, if anything (`ProxyPinGuard.withhold`). */
  withhold(msg: unknown, info: MessageInfo = {}): Withheld | undefined {
    return this.pins?.withhold(msg, info.scope ?? '', () => {
      this.fromClient(msg, info);
      this.settle();
    });
  }

  /** Whether server messages must be read before they are forwarded (a tools/list result may be cut). */
  mustInspect(): boolean {
    return this.pins?.mustInspect() === true;
  }

  /** A message (or batch) from the server, before it goes to the agent. Same contract as {@link fromClient}. */
  fromServer(msg: unknown, info: MessageInfo = {}): boolean {
    this.settle();
    return this.each(msg, info, false);
  }

  /**
   * Finishes the spans of the requests passed since the last call. A request waits in front of the
   * server for the proxy, so only what the forwarded message needs (the span and its context) is done
   * before it goes on; the span's other attributes are set here, after the write. Every other method
   * settles first, so nothing is lost when a caller does not call it.
   */
  settle(): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    this.pending = [];
    for (const item of pending) {
      try {
        applyPending(item);
      } catch (error) {
        diag.error('mcpscope proxy: failed to trace a message', error);
      }
    }
  }

  /** Ends the agent requests of one scope that got no response (the HTTP exchange is over). */
  endScope(scope: string, outcome: Unanswered): void {
    this.settle();
    for (const entry of [...this.requests.toServer.values()]) {
      if (entry.scope === scope) this.requests.endUnanswered(entry, outcome);
    }
  }

  /**
   * Ends every request still in flight: the connection to the server is gone. Defaults to a closed
   * connection, the transport's fault.
   */
  closeAll(outcome: Unanswered = { outcome: CLOSED_BEFORE_RESPONSE }): void {
    this.settle();
    for (const entry of [...this.requests.toServer.values(), ...this.requests.toClient.values()])
      this.requests.endUnanswered(entry, outcome);
  }

  private each(msg: unknown, info: MessageInfo, fromClient: boolean): boolean {
    try {
      if (!Array.isArray(msg)) return isObject(msg) ? this.message(msg, info, fromClient) : false;
      // Sizes are per message; a batch's size says nothing about each of its members.
      const member: MessageInfo = { ...info, bytes: undefined };
      let changed = false;
      for (const item of msg) {
        if (isObject(item) && this.message(item, member, fromClient)) changed = true;
      }
      return changed;
    } catch (error) {
      diag.error('mcpscope proxy: failed to trace a message', error);
      return false;
    }
  }

  private message(msg: JsonRpcLike, info: MessageInfo, fromClient: boolean): boolean {
    switch (messageKind(msg)) {
      case 'request':
        return this.startRequest(msg, info, fromClient);
      case 'response': {
        const key = idKey(msg.id as string | number);
        const entry = fromClient
          ? this.requests.toClient.get(key)
          : this.requests.findAgentRequest(info.scope ?? '', key);
        return this.finishResponse(entry, msg, info.bytes);
      }
      case 'notification':
        return this.notification(msg, info, fromClient);
      default:
        return false;
    }
  }

  private startRequest(msg: JsonRpcLike, info: MessageInfo, toServer: boolean): boolean {
    const scope = info.scope ?? '';
    const method = msg.method as string;
    const id = msg.id as string | number;
    // What names the call goes in at span start, where a sampler can see it; the rest is set on the
    // span directly, after forwarding (see settle). Attributes given to startSpan are copied three
    // times on the way in (sanitized for the sampler, sanitized again, then set), which on a proxy's
    // hot path is most of the span's cost.
    const params = isObject(msg.params) ? msg.params : undefined;
    const target = requestTarget(method, params);
    const identity = requestAttributes(method, target, params);
    let annotations =
      method === 'tools/call' && target !== undefined ? this.options.tools.annotationsFor(target) : undefined;
    if (this.pins !== undefined && method === 'tools/call' && target !== undefined)
      annotations = { ...annotations, ...this.pins.callAttributes(target) };

    const meta = metaOf(msg);
    // Who names the server (core/serverCommand.ts): learnt before the span's attributes are taken.
    const ownCommand =
      toServer && carriesServerCommand(method) ? this.attributes.nameServer(meta) : undefined;
    const { common, identity: own } = this.attributes.ofMessage(
      msg,
      meta,
      info.protocolVersion,
      toServer,
      () => this.requests.soleAgentRequest(info.scope ?? ''),
    );
    const parent =
      extractFromMeta(this.propagator, meta) ??
      (toServer ? info.parent : this.requests.soleAgentRequestContext(scope)) ??
      ROOT_CONTEXT;
    const span = this.tracer.startSpan(
      spanName(method, target),
      { kind: toServer ? SpanKind.SERVER : SpanKind.CLIENT, attributes: identity },
      parent,
    );
    this.pending.push({
      span,
      common,
      requestId: String(id),
      annotations,
      bytes: info.bytes,
      extra: info.attributes,
    });

    const key = idKey(id);
    const mapKey = toServer ? `${scope}\u0000${key}` : key;
    const previous = this.requests.get(toServer, mapKey);
    // A peer reusing an id still in flight breaks correlation; end the old span rather than leak it.
    if (previous !== undefined) {
      this.settle();
      this.requests.endUnanswered(previous, { outcome: DUPLICATE_REQUEST_ID });
    }
    const entry: ProxyRequest = {
      span,
      method,
      toServer,
      mapKey,
      idKey: key,
      scope,
      listCursor: isObject(msg.params) ? msg.params['cursor'] : undefined,
      common,
    };
    if (own !== undefined) entry.identity = own;
    const token = meta?.['progressToken'];
    if (isJsonRpcId(token)) entry.progressKey = idKey(token);
    this.requests.add(entry);
    const injected = injectIntoMeta(this.propagator, msg, span);
    return ownCommand !== undefined ? writeServerCommand(msg, ownCommand) || injected : injected;
  }

  /** Ends a request's span with its response; true when the response was changed (a cut tool list). */
  private finishResponse(entry: ProxyRequest | undefined, msg: JsonRpcLike, bytes?: number): boolean {
    if (entry === undefined) return false;
    this.requests.forget(entry);
    const span = entry.span;
    if (bytes !== undefined) span.setAttribute(ATTR_MCPSCOPE_TRANSPORT_RESPONSE_BYTES, bytes);
    const error = msg.error;
    if (isObject(error)) {
      // Agent → server: the proxy has the server's (receiver's) view. Server → agent: the server sent
      // the request and the agent answered, so the proxy has the sender's view of the client.
      const outcome = jsonRpcErrorOutcome(
        Number(error['code']),
        entry.toServer,
        entry.toServer ? 'server' : 'client',
      );
      const message = error['message'];
      recordOutcome(span, outcome, typeof message === 'string' ? message : outcome.errorType);
    }
    const result = isObject(error) || !entry.toServer ? undefined : msg.result;
    const changed = isObject(result) && this.serverResult(entry, result);
    span.end();
    return changed;
  }

  private serverResult(entry: ProxyRequest, result: JsonObject): boolean {
    const span = entry.span;
    const resultMeta = isObject(result['_meta']) ? result['_meta'] : undefined;
    if (entry.method === 'initialize' || resultMeta !== undefined)
      this.attributes.fromResult(entry, result, resultMeta);
    switch (entry.method) {
      case 'tools/list': {
        const tools = result['tools'];
        if (!Array.isArray(tools)) break;
        const wholeSet = this.toolPages.page(entry.listCursor, tools, result['nextCursor']);
        const first = entry.listCursor === undefined;
        span.setAttributes(this.options.tools.observe(tools, first, wholeSet));
        return this.pins?.toolList(span, result, tools, first, wholeSet) ?? false;
      }
      case 'tools/call':
        if (result['isError'] === true) {
          // The proxy cannot see whether the tool's code ran; the result's text can say the server
          // refused the call. That text is tool output, which is content: it is read to classify,
          // never recorded (the status message is the error type).
          const outcome = toolResultErrorOutcome(result, true);
          recordOutcome(span, outcome, outcome.message ?? outcome.errorType);
        }
        break;
    }
    return false;
  }

  /**
   * A notification. Progress, a cancellation, and a server log message sent while exactly one agent
   * request is being handled are events on that request's span and pass unchanged: the receiver ties
   * them to their request already (progress token, request id), and rewriting every progress tick would
   * cost a re-serialization each. Any other notification — list_changed, resource updates, a roots
   * change, a log message with no request to belong to — gets a short span of its own whose context goes
   * into its `_meta`, so the receiving SDK can join it. notifications/initialized is the end of the
   * handshake: neither traced nor changed. Returns true when the message was changed.
   */
  private notification(msg: JsonRpcLike, info: MessageInfo, fromClient: boolean): boolean {
    const method = msg.method as string;
    if (method === 'notifications/initialized') return false;
    if (method === 'notifications/tools/list_changed' && !fromClient) this.pins?.listChanged();
    const params = isObject(msg.params) ? msg.params : undefined;
    if (method === 'notifications/progress') {
      const token = params?.['progressToken'];
      const entry = isJsonRpcId(token) ? this.requests.byProgress(idKey(token)) : undefined;
      entry?.span.addEvent(EVENT_PROGRESS, notificationEventAttributes(method, params, fromClient));
      return false;
    }
    if (method === 'notifications/cancelled') {
      if (params !== undefined) this.cancel(method, params, fromClient);
      return false;
    }
    if (method === 'notifications/message' && !fromClient) {
      const entry = this.requests.soleAgentRequest(info.scope ?? '');
      if (entry !== undefined) {
        entry.span.addEvent(EVENT_LOG_MESSAGE, notificationEventAttributes(method, params, fromClient));
        return false;
      }
    }
    return this.standaloneNotification(msg, method, params, info, fromClient);
  }

  /**
   * The span of a notification that belongs to no request: named after the method, SERVER from the
   * agent and CLIENT from the server like requests, a child of the context in its `_meta` (else, from
   * the agent, of the HTTP `traceparent` header's), ended as it passes.
   */
  private standaloneNotification(
    msg: JsonRpcLike,
    method: string,
    params: JsonObject | undefined,
    info: MessageInfo,
    fromClient: boolean,
  ): boolean {
    const meta = metaOf(msg);
    const parent =
      extractFromMeta(this.propagator, meta) ?? (fromClient ? info.parent : undefined) ?? ROOT_CONTEXT;
    const identity: Attributes = { [ATTR_MCP_METHOD_NAME]: method };
    const uri = params?.['uri'];
    if (method === 'notifications/resources/updated' && typeof uri === 'string') {
      identity[ATTR_MCP_RESOURCE_URI] = uri;
    }
    const span = this.tracer.startSpan(
      method,
      { kind: fromClient ? SpanKind.SERVER : SpanKind.CLIENT, attributes: identity },
      parent,
    );
    const { common } = this.attributes.ofMessage(msg, meta, info.protocolVersion, fromClient, () =>
      this.requests.soleAgentRequest(info.scope ?? ''),
    );
    for (let i = 0; i < common.length; i++) span.setAttribute(common[i]![0], common[i]![1]);
    if (info.bytes !== undefined) span.setAttribute(ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES, info.bytes);
    if (info.attributes !== undefined) span.setAttributes(info.attributes);
    span.addEvent(notificationEventName(method), notificationEventAttributes(method, params, fromClient));
    const changed = injectIntoMeta(this.propagator, msg, span);
    span.end();
    return changed;
  }

  private cancel(method: string, params: JsonObject, fromClient: boolean): void {
    const requestId = params['requestId'];
    if (!isJsonRpcId(requestId)) return;
    // The agent cancels its own requests to the server, the server its own requests to the agent.
    const entry = fromClient
      ? this.requests.findAgentRequest(undefined, idKey(requestId))
      : this.requests.toClient.get(idKey(requestId));
    if (entry === undefined || entry.cancelled !== undefined) return;
    const reason = typeof params['reason'] === 'string' ? params['reason'] : undefined;
    entry.span.addEvent(EVENT_CANCELLED, notificationEventAttributes(method, params, fromClient));
    const timer = setTimeout(() => {
      this.settle();
      this.requests.endCancelled(entry);
    }, this.cancelGraceMs);
    timer.unref();
    entry.cancelled = { at: performance.now(), reason, timer };
  }
}
