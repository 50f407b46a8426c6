import {
  createNoopMeter,
  diag,
  ROOT_CONTEXT,
  trace,
  type Attributes,
  type Context,
  type TextMapPropagator,
} from '@opentelemetry/api';
import { CLOSED_BEFORE_RESPONSE, DUPLICATE_REQUEST_ID } from '../core/classifyOutcome.js';
import {
  idKey,
  isJsonRpcId,
  isObject,
  messageKind,
  type JsonObject,
  type JsonRpcId,
  type JsonRpcLike,
  type JsonRpcMessage,
} from '../core/jsonRpc.js';
import { defaultPropagator, extractParent, injectIntoMeta, metaOf } from '../core/metaPropagation.js';
import { McpMetrics } from '../core/metrics/McpMetrics.js';
import { PIN_MISMATCH } from '../core/pins/PinGuard.js';
import type { Connection, IncomingCall } from '../core/recorder/calls.js';
import { SpanRecorder } from '../core/recorder/SpanRecorder.js';
import { carriesServerCommand, writeServerCommand } from '../core/serverCommand.js';
import { ToolListPages } from '../core/tools/ToolListPages.js';
import { REQUEST_PEER_KEY } from '../core/transport/httpAddresses.js';
import {
  ATTR_MCP_SESSION_ID,
  ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES,
  ATTR_MCPSCOPE_TRANSPORT_RESPONSE_BYTES,
  LAYER_SERVER,
} from '../semconv.js';
import { asMessage, asResponse } from './messageViews.js';
import { ProxyPinGuard, type Withheld } from './pinGuard.js';
import { ProxyNotifications } from './proxyNotifications.js';
import { ProxyRequests, type AgentRequest, type ServerRequest } from './proxyRequests.js';
import type { MessageInfo, ProxySessionOptions, Unanswered } from './proxySessionOptions.js';
import { SessionAttributes } from './sessionAttributes.js';

/** The proxy exports no metrics: its recorders' histograms go nowhere. */
const NO_METRICS = new McpMetrics(createNoopMeter());

/** An agent request whose span's attributes wait until it has been forwarded (see `settle`). */
interface Pending {
  call: IncomingCall;
  message: JsonRpcMessage;
  headers: MessageInfo['headers'];
  active: Context;
  bytes: number | undefined;
  extra: Attributes | undefined;
}

/**
 * One MCP session as seen from just in front of the server, fed to the core's span recorder as the
 * server's observer (`mcpscope.layer=server`, `mcpscope.source=proxy`): agent requests are the requests
 * the server receives (SERVER spans), the server's requests to the agent are relayed requests (CLIENT
 * spans, ended by the agent's answer), with the recorder's rules for names, attributes, identity, results
 * and outcomes. What is the proxy's own: the wire (it writes each span's context into the request's
 * `_meta` in place, so the receiver joins the trace), which HTTP exchange (`scope`) a request came on,
 * the grace period after a cancel, attributing a server message to the one agent request it must belong
 * to, and the pins. Transport-agnostic: the stdio and HTTP proxies feed it parsed messages.
 */
export class ProxySession {
  private readonly recorder: SpanRecorder;
  private readonly attributes: SessionAttributes;
  private readonly conn: Connection;
  private readonly propagator: TextMapPropagator;
  private readonly requests: ProxyRequests;
  private readonly notifications: ProxyNotifications;
  private pending: Pending[] = [];
  /** The session's view of the tool pins, when the proxy enforces some. */
  private readonly pins: ProxyPinGuard | undefined;
  /** The pages of a paginated tools/list, for the pins (which judge whole sets, sampled or not). */
  private readonly pinPages: ToolListPages | undefined;

  constructor(options: ProxySessionOptions) {
    this.propagator = options.propagator ?? defaultPropagator;
    this.recorder = new SpanRecorder(
      'server',
      { tracer: options.tracer, metrics: NO_METRICS, capture: undefined, measureInMemoryBytes: false },
      undefined,
      {
        propagator: this.propagator,
        layer: LAYER_SERVER,
        toolSets: options.tools.sets,
        toolAnnotations: options.tools.annotations,
        identityPerRequest: options.identityPerRequest === true,
        toolErrorText: false,
      },
    );
    this.attributes = new SessionAttributes(options, this.recorder);
    this.conn = this.attributes.conn;
    this.requests = new ProxyRequests(this.recorder, this.conn, options.cancelGraceMs ?? 1000, () =>
      this.settle(),
    );
    if (options.pins !== undefined) {
      this.pins = new ProxyPinGuard(options.pins, this.requests);
      this.pinPages = new ToolListPages();
    }
    this.notifications = new ProxyNotifications(this.recorder, this.requests, this.propagator, this.pins);
  }

  /** Sets `mcp.session.id` once the server has assigned one (it arrives with the initialize response). */
  setSessionId(sessionId: string): void {
    this.settle();
    this.attributes.setSessionId(sessionId);
    // The initialize request that created the session is still in flight and belongs to it.
    for (const entry of this.requests.toServer.values())
      entry.span.setAttribute(ATTR_MCP_SESSION_ID, sessionId);
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

  /**
   * Pins in block mode: what to answer instead of forwarding `msg`, if anything (`ProxyPinGuard.screen`).
   * The refused requests are traced as any, and end here as pin mismatches.
   */
  withhold(msg: unknown, info: MessageInfo = {}): Withheld | undefined {
    const pins = this.pins;
    const withheld = pins?.screen(msg);
    if (pins === undefined || withheld === undefined) return undefined;
    this.fromClient(msg, info);
    this.settle();
    for (const reply of withheld.replies) {
      const entry = this.requests.findAgentRequest(info.scope ?? '', idKey(reply['id'] as JsonRpcId));
      if (entry === undefined) continue;
      this.requests.forget(entry);
      pins.markBlocked(entry.span, reply);
      this.recorder.incoming.end(this.conn, entry.call, reply as JsonRpcMessage, PIN_MISMATCH);
    }
    return withheld;
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
   * before it goes on; the recorder describes the span here, after the write. Every other method
   * settles first, so nothing is lost when a caller does not call it.
   */
  settle(): void {
    const pending = this.pending;
    if (pending.length === 0) return;
    this.pending = [];
    for (const item of pending) {
      try {
        const { call, extra } = item;
        if (extra !== undefined) call.span.setAttributes(extra);
        this.recorder.incoming.describe(this.conn, call, item.message, item.headers, item.active, item.bytes);
        if (this.pins !== undefined && call.method === 'tools/call' && call.target !== undefined)
          call.span.setAttributes(this.pins.callAttributes(call.target));
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
      this.attributes.sync();
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
        return fromClient ? this.agentRequest(msg, info) : this.serverRequest(msg, info);
      case 'response': {
        const key = idKey(msg.id as JsonRpcId);
        if (fromClient) {
          const entry = this.requests.toClient.get(key);
          if (entry !== undefined) this.agentAnswered(entry, msg, info.bytes);
          return false;
        }
        const entry = this.requests.findAgentRequest(info.scope ?? '', key);
        return entry !== undefined && this.serverAnswered(entry, msg, info.bytes);
      }
      case 'notification':
        return this.notifications.passed(msg, info, fromClient);
      default:
        return false;
    }
  }

  /** An agent request on its way to the server: the recorder's SERVER span, its context into `_meta`. */
  private agentRequest(msg: JsonRpcLike, info: MessageInfo): boolean {
    const scope = info.scope ?? '';
    const key = idKey(msg.id as JsonRpcId);
    const mapKey = `${scope}\u0000${key}`;
    // A peer reusing an id still in flight breaks correlation; end the old span rather than leak it.
    const previous = this.requests.toServer.get(mapKey);
    if (previous !== undefined) {
      this.settle();
      this.requests.endUnanswered(previous, { outcome: DUPLICATE_REQUEST_ID });
    }
    const meta = metaOf(msg);
    // Who names the server (core/serverCommand.ts): settled before the span starts.
    const ownCommand = carriesServerCommand(msg.method) ? this.attributes.nameServer(meta) : undefined;
    const wroteCommand = ownCommand !== undefined && writeServerCommand(msg, ownCommand);
    const message = asMessage(msg);
    const active =
      info.peer !== undefined ? ROOT_CONTEXT.setValue(REQUEST_PEER_KEY, info.peer) : ROOT_CONTEXT;
    const call = this.recorder.incoming.begin(this.conn, message, info.headers, active, mapKey);
    const span = call.span;
    const entry: AgentRequest = {
      toServer: true,
      call,
      span,
      method: call.method,
      mapKey,
      idKey: key,
      scope,
    };
    const token = meta?.['progressToken'];
    if (isJsonRpcId(token)) entry.progressKey = idKey(token);
    this.requests.add(entry);
    if (span.isRecording())
      this.pending.push({
        call,
        message,
        headers: info.headers,
        active,
        bytes: info.bytes,
        extra: info.attributes,
      });
    return injectIntoMeta(this.propagator, msg, span) || wroteCommand;
  }

  /**
   * A server request on its way to the agent (sampling, elicitation, roots): the recorder's CLIENT span
   * of a relayed request, a child of the caller's context in its `_meta`, else of the one agent request
   * it must have been sent for.
   */
  private serverRequest(msg: JsonRpcLike, info: MessageInfo): boolean {
    const scope = info.scope ?? '';
    const key = idKey(msg.id as JsonRpcId);
    const previous = this.requests.toClient.get(key);
    if (previous !== undefined) this.requests.endUnanswered(previous, { outcome: DUPLICATE_REQUEST_ID });
    const meta = metaOf(msg);
    const asker = this.requests.soleAgentRequest(scope);
    const extracted = extractParent(ROOT_CONTEXT, meta, undefined, this.propagator);
    const parent =
      extracted.fromRemote || asker === undefined ? extracted.ctx : trace.setSpan(ROOT_CONTEXT, asker.span);
    const call = this.recorder.outgoing.relayed(this.conn, asMessage(msg), parent, asker?.call.identity);
    if (call === undefined) return false;
    const span = call.span;
    if (span.isRecording()) {
      if (info.bytes !== undefined) span.setAttribute(ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES, info.bytes);
      if (info.attributes !== undefined) span.setAttributes(info.attributes);
    }
    const entry: ServerRequest = {
      toServer: false,
      call,
      span,
      method: call.method,
      mapKey: key,
      idKey: key,
      scope,
    };
    const token = meta?.['progressToken'];
    if (isJsonRpcId(token)) entry.progressKey = idKey(token);
    this.requests.add(entry);
    return injectIntoMeta(this.propagator, msg, span);
  }

  /** The server answered an agent request; true when the answer was changed (pins cut a tool list). */
  private serverAnswered(entry: AgentRequest, msg: JsonRpcLike, bytes: number | undefined): boolean {
    this.requests.forget(entry);
    const response = asResponse(msg);
    if (response.result !== undefined) this.attributes.serverAnswered(entry.method, response.result);
    let changed = false;
    const pins = this.pins;
    const beforeEnd =
      pins !== undefined && entry.method === 'tools/list'
        ? (call: IncomingCall, result: JsonObject): void => {
            changed = this.checkPins(pins, call, result);
          }
        : undefined;
    this.recorder.incoming.end(
      this.conn,
      entry.call,
      response,
      undefined,
      bytes !== undefined || beforeEnd !== undefined ? { bytes, beforeEnd } : undefined,
    );
    return changed;
  }

  /** A tools/list result page against the pins; true when it was cut (see `ProxyPinGuard.toolList`). */
  private checkPins(pins: ProxyPinGuard, call: IncomingCall, result: JsonObject): boolean {
    const tools = result['tools'];
    if (!Array.isArray(tools)) return false;
    const wholeSet = this.pinPages!.page(call.listCursor, tools, result['nextCursor']);
    return pins.toolList(call.span, result, tools, call.listCursor === undefined, wholeSet);
  }

  /** The agent answered a server request: the recorder ends it as the response of a relayed request. */
  private agentAnswered(entry: ServerRequest, msg: JsonRpcLike, bytes: number | undefined): void {
    this.requests.forget(entry);
    if (bytes !== undefined && entry.span.isRecording())
      entry.span.setAttribute(ATTR_MCPSCOPE_TRANSPORT_RESPONSE_BYTES, bytes);
    this.recorder.outgoing.responseReceived(this.conn, asResponse(msg));
  }
}
