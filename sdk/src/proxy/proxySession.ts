import {
  diag,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  SpanStatusCode,
  type Attributes,
  type AttributeValue,
  type Context,
  type Span,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api';
import {
  classifyPeerCancel,
  CLOSED_BEFORE_RESPONSE,
  DUPLICATE_REQUEST_ID,
  jsonRpcErrorOutcome,
  toolResultErrorOutcome,
  type FailureOutcome,
} from '../errors/classifyOutcome.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPSCOPE_CLIENT_NAME,
  ATTR_MCPSCOPE_CLIENT_VERSION,
  ATTR_MCPSCOPE_FAULT,
  ATTR_MCPSCOPE_LAYER,
  ATTR_MCPSCOPE_SERVER_COMMAND,
  ATTR_MCPSCOPE_SERVER_NAME,
  ATTR_MCPSCOPE_SERVER_VERSION,
  ATTR_MCPSCOPE_SOURCE,
  ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES,
  ATTR_MCPSCOPE_TRANSPORT_RESPONSE_BYTES,
  ATTR_NETWORK_TRANSPORT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  EVENT_CANCELLED,
  EVENT_LOG_MESSAGE,
  EVENT_PROGRESS,
  GEN_AI_OPERATION_EXECUTE_TOOL,
  LAYER_SERVER,
  spanName,
} from '../semconv.js';
import {
  idKey,
  isJsonRpcId,
  isObject,
  messageKind,
  metaOf,
  paramString,
  type JsonObject,
  type JsonRpcLike,
} from './jsonRpc.js';
import { defaultPropagator, extractFromMeta, injectIntoMeta } from './metaContext.js';
import {
  notificationEventAttributes as eventAttributes,
  notificationEventName,
} from '../instrument/notificationEvents.js';
import { ToolListPages } from '../tools/ToolListPages.js';
import type { ToolListMemory } from './toolListMemory.js';

/** Value of `mcpscope.source` on every proxy span. */
export const SOURCE_PROXY = 'proxy';

/** Options of a {@link ProxySession}. */
export interface ProxySessionOptions {
  /** Tracer for the session's spans. */
  tracer: Tracer;
  /** Tool-list memory shared by every session in front of the same server. */
  tools: ToolListMemory;
  /** `network.transport`: `pipe` for stdio, `tcp` for HTTP. */
  networkTransport: string;
  /** Propagator for `params._meta`. Defaults to W3C trace context (see {@link defaultPropagator}). */
  propagator?: TextMapPropagator;
  /** `mcpscope.server.command` for stdio servers: their identity, since they have no address. */
  serverCommand?: string;
  /** `mcp.session.id`, when the transport has sessions (Streamable HTTP). */
  sessionId?: string;
  /** Further attributes for every span of the session (client.address, network.protocol.*). */
  attributes?: Attributes;
  /**
   * How long to wait for a response after notifications/cancelled before ending the request's span as
   * cancelled. A server should not answer a cancelled request, but may already have sent the answer.
   * Defaults to 1000 ms.
   */
  cancelGraceMs?: number;
}

/** How a request ended without a response, for {@link ProxySession.endScope} and {@link ProxySession.closeAll}. */
export interface Unanswered {
  /**
   * The failure, from the rules in `classifyOutcome`; absent when the outcome is unknown (the response
   * could not be read), which is not a failure.
   */
  outcome?: FailureOutcome;
  /** Further attributes for the span (the HTTP status of a response that could not be read). */
  attributes?: Attributes;
}

/** Where a message came from, besides its content. */
export interface MessageInfo {
  /** Size of the message on the wire, recorded as request or response bytes. */
  bytes?: number | undefined;
  /** The channel a request's response must come back on (an HTTP POST). Defaults to the one channel of stdio. */
  scope?: string;
  /** Parent for agent requests without `_meta.traceparent` (the HTTP `traceparent` header's context). */
  parent?: Context | undefined;
  /** Further attributes for spans started by this message (client.address of an HTTP request). */
  attributes?: Attributes;
}

/** Span attributes that wait until the message has been forwarded (see {@link ProxySession.settle}). */
interface PendingAttributes {
  span: Span;
  common: ReadonlyArray<[string, AttributeValue]>;
  requestId: string;
  annotations: Attributes | undefined;
  bytes: number | undefined;
  extra: Attributes | undefined;
}

interface InFlight {
  span: Span;
  method: string;
  /** True for agent → server requests (SERVER spans), false for server → agent requests (CLIENT spans). */
  toServer: boolean;
  mapKey: string;
  idKey: string;
  scope: string;
  progressKey?: string;
  /** `params.cursor` of a tools/list request (which page it asks for). */
  listCursor: unknown;
  cancelled?: { at: number; reason?: string; timer: NodeJS.Timeout };
}

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
  private readonly fixed: Attributes;
  /** Attributes of every span of the session, as entries: set one by one, without copies. */
  private commonEntries: ReadonlyArray<[string, AttributeValue]>;
  private sessionId: string | undefined;
  private serverName: string | undefined;
  private serverVersion: string | undefined;
  private clientName: string | undefined;
  private clientVersion: string | undefined;
  private protocolVersion: string | undefined;
  /** Agent → server requests by scope and id. */
  private readonly toServer = new Map<string, InFlight>();
  /** Server → agent requests by id. */
  private readonly toClient = new Map<string, InFlight>();
  private readonly byProgressToken = new Map<string, InFlight>();
  /** The pages of a paginated tools/list of this session (cursors belong to the session's server). */
  private readonly toolPages = new ToolListPages();
  private pending: PendingAttributes[] = [];

  constructor(private readonly options: ProxySessionOptions) {
    this.tracer = options.tracer;
    this.propagator = options.propagator ?? defaultPropagator;
    this.cancelGraceMs = options.cancelGraceMs ?? 1000;
    this.sessionId = options.sessionId;
    this.fixed = {
      [ATTR_MCPSCOPE_SOURCE]: SOURCE_PROXY,
      [ATTR_MCPSCOPE_LAYER]: LAYER_SERVER,
      [ATTR_NETWORK_TRANSPORT]: options.networkTransport,
      ...(options.serverCommand !== undefined
        ? { [ATTR_MCPSCOPE_SERVER_COMMAND]: options.serverCommand }
        : {}),
      ...options.attributes,
    };
    this.commonEntries = this.buildCommon();
  }

  /** Number of requests awaiting a response, in both directions. */
  get inFlight(): number {
    return this.toServer.size + this.toClient.size;
  }

  /** Sets `mcp.session.id` once the server has assigned one (it arrives with the initialize response). */
  setSessionId(sessionId: string): void {
    this.settle();
    this.sessionId = sessionId;
    this.commonEntries = this.buildCommon();
    // The initialize request that created the session is still in flight and belongs to it.
    for (const entry of this.toServer.values()) entry.span.setAttribute(ATTR_MCP_SESSION_ID, sessionId);
  }

  /** Sets the protocol version when it is known from elsewhere (the HTTP `Mcp-Protocol-Version` header). */
  noteProtocolVersion(version: string): void {
    this.settle();
    if (this.protocolVersion !== undefined) return;
    this.protocolVersion = version;
    this.commonEntries = this.buildCommon();
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
      const span = item.span;
      try {
        const common = item.common;
        for (let i = 0; i < common.length; i++) span.setAttribute(common[i]![0], common[i]![1]);
        span.setAttribute(ATTR_JSONRPC_REQUEST_ID, item.requestId);
        if (item.annotations !== undefined) span.setAttributes(item.annotations);
        if (item.bytes !== undefined) span.setAttribute(ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES, item.bytes);
        if (item.extra !== undefined) span.setAttributes(item.extra);
      } catch (error) {
        diag.error('mcpscope proxy: failed to trace a message', error);
      }
    }
  }

  /** Ends the agent requests of one scope that got no response (the HTTP exchange is over). */
  endScope(scope: string, outcome: Unanswered): void {
    this.settle();
    for (const entry of [...this.toServer.values()]) {
      if (entry.scope === scope) this.endUnanswered(entry, outcome);
    }
  }

  /**
   * Ends every request still in flight: the connection to the server is gone. Defaults to a closed
   * connection, the transport's fault.
   */
  closeAll(outcome: Unanswered = { outcome: CLOSED_BEFORE_RESPONSE }): void {
    this.settle();
    for (const entry of [...this.toServer.values(), ...this.toClient.values()])
      this.endUnanswered(entry, outcome);
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
        const entry = fromClient ? this.toClient.get(key) : this.findAgentRequest(info.scope ?? '', key);
        this.finishResponse(entry, msg, info.bytes);
        return false;
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
    const identity: Attributes = {};
    identity[ATTR_MCP_METHOD_NAME] = method;
    let target: string | undefined;
    let annotations: Attributes | undefined;
    if (method === 'tools/call') {
      target = paramString(msg, 'name');
      identity[ATTR_GEN_AI_OPERATION_NAME] = GEN_AI_OPERATION_EXECUTE_TOOL;
      if (target !== undefined) {
        identity[ATTR_GEN_AI_TOOL_NAME] = target;
        annotations = this.options.tools.annotationsFor(target);
      }
    } else if (method === 'prompts/get') {
      target = paramString(msg, 'name');
      if (target !== undefined) identity[ATTR_GEN_AI_PROMPT_NAME] = target;
    } else if (method.startsWith('resources/')) {
      const uri = paramString(msg, 'uri');
      if (uri !== undefined) identity[ATTR_MCP_RESOURCE_URI] = uri;
    } else if (method === 'initialize' && toServer) {
      this.learnClient(msg);
    }

    const meta = metaOf(msg);
    const parent =
      extractFromMeta(this.propagator, meta) ??
      (toServer ? info.parent : this.soleAgentRequestContext(scope)) ??
      ROOT_CONTEXT;
    const span = this.tracer.startSpan(
      spanName(method, target),
      { kind: toServer ? SpanKind.SERVER : SpanKind.CLIENT, attributes: identity },
      parent,
    );
    this.pending.push({
      span,
      common: this.commonEntries,
      requestId: String(id),
      annotations,
      bytes: info.bytes,
      extra: info.attributes,
    });

    const key = idKey(id);
    const mapKey = toServer ? `${scope}\u0000${key}` : key;
    const map = toServer ? this.toServer : this.toClient;
    const previous = map.get(mapKey);
    // A peer reusing an id still in flight breaks correlation; end the old span rather than leak it.
    if (previous !== undefined) {
      this.settle();
      this.endUnanswered(previous, { outcome: DUPLICATE_REQUEST_ID });
    }
    const entry: InFlight = {
      span,
      method,
      toServer,
      mapKey,
      idKey: key,
      scope,
      listCursor: isObject(msg.params) ? msg.params['cursor'] : undefined,
    };
    const token = meta?.['progressToken'];
    if (isJsonRpcId(token)) {
      entry.progressKey = idKey(token);
      this.byProgressToken.set(entry.progressKey, entry);
    }
    map.set(mapKey, entry);
    return injectIntoMeta(this.propagator, msg, span);
  }

  private finishResponse(entry: InFlight | undefined, msg: JsonRpcLike, bytes: number | undefined): void {
    if (entry === undefined) return;
    this.forget(entry);
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
      applyOutcome(span, outcome, typeof message === 'string' ? message : outcome.errorType);
    } else if (entry.toServer && isObject(msg.result)) {
      this.serverResult(entry, msg.result);
    }
    span.end();
  }

  private serverResult(entry: InFlight, result: JsonObject): void {
    const span = entry.span;
    switch (entry.method) {
      case 'initialize':
        this.learnServer(result);
        span.setAttributes(this.identity());
        if (this.protocolVersion !== undefined)
          span.setAttribute(ATTR_MCP_PROTOCOL_VERSION, this.protocolVersion);
        break;
      case 'tools/list': {
        const tools = result['tools'];
        if (!Array.isArray(tools)) break;
        const wholeSet = this.toolPages.page(entry.listCursor, tools, result['nextCursor']);
        span.setAttributes(this.options.tools.observe(tools, entry.listCursor === undefined, wholeSet));
        break;
      }
      case 'tools/call':
        if (result['isError'] === true) {
          // The proxy cannot see whether the tool's code ran; the result's text can say the server
          // refused the call. That text is tool output, which is content: it is read to classify,
          // never recorded (the status message is the error type).
          const outcome = toolResultErrorOutcome(result, true);
          applyOutcome(span, outcome, outcome.message ?? outcome.errorType);
        }
        break;
    }
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
    const params = isObject(msg.params) ? msg.params : undefined;
    if (method === 'notifications/progress') {
      const token = params?.['progressToken'];
      const entry = isJsonRpcId(token) ? this.byProgressToken.get(idKey(token)) : undefined;
      entry?.span.addEvent(EVENT_PROGRESS, notificationEventAttributes(method, params, fromClient));
      return false;
    }
    if (method === 'notifications/cancelled') {
      if (params !== undefined) this.cancel(method, params, fromClient);
      return false;
    }
    if (method === 'notifications/message' && !fromClient) {
      const entry = this.soleAgentRequest(info.scope ?? '');
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
    const parent =
      extractFromMeta(this.propagator, metaOf(msg)) ?? (fromClient ? info.parent : undefined) ?? ROOT_CONTEXT;
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
    const common = this.commonEntries;
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
      ? this.findAgentRequest(undefined, idKey(requestId))
      : this.toClient.get(idKey(requestId));
    if (entry === undefined || entry.cancelled !== undefined) return;
    const reason = typeof params['reason'] === 'string' ? params['reason'] : undefined;
    entry.span.addEvent(EVENT_CANCELLED, notificationEventAttributes(method, params, fromClient));
    const timer = setTimeout(() => {
      this.settle();
      this.endCancelled(entry);
    }, this.cancelGraceMs);
    timer.unref();
    entry.cancelled = { at: performance.now(), reason, timer };
  }

  private endCancelled(entry: InFlight): void {
    const cancelled = entry.cancelled;
    if (cancelled === undefined) return;
    this.forget(entry);
    const span = entry.span;
    const outcome = classifyPeerCancel(cancelled.reason, entry.toServer ? 'server' : 'client');
    applyOutcome(span, outcome, outcome.message ?? outcome.errorType);
    // Performance-clock timestamps are what the SDK expects for small numbers: the span ends when the
    // cancel passed, not when the grace period ran out.
    span.end(cancelled.at);
  }

  private endUnanswered(entry: InFlight, outcome: Unanswered): void {
    if (entry.cancelled !== undefined) {
      this.endCancelled(entry);
      return;
    }
    this.forget(entry);
    const span = entry.span;
    if (outcome.attributes !== undefined) span.setAttributes(outcome.attributes);
    const failure = outcome.outcome;
    if (failure !== undefined) applyOutcome(span, failure, failure.message ?? failure.errorType);
    span.end();
  }

  private forget(entry: InFlight): void {
    if (entry.cancelled !== undefined) clearTimeout(entry.cancelled.timer);
    const map = entry.toServer ? this.toServer : this.toClient;
    if (map.get(entry.mapKey) === entry) map.delete(entry.mapKey);
    if (entry.progressKey !== undefined && this.byProgressToken.get(entry.progressKey) === entry) {
      this.byProgressToken.delete(entry.progressKey);
    }
  }

  /**
   * The agent request a response or cancel refers to: first in its own scope, then in any (an HTTP
   * client may resume a stream on another connection).
   */
  private findAgentRequest(scope: string | undefined, key: string): InFlight | undefined {
    if (scope !== undefined) {
      const entry = this.toServer.get(`${scope}\u0000${key}`);
      if (entry !== undefined) return entry;
    }
    for (const entry of this.toServer.values()) if (entry.idKey === key) return entry;
    return undefined;
  }

  /**
   * The agent request a server message without a request id belongs to. Server → agent requests
   * (sampling, elicitation, roots) and log messages are sent while handling an agent request, but
   * JSON-RPC does not say which: when exactly one is in flight on the message's channel (the HTTP
   * response it came on), or else in the whole session, it is that one; otherwise we do not guess.
   */
  private soleAgentRequest(scope: string): InFlight | undefined {
    let inScope: InFlight | undefined;
    let inScopeCount = 0;
    for (const entry of this.toServer.values()) {
      if (entry.scope !== scope) continue;
      inScope = entry;
      inScopeCount++;
    }
    if (inScopeCount === 1) return inScope;
    if (inScopeCount === 0 && this.toServer.size === 1) return this.toServer.values().next().value;
    return undefined;
  }

  private soleAgentRequestContext(scope: string): Context | undefined {
    const entry = this.soleAgentRequest(scope);
    return entry !== undefined ? trace.setSpan(ROOT_CONTEXT, entry.span) : undefined;
  }

  private learnClient(msg: JsonRpcLike): void {
    const params = msg.params;
    if (!isObject(params) || !isObject(params['clientInfo'])) return;
    const info = params['clientInfo'];
    if (typeof info['name'] === 'string') this.clientName = info['name'];
    if (typeof info['version'] === 'string') this.clientVersion = info['version'];
    this.commonEntries = this.buildCommon();
  }

  private learnServer(result: JsonObject): void {
    const info = result['serverInfo'];
    if (isObject(info)) {
      if (typeof info['name'] === 'string') this.serverName = info['name'];
      if (typeof info['version'] === 'string') this.serverVersion = info['version'];
    }
    if (typeof result['protocolVersion'] === 'string') this.protocolVersion = result['protocolVersion'];
    this.commonEntries = this.buildCommon();
  }

  private identity(): Attributes {
    const out: Attributes = {};
    if (this.serverName !== undefined) out[ATTR_MCPSCOPE_SERVER_NAME] = this.serverName;
    if (this.serverVersion !== undefined) out[ATTR_MCPSCOPE_SERVER_VERSION] = this.serverVersion;
    if (this.clientName !== undefined) out[ATTR_MCPSCOPE_CLIENT_NAME] = this.clientName;
    if (this.clientVersion !== undefined) out[ATTR_MCPSCOPE_CLIENT_VERSION] = this.clientVersion;
    return out;
  }

  private buildCommon(): Array<[string, AttributeValue]> {
    const out: Attributes = { ...this.fixed, ...this.identity() };
    if (this.sessionId !== undefined) out[ATTR_MCP_SESSION_ID] = this.sessionId;
    if (this.protocolVersion !== undefined) out[ATTR_MCP_PROTOCOL_VERSION] = this.protocolVersion;
    const entries: Array<[string, AttributeValue]> = [];
    for (const [key, value] of Object.entries(out)) if (value !== undefined) entries.push([key, value]);
    return entries;
  }
}

/** Records a failure on a proxy span: its error type, fault, codes, and ERROR status when it is one. */
function applyOutcome(span: Span, outcome: FailureOutcome, message: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, outcome.errorType);
  span.setAttribute(ATTR_MCPSCOPE_FAULT, outcome.fault);
  if (outcome.rpcStatusCode !== undefined)
    span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, outcome.rpcStatusCode);
  if (outcome.httpStatusCode !== undefined)
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, outcome.httpStatusCode);
  if (outcome.markError) span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/**
 * The proxy's spans are the server's view: what the agent sends was `received`, what the server sends was
 * `sent`. Log data is content and the proxy never records it, so capture stays off.
 */
function notificationEventAttributes(
  method: string,
  params: JsonObject | undefined,
  fromClient: boolean,
): Attributes {
  return eventAttributes(method, params, fromClient ? 'received' : 'sent', false);
}
