import {
  context,
  createContextKey,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { captureAttributes } from '../content/capture.js';
import { redactString } from '../content/redact.js';
import {
  classifyPeerCancel,
  classifySenderFailure,
  CLOSED_BEFORE_RESPONSE,
  jsonRpcErrorOutcome,
  toolResultErrorOutcome,
  withDownstreamFailure,
  type FailureOutcome,
} from '../errors/classifyOutcome.js';
import {
  extractParent,
  headerValue,
  injectIntoMessage,
  metaOf,
  traceIdOfMeta,
  type JsonRpcMessage,
} from '../propagation/meta.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPSCOPE_CLIENT_NAME,
  ATTR_MCPSCOPE_CLIENT_VERSION,
  ATTR_MCPSCOPE_DOWNSTREAM_SPAN_ID,
  ATTR_MCPSCOPE_FAULT,
  ATTR_MCPSCOPE_LAYER,
  ATTR_MCPSCOPE_PROMPT_ARGUMENTS,
  ATTR_MCPSCOPE_SERVER_COMMAND,
  ATTR_MCPSCOPE_SERVER_NAME,
  ATTR_MCPSCOPE_SERVER_VERSION,
  ATTR_MCPSCOPE_TOOLS_COUNT,
  ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES,
  ATTR_MCPSCOPE_TRANSPORT_RESPONSE_BYTES,
  ATTR_NETWORK_TRANSPORT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  LAYER_CLIENT,
  LAYER_SERVER,
  LAYER_TRANSPORT,
  TRANSPORT_KIND_STDIO,
} from '../semconv.js';
import { toolSetAttributes, toolSetTracker } from '../tools/toolSetTracker.js';
import {
  httpAddressAttributes,
  REQUEST_PEER_KEY,
  requestPeer,
  type RequestPeer,
} from '../transport/httpAddresses.js';
import { describeTransport } from '../transport/transportInfo.js';
import {
  Connection,
  IncomingCall,
  jsonBytes,
  OutgoingCall,
  receivedBytes,
  type TransportLike,
} from './calls.js';
import { notificationEventAttributes, notificationEventName } from './notificationEvents.js';
import type { ResolvedOptions } from './options.js';
import { observesDownstream, withDownstreamRecord } from './McpscopeSpanProcessor.js';
import { reportInternalError } from './reportInternalError.js';
import {
  annotationAttributes,
  annotationsByTool,
  requestTarget,
  setRequestAttributes,
} from './requestAttributes.js';
import { metricAttributesOf, RequestShapes } from './RequestShapes.js';

/** The context value under which a sent request travels into the HTTP transport's fetch. */
const OUTGOING_CALL_KEY = createContextKey('@mcpscope/sdk outgoing call');

/** Which end of the MCP session an instrumented Protocol object is. */
export type Role = 'client' | 'server';

/** The MCP SDK Protocol surface the instrumentation wraps (Client and Server both extend Protocol). */
export interface ProtocolLike {
  request(request: unknown, resultSchema?: unknown, options?: unknown): Promise<unknown>;
  connect(transport: TransportLike, ...rest: unknown[]): Promise<void>;
  readonly transport?: TransportLike;
}

/** The McpServer surface used to read tool annotations and see tool exceptions. */
export interface McpServerLike {
  server: ProtocolLike;
  _registeredTools?: Record<string, { annotations?: unknown } | undefined>;
  executeToolHandler?: (...args: unknown[]) => unknown;
}

type Fn = (this: unknown, ...args: unknown[]) => unknown;

/** The stdio `ReadBuffer`'s `readMessage`: the next complete message, or null. */
type ReadMessage = (this: { _buffer?: Uint8Array }) => unknown;

/** Per-transport holder: the transport's wrappers read the current connection through it. */
interface TransportHolder {
  conn: Connection;
}
const TRANSPORT_HOLDER = Symbol.for('@mcpscope/sdk.transport');
const WRAPPED = Symbol.for('@mcpscope/sdk.wrapped');

/**
 * Traces one MCP SDK Protocol object (a Client or a Server).
 *
 * Requests this process sends get a CLIENT span (from the call to the validated result) and, while the
 * message is on the wire, an INTERNAL transport span (send → response received) whose context is
 * injected into `params._meta`. Requests this process receives get a SERVER span (receive → response
 * sent) parented on the extracted context, and their handler runs inside it. Span kind follows the
 * direction of the request, so sampling/elicitation/roots requests from a server are CLIENT spans in
 * the server process and SERVER spans in the client process. A request the SDK queues for an MCP task
 * gets its transport span when the queue delivers it (see `UnsentRequests`).
 *
 * Hooks: the Protocol's `request` and `connect` (and Client `callTool`), and on each transport `send`,
 * `start` (to wrap the `onmessage`/`onclose` callbacks the Protocol assigns in `connect` before any
 * message can arrive) and the HTTP client transport's `_fetch` (for the status code).
 */
export class ProtocolInstrumentation {
  private conn: Connection | undefined;
  /** Hand-off from `request` to the transport's `send`, which the SDK calls synchronously. */
  private sending: OutgoingCall | undefined;
  /** Hand-off from `callTool` to `request`: the client span of a tools/call covers the output validation. */
  private pendingToolCall: OutgoingCall | undefined;
  /** Whether McpServer's tool execution is observed (so an isError without it is the caller's fault). */
  private tracksToolHandler = false;

  private clientName: string | undefined;
  private clientVersion: string | undefined;
  private serverName: string | undefined;
  private serverVersion: string | undefined;
  private protocolVersion: string | undefined;
  private sessionId: string | undefined;

  private outgoingBase: Attributes = {};
  private incomingBase: Attributes = {};
  private transportBase: Attributes = {};
  private networkTransport: string | undefined;
  private shapes = new RequestShapes('unknown', undefined);
  /** Hand-off from `onSend` to the transport's wrapped `send`: the call whose request is going out. */
  private sentCall: OutgoingCall | undefined;
  private toolAnnotations = new Map<string, Attributes>();

  constructor(
    private readonly protocol: ProtocolLike,
    private readonly role: Role,
    private readonly opts: ResolvedOptions,
    private readonly mcpServer?: McpServerLike,
  ) {
    const own = (protocol as { _clientInfo?: unknown; _serverInfo?: unknown })[
      role === 'client' ? '_clientInfo' : '_serverInfo'
    ];
    this.setImplementation(role, own);
    this.rebuildBase();
  }

  /** Installs the wrappers. Called once per Protocol object (the caller checks the marker). */
  install(): void {
    this.wrapRequest();
    this.wrapConnect();
    this.wrapRequestHandlers();
    if (this.role === 'client') this.wrapCallTool();
    if (this.mcpServer) this.wrapToolExecution(this.mcpServer);
    // Instrumented after connect(): attach to the live transport; its callbacks are already assigned.
    const transport = this.protocol.transport;
    if (transport) {
      const conn = this.attach(transport);
      this.wrapCallbacks(transport, conn);
    }
  }

  // ── wrappers ──────────────────────────────────────────────────────────────────────────────────────

  // Each wrapper is a plain function (it needs the caller's `this`) delegating to an arrow function
  // created once at install time (it needs this instrumentation): no closure is created per call.
  private wrapRequest(): void {
    const original = this.protocol.request as Fn;
    const traced = (self: unknown, args: unknown[]): unknown => {
      const message = args[0] as { method?: unknown; params?: Record<string, unknown> } | undefined;
      let call = this.pendingToolCall;
      let owned = false;
      if (call && message?.method === 'tools/call') {
        this.pendingToolCall = undefined;
      } else {
        call = this.beginOutgoing(message, args[2]);
        owned = true;
      }
      this.sending = call;
      let result: unknown;
      try {
        result = original.apply(self, args);
      } finally {
        this.sending = undefined;
      }
      if (call && !call.sent) this.keepUnsent(call);
      if (owned && call) watch(result, call);
      return result;
    };
    const request = function mcpscopeRequest(this: unknown, ...args: unknown[]): unknown {
      return traced(this, args);
    };
    markWrapped(request);
    (this.protocol as { request: unknown }).request = request;
  }

  /**
   * A request that did not go out inside `request()`: the SDK queued it for an MCP task (delivered when
   * the peer calls tasks/result), or it failed before sending. It waits on its connection for the send
   * that delivers it (see {@link onSend}); a call that ends first leaves the list in {@link endOutgoing}.
   * The SDK numbers requests with `_requestMessageId` (private, read only here, off the hot path): the
   * request just made took the id before the current value. Without it the send is matched by method.
   */
  private keepUnsent(call: OutgoingCall): void {
    try {
      const conn = call.conn;
      if (!conn || conn.closed) return;
      const next = (this.protocol as { _requestMessageId?: unknown })._requestMessageId;
      conn.unsent.add(call, typeof next === 'number' ? next - 1 : undefined);
    } catch (error) {
      reportInternalError(error);
    }
  }

  private wrapCallTool(): void {
    const client = this.protocol as unknown as { callTool?: Fn };
    const original = client.callTool;
    if (typeof original !== 'function') return;
    const traced = (self: unknown, args: unknown[]): unknown => {
      const call = this.beginOutgoingToolCall(args[0] as Record<string, unknown> | undefined, args[2]);
      this.pendingToolCall = call;
      let result: unknown;
      try {
        result = original.apply(self, args);
      } finally {
        this.pendingToolCall = undefined;
      }
      if (call) watch(result, call);
      return result;
    };
    const callTool = function mcpscopeCallTool(this: unknown, ...args: unknown[]): unknown {
      return traced(this, args);
    };
    markWrapped(callTool);
    client.callTool = callTool;
  }

  private wrapConnect(): void {
    const original = this.protocol.connect as Fn;
    const attach = (transport: unknown): void => {
      try {
        if (transport !== null && typeof transport === 'object') this.attach(transport as TransportLike);
      } catch (error) {
        reportInternalError(error);
      }
    };
    const connect = function mcpscopeConnect(this: unknown, ...args: unknown[]): unknown {
      attach(args[0]);
      return original.apply(this, args);
    };
    markWrapped(connect);
    (this.protocol as { connect: unknown }).connect = connect;
  }

  /**
   * Records exceptions thrown by request handlers (with their stack) on the SERVER span. The Protocol
   * looks handlers up with `_requestHandlers.get(method)` for each request; the wrapped handler returns
   * the original promise untouched and observes its rejection on a side branch, so results and timing
   * do not change. McpServer's tools/call handler is left alone when its tool execution is observed
   * (wrapToolExecution): it turns a tool's exception into an isError result itself, and the exception
   * is recorded where the tool runs, so a second side branch would only cost a promise per call.
   */
  private wrapRequestHandlers(): void {
    const handlers = (this.protocol as { _requestHandlers?: unknown })._requestHandlers;
    if (!(handlers instanceof Map)) return;
    const get = handlers.get;
    const wrappedByHandler = new WeakMap<Fn, Fn>();
    const wrap = (handler: Fn, method: unknown): Fn =>
      method === 'tools/call' && this.tracksToolHandler ? handler : this.wrapHandler(handler);
    Object.defineProperty(handlers, 'get', {
      configurable: true,
      writable: true,
      value: function mcpscopeGet(this: Map<unknown, unknown>, key: unknown): unknown {
        const handler = get.call(this, key) as Fn | undefined;
        if (typeof handler !== 'function') return handler;
        let wrapped = wrappedByHandler.get(handler);
        if (!wrapped) {
          wrapped = wrap(handler, key);
          wrappedByHandler.set(handler, wrapped);
        }
        return wrapped;
      },
    });
  }

  /** Sees McpServer tool code run and throw (McpServer turns the exception into an isError result). */
  private wrapToolExecution(mcpServer: McpServerLike): void {
    const original = mcpServer.executeToolHandler;
    if (typeof original !== 'function') return;
    this.tracksToolHandler = true;
    const traced = (self: unknown, args: unknown[]): unknown => {
      // executeToolHandler(tool, args, extra): the request id in `extra` finds the call.
      const requestId = (args[2] as { requestId?: string | number } | undefined)?.requestId;
      const call = requestId === undefined ? undefined : this.conn?.incoming.get(requestId);
      if (call) call.handlerRan = true;
      let result: unknown;
      try {
        result = original.apply(self, args);
      } catch (error) {
        this.recordHandlerException(error);
        throw error;
      }
      if (call && result instanceof Promise) result.then(undefined, this.recordHandlerException);
      return result;
    };
    mcpServer.executeToolHandler = function mcpscopeExecuteToolHandler(
      this: unknown,
      ...args: unknown[]
    ): unknown {
      return traced(this, args);
    };
  }

  /**
   * Wraps a request handler to record its exceptions (with their stack) on the SERVER span. The
   * handler's promise is returned untouched; its rejection is observed on a side branch.
   */
  private wrapHandler(handler: Fn): Fn {
    const traced = (self: unknown, args: unknown[]): unknown => {
      let result: unknown;
      try {
        result = handler.apply(self, args);
      } catch (error) {
        this.recordHandlerException(error);
        throw error;
      }
      if (result instanceof Promise) result.then(undefined, this.recordHandlerException);
      return result;
    };
    return function mcpscopeHandler(this: unknown, ...args: unknown[]): unknown {
      return traced(this, args);
    };
  }

  /**
   * Records a handler's exception on the SERVER span of the request it handles: the active span where
   * the handler threw (or where its rejection is observed, which runs in the handler's context). Only
   * the first exception of a request is recorded.
   */
  private readonly recordHandlerException = (error: unknown): void => {
    try {
      const span = trace.getSpan(context.active());
      const incoming = this.conn?.incoming;
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

  /** Starts tracking a connection to `transport`; wraps `send`/`start` once per transport object. */
  private attach(transport: TransportLike): Connection {
    const info = describeTransport(transport, this.role === 'client');
    const conn = new Connection(transport, info, !info.inMemory || this.opts.measureInMemoryBytes);
    this.conn = conn;
    this.rebuildBase();
    const holder = (transport as unknown as Record<symbol, TransportHolder | undefined>)[TRANSPORT_HOLDER];
    if (holder) {
      holder.conn = conn;
      return conn;
    }
    const newHolder: TransportHolder = { conn };
    Object.defineProperty(transport, TRANSPORT_HOLDER, { value: newHolder, configurable: true });
    this.wrapSend(transport, newHolder);
    this.wrapStart(transport, newHolder);
    this.wrapReadBuffer(transport, newHolder);
    if (this.peerIsChild(conn)) this.wrapClose(transport, newHolder);
    if (info.http && this.role === 'client') this.wrapFetch(transport);
    if (info.http && this.role === 'server') this.wrapRequestEntry(transport);
    return conn;
  }

  /**
   * Server side of HTTP: runs the Node transports' request entry points (`handleRequest` of Streamable
   * HTTP, `handlePostMessage` of SSE) in a context carrying what the request's socket tells (the
   * client's address, TLS), which the messages of that request read when they arrive (the MCP SDK does
   * not pass the socket on). Needs a context manager to carry it across the body parsing; without one,
   * only the headers are seen.
   */
  private wrapRequestEntry(transport: TransportLike): void {
    const fields = transport as unknown as Record<string, unknown>;
    for (const name of ['handleRequest', 'handlePostMessage']) {
      const original = fields[name];
      if (typeof original !== 'function') continue;
      fields[name] = function mcpscopeRequestEntry(this: unknown, ...args: unknown[]): unknown {
        let peer: RequestPeer | undefined;
        try {
          peer = requestPeer(args[0]);
        } catch (error) {
          reportInternalError(error);
        }
        if (!peer) return (original as Fn).apply(this, args);
        const ctx = context.active().setValue(REQUEST_PEER_KEY, peer);
        return context.with(ctx, original as Fn, this, ...args);
      };
    }
  }

  private wrapSend(transport: TransportLike, holder: TransportHolder): void {
    const original = transport.send as Fn;
    const traced = (self: unknown, args: unknown[]): Promise<void> => {
      let call: OutgoingCall | undefined;
      try {
        this.sentCall = undefined;
        const message = this.onSend(
          holder.conn,
          args[0] as JsonRpcMessage,
          args[1] as Record<string, unknown> | undefined,
        );
        call = this.sentCall;
        this.sentCall = undefined;
        if (message !== args[0]) args[0] = message;
      } catch (error) {
        reportInternalError(error);
      }
      // Over HTTP the request's fetch runs in the transport span's context, so the wrapped fetch can
      // attribute the status code to it (and HTTP client instrumentation nests under it).
      if (call?.transportSpan && holder.conn.info.http) {
        const ctx = trace.setSpan(call.parentCtx, call.transportSpan).setValue(OUTGOING_CALL_KEY, call);
        return context.with(ctx, original, self, ...args) as Promise<void>;
      }
      return original.apply(self, args) as Promise<void>;
    };
    transport.send = function mcpscopeSend(this: unknown, ...args: unknown[]): Promise<void> {
      return traced(this, args);
    };
  }

  /** Whether the peer is a child process this process spawned: the server of a stdio client transport. */
  private peerIsChild(conn: Connection): boolean {
    return this.role === 'client' && conn.info.kind === TRANSPORT_KIND_STDIO;
  }

  /**
   * Notes when this process closes the connection (`Client.close()` calls `transport.close()`), so a
   * close it did not ask for — the server process exiting mid-call — can be told from one it did.
   */
  private wrapClose(transport: TransportLike, holder: TransportHolder): void {
    const original = transport.close;
    if (typeof original !== 'function') return;
    transport.close = function mcpscopeClose(this: unknown): Promise<void> {
      holder.conn.closedLocally = true;
      return original.call(this);
    };
  }

  /**
   * stdio: the transports cut each message's line out of a `ReadBuffer` and hand the message to the
   * Protocol at once. The line's length is the message's size on the wire; taking it there spares a
   * second `JSON.stringify` of every received message (and counts what the peer really sent).
   */
  private wrapReadBuffer(transport: TransportLike, holder: TransportHolder): void {
    const buffer = (transport as unknown as { _readBuffer?: unknown })._readBuffer as
      { _buffer?: Uint8Array; readMessage?: ReadMessage } | undefined;
    const original = buffer?.readMessage;
    if (!buffer || typeof original !== 'function') return;
    buffer.readMessage = function mcpscopeReadMessage(this: { _buffer?: Uint8Array }): unknown {
      const before = this._buffer?.length ?? 0;
      const message = original.call(this);
      // The line and its `\n` left the buffer; the message is the line.
      if (message !== null && holder.conn.measureBytes)
        holder.conn.wireBytes = before - (this._buffer?.length ?? 0) - 1;
      return message;
    };
  }

  private wrapStart(transport: TransportLike, holder: TransportHolder): void {
    const original = transport.start as Fn;
    const wrapCallbacks = (): void => {
      try {
        this.wrapCallbacks(transport, holder.conn);
      } catch (error) {
        reportInternalError(error);
      }
    };
    transport.start = function mcpscopeStart(this: unknown, ...args: unknown[]): Promise<void> {
      wrapCallbacks();
      return original.apply(this, args) as Promise<void>;
    };
  }

  /** Wraps the callbacks the Protocol assigned in `connect()`; runs before the transport delivers anything. */
  private wrapCallbacks(transport: TransportLike, conn: Connection): void {
    const onmessage = transport.onmessage as Fn | undefined;
    if (typeof onmessage === 'function' && !isWrapped(onmessage)) {
      const receive = (self: unknown, message: unknown, extra: unknown): unknown => {
        let ctx: Context | undefined;
        try {
          ctx = this.onReceive(conn, message as JsonRpcMessage, extra);
        } catch (error) {
          reportInternalError(error);
        }
        if (ctx === undefined) return onmessage.call(self, message, extra);
        // No `this` for context.with: the async-hooks context manager would bind a function per call.
        return context.with(ctx, callWith, undefined, onmessage, self, message, extra);
      };
      const wrapped = function mcpscopeOnMessage(this: unknown, message: unknown, extra?: unknown): unknown {
        return receive(this, message, extra);
      };
      markWrapped(wrapped);
      transport.onmessage = wrapped;
    }
    const onclose = transport.onclose as Fn | undefined;
    if (!isWrapped(onclose)) {
      const close = (): void => {
        try {
          this.onClose(conn);
        } catch (error) {
          reportInternalError(error);
        }
      };
      const wrapped = function mcpscopeOnClose(this: unknown, ...args: unknown[]): unknown {
        close();
        return onclose?.apply(this, args);
      };
      markWrapped(wrapped);
      transport.onclose = wrapped;
    }
  }

  /** Records the HTTP status of each request's POST on its transport span. */
  private wrapFetch(transport: TransportLike): void {
    const fields = transport as unknown as { _fetch?: Fn };
    if (!('_fetch' in fields)) return;
    const original = (fields._fetch ?? globalThis.fetch) as Fn;
    fields._fetch = function mcpscopeFetch(this: unknown, ...args: unknown[]): unknown {
      const result = original.apply(this, args);
      const call = context.active().getValue(OUTGOING_CALL_KEY) as OutgoingCall | undefined;
      if (call && result instanceof Promise) {
        result.then(
          (response: unknown) => {
            const status = (response as { status?: unknown }).status;
            if (typeof status === 'number') {
              call.httpStatus = status;
              call.transportSpan?.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
            }
          },
          () => undefined,
        );
      }
      return result;
    };
  }

  // ── sent requests (CLIENT spans) ──────────────────────────────────────────────────────────────────

  private beginOutgoing(
    request: { method?: unknown; params?: Record<string, unknown> } | undefined,
    options: unknown,
  ): OutgoingCall | undefined {
    const method = request?.method;
    if (typeof method !== 'string') return undefined;
    return this.startOutgoing(method, request?.params, options);
  }

  /** {@link beginOutgoing} for `Client.callTool(params, …)`, without building a request object. */
  private beginOutgoingToolCall(
    params: Record<string, unknown> | undefined,
    options: unknown,
  ): OutgoingCall | undefined {
    return this.startOutgoing('tools/call', params, options);
  }

  private startOutgoing(
    method: string,
    params: Record<string, unknown> | undefined,
    options: unknown,
  ): OutgoingCall | undefined {
    try {
      const conn = this.conn;
      if (conn) this.refreshSession(conn);
      const shape = this.shapes.get(method, requestTarget(method, params));
      const parentCtx = context.active();
      const span = this.opts.tracer.startSpan(shape.spanName, shape.clientSpanOptions, parentCtx);
      if (span.isRecording()) {
        span.setAttributes(this.outgoingBase);
        setRequestAttributes(span, method, params);
        if (shape.target !== undefined && method === 'tools/call') {
          const annotations = this.toolAnnotations.get(shape.target);
          if (annotations) span.setAttributes(annotations);
        }
        if (this.opts.capture) this.addCapturedArguments(span, method, params);
      }
      if (method === 'initialize' && params) this.setImplementation('client', params['clientInfo']);
      const signal = (options as { signal?: unknown } | undefined)?.signal;
      const call = new OutgoingCall(
        this.endOutgoing,
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

  /** Starts the transport span of a request going out and injects its context into `params._meta`. */
  private sendRequest(conn: Connection, message: JsonRpcMessage, call: OutgoingCall): JsonRpcMessage {
    const id = Number(message.id);
    call.sent = true;
    call.id = id;
    conn.outgoing.set(id, call);
    const shape = call.shape;
    const transportSpan = this.opts.tracer.startSpan(
      shape.transportSpanName,
      shape.transportSpanOptions,
      trace.setSpan(call.parentCtx, call.span),
    );
    call.transportSpan = transportSpan;
    call.hadTransportSpan = true;
    const out = injectIntoMessage(message, trace.setSpan(call.parentCtx, transportSpan));
    if (transportSpan.isRecording()) {
      const requestId = String(message.id);
      transportSpan.setAttributes(this.transportBase);
      transportSpan.setAttribute(ATTR_JSONRPC_REQUEST_ID, requestId);
      call.span.setAttribute(ATTR_JSONRPC_REQUEST_ID, requestId);
      if (conn.measureBytes)
        transportSpan.setAttribute(ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES, jsonBytes(out));
    }
    return out;
  }

  /** A response arrived for a request this process sent: the transport span ends here. */
  private receiveResponse(conn: Connection, message: JsonRpcMessage): void {
    const id = Number(message.id);
    const call = conn.outgoing.get(id);
    if (!call) return;
    conn.outgoing.delete(id);
    call.wire = message.error ? 'error' : 'result';
    call.rawResult = message.result;
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
  private readonly endOutgoing = (
    call: OutgoingCall,
    value: unknown,
    error: unknown,
    failed: boolean,
  ): void => {
    try {
      if (call.ended) return;
      call.ended = true;
      const conn = call.conn;
      if (call.id !== undefined) conn?.outgoing.delete(call.id);
      else if (!call.sent && conn && conn.unsent.size > 0) conn.unsent.remove(call);
      const span = call.span;
      const result = failed ? undefined : (value as Record<string, unknown> | undefined);
      let outcome: FailureOutcome | undefined;
      if (failed) {
        outcome = classifySenderFailure(error, {
          method: call.method,
          answerer: this.role === 'client' ? 'server' : 'client',
          aborted: call.signal?.aborted ?? false,
          wire: call.wire,
          sent: call.sent,
          hadSession: conn?.transport.sessionId !== undefined,
          peerIsChild: conn !== undefined && this.peerIsChild(conn),
          closedLocally: conn?.closedLocally ?? false,
        });
      } else if (call.method === 'tools/call' && result?.['isError'] === true) {
        outcome = toolResultErrorOutcome(result, false);
      }
      const transportSpan = call.transportSpan;
      if (transportSpan) {
        // No response came back: the transport span ends with the request.
        call.transportSpan = undefined;
        if (outcome && transportSpan.isRecording()) {
          transportSpan.setAttribute(ATTR_ERROR_TYPE, outcome.errorType);
          if (outcome.httpStatusCode !== undefined)
            transportSpan.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, outcome.httpStatusCode);
          if (outcome.transport) {
            transportSpan.setAttribute(ATTR_MCPSCOPE_FAULT, outcome.fault);
            transportSpan.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
            if (error instanceof Error) transportSpan.recordException(error);
          }
        }
        transportSpan.end();
      }
      if (span.isRecording()) {
        if (result) {
          const raw = call.rawResult ?? result;
          this.afterResult(call.method, raw, call.listCursor, conn, true, span);
        }
        if (outcome) {
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
      } else if (result && call.method === 'initialize') {
        this.onInitializeResult(result);
      }
      span.end();
      this.opts.metrics.recordOperation(
        true,
        (performance.now() - call.startTime) / 1000,
        metricAttributesOf(call.shape, outcome?.errorType),
      );
    } catch (internal) {
      reportInternalError(internal);
    }
  };

  /**
   * What a successful result adds to its span, on either side. For tools/list, `result` is the result as
   * it came over the wire (fingerprints cover what the server sent, not what the SDK parsed),
   * `listCursor` the page the request asked for; `learnAnnotations` says whether this side learns tool
   * annotations from it (an McpServer knows its own).
   */
  private afterResult(
    method: string,
    result: Record<string, unknown>,
    listCursor: unknown,
    conn: Connection | undefined,
    learnAnnotations: boolean,
    span: Span,
  ): void {
    switch (method) {
      case 'initialize':
        this.onInitializeResult(result);
        span.setAttributes(this.peerAttributes());
        break;
      case 'tools/list': {
        const tools = Array.isArray(result['tools']) ? (result['tools'] as unknown[]) : [];
        if (learnAnnotations) {
          const learnt = annotationsByTool(tools);
          if (listCursor === undefined) this.toolAnnotations = learnt;
          else for (const [name, attributes] of learnt) this.toolAnnotations.set(name, attributes);
        }
        const nextCursor = result['nextCursor'];
        const wholeSet = conn
          ? conn.toolPages.page(listCursor, tools, nextCursor)
          : typeof nextCursor === 'string' || listCursor !== undefined
            ? undefined
            : tools;
        span.setAttributes(
          wholeSet ? this.toolsListAttributes(wholeSet) : { [ATTR_MCPSCOPE_TOOLS_COUNT]: tools.length },
        );
        break;
      }
      case 'tools/call':
        if (this.opts.capture)
          span.setAttributes(captureAttributes(ATTR_GEN_AI_TOOL_CALL_RESULT, result, this.opts.capture));
        break;
      default:
        break;
    }
  }

  // ── received requests (SERVER spans) ──────────────────────────────────────────────────────────────

  private receiveRequest(conn: Connection, message: JsonRpcMessage, extra: unknown): Context {
    const method = message.method as string;
    const params = message.params;
    const active = context.active();
    const headers = conn.info.http
      ? (extra as { requestInfo?: { headers?: unknown } } | undefined)?.requestInfo?.headers
      : undefined;
    const { ctx: parent, fromRemote } = extractParent(active, metaOf(message), headers);
    let links: Link[] | undefined;
    // The ambient span (e.g. the HTTP server span of auto-instrumentation) is linked, not the parent.
    // In memory the "ambient" span is the sender's own context, so there is nothing to link.
    if (fromRemote && !conn.info.inMemory) {
      const ambient = trace.getSpan(active)?.spanContext();
      if (ambient && isSpanContextValid(ambient)) links = [{ context: ambient }];
    }
    if (headers !== undefined && this.protocolVersion === undefined) {
      const version = headerValue(headers, 'mcp-protocol-version');
      if (version) {
        this.protocolVersion = version;
        this.rebuildBase();
      }
    }
    this.refreshSession(conn);
    if (method === 'initialize' && params) this.setImplementation('client', params['clientInfo']);
    const shape = this.shapes.get(method, requestTarget(method, params));
    const span = this.opts.tracer.startSpan(
      shape.spanName,
      links ? { kind: SpanKind.SERVER, attributes: shape.startAttributes, links } : shape.serverSpanOptions,
      parent,
    );
    if (span.isRecording()) {
      span.setAttributes(this.incomingBase);
      setRequestAttributes(span, method, params);
      span.setAttribute(ATTR_JSONRPC_REQUEST_ID, String(message.id));
      if (method === 'tools/call' && shape.target !== undefined) {
        const annotations = this.serverToolAnnotations(shape.target);
        if (annotations) span.setAttributes(annotations);
      }
      if (this.opts.capture) this.addCapturedArguments(span, method, params);
      if (conn.measureBytes)
        span.setAttribute(ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES, receivedBytes(conn, message));
      if (conn.info.http) {
        const peer = active.getValue(REQUEST_PEER_KEY) as RequestPeer | undefined;
        span.setAttributes(httpAddressAttributes(peer, headers));
      }
    }
    const call = new IncomingCall(span, shape, message.id as string | number);
    if (method === 'tools/list') call.listCursor = params?.['cursor'];
    conn.incoming.set(call.id, call);
    const ctx = trace.setSpan(parent, span);
    // The handler runs in this context: spans it starts report their failures to the call.
    return observesDownstream() ? withDownstreamRecord(ctx, call) : ctx;
  }

  private serverToolAnnotations(tool: string): Attributes | undefined {
    const registered = this.mcpServer?._registeredTools?.[tool];
    if (registered) return annotationAttributes(registered.annotations);
    return this.toolAnnotations.get(tool);
  }

  /** Ends a SERVER span: on the response (`response`), or with a fixed outcome (cancelled, closed). */
  private endIncoming(
    conn: Connection,
    call: IncomingCall,
    response: JsonRpcMessage | undefined,
    forced?: FailureOutcome,
  ): void {
    if (call.ended) return;
    call.ended = true;
    conn.incoming.delete(call.id);
    const span = call.span;
    const result = response?.result;
    let outcome = forced;
    if (!outcome && response?.error) {
      outcome = jsonRpcErrorOutcome(response.error.code, true, this.role);
    } else if (!outcome && call.method === 'tools/call' && result?.['isError'] === true) {
      outcome = toolResultErrorOutcome(result, true, this.tracksToolHandler ? call.handlerRan : undefined);
    }
    if (outcome && !forced && call.downstreamFailure !== undefined)
      outcome = withDownstreamFailure(outcome, call.downstreamFailure);
    if (span.isRecording()) {
      if (result) this.afterResult(call.method, result, call.listCursor, conn, !this.mcpServer, span);
      if (response && conn.measureBytes)
        span.setAttribute(ATTR_MCPSCOPE_TRANSPORT_RESPONSE_BYTES, jsonBytes(response));
      if (outcome) {
        span.setAttribute(ATTR_ERROR_TYPE, outcome.errorType);
        span.setAttribute(ATTR_MCPSCOPE_FAULT, outcome.fault);
        if (outcome.rpcStatusCode !== undefined)
          span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, outcome.rpcStatusCode);
        if (outcome.downstreamSpanId !== undefined)
          span.setAttribute(ATTR_MCPSCOPE_DOWNSTREAM_SPAN_ID, outcome.downstreamSpanId);
        const message =
          outcome.message ??
          (response?.error
            ? redactString(response.error.message)
            : result
              ? toolErrorMessage(result)
              : outcome.errorType);
        if (outcome.markError) span.setStatus({ code: SpanStatusCode.ERROR, message });
      }
    } else if (result && call.method === 'initialize') {
      this.onInitializeResult(result);
    }
    span.end();
    this.opts.metrics.recordOperation(
      false,
      (performance.now() - call.startTime) / 1000,
      metricAttributesOf(call.shape, outcome?.errorType),
    );
  }

  // ── message dispatch ──────────────────────────────────────────────────────────────────────────────

  /**
   * Everything sent through the transport. Returns the message to send (with trace context injected);
   * a request of a traced call is also left in {@link sentCall} for the wrapped `send`.
   */
  private onSend(
    conn: Connection,
    message: JsonRpcMessage,
    options: Record<string, unknown> | undefined,
  ): JsonRpcMessage {
    if (message === null || typeof message !== 'object') return message;
    if (message.method !== undefined) {
      if (message.id !== undefined) {
        const call = this.sending;
        this.sending = undefined;
        if (call && call.method === message.method) {
          this.sentCall = call;
          return this.sendRequest(conn, message, call);
        }
        // Not sent from inside `request()`: a request the SDK queued for a task, delivered now (in the
        // tasks/result handler). Its transport span starts here, where the request goes on the wire.
        const queued =
          conn.unsent.size > 0 ? conn.unsent.take(message.method, Number(message.id)) : undefined;
        if (queued) {
          this.sentCall = queued;
          return this.sendRequest(conn, message, queued);
        }
        return injectIntoMessage(message, context.active());
      }
      return injectIntoMessage(message, this.sendNotification(conn, message, options));
    }
    if (message.id !== undefined) {
      const call = conn.incoming.get(message.id);
      if (call) this.endIncoming(conn, call, message);
    }
    return message;
  }

  /** Everything received from the transport. Returns the context to run the Protocol's handling in. */
  private onReceive(conn: Connection, message: JsonRpcMessage, extra: unknown): Context | undefined {
    if (message === null || typeof message !== 'object') return undefined;
    if (message.method === undefined) {
      if (message.id !== undefined) this.receiveResponse(conn, message);
      return undefined;
    }
    if (message.id !== undefined) return this.receiveRequest(conn, message, extra);
    this.receiveNotification(conn, message);
    return undefined;
  }

  /**
   * A notification going out. A cancellation becomes an event on the request it cancels, one related to
   * a request being handled an event on that request's span; any other (list_changed, resources/updated,
   * a log message outside a request, roots/list_changed…) gets a short span of its own, kind following
   * the direction like a request's. Returns the context to inject into the message: that span's, so the
   * receiver's span of the notification joins it.
   */
  private sendNotification(
    conn: Connection,
    message: JsonRpcMessage,
    options: Record<string, unknown> | undefined,
  ): Context {
    const method = message.method as string;
    const params = message.params;
    const active = context.active();
    if (method === 'notifications/cancelled') {
      const call = conn.outgoing.get(Number(params?.['requestId']));
      call?.span.addEvent(
        notificationEventName(method),
        notificationEventAttributes(method, params, 'sent', false),
      );
      return active;
    }
    if (method === 'notifications/initialized') return active;
    const capture = this.opts.capture !== undefined;
    const relatedId = options?.['relatedRequestId'];
    const call = relatedId === undefined ? undefined : conn.incoming.get(relatedId as string | number);
    if (call) {
      if (call.span.isRecording()) {
        call.span.addEvent(
          notificationEventName(method),
          notificationEventAttributes(method, params, 'sent', capture),
        );
      }
      return active;
    }
    const span = this.opts.tracer.startSpan(
      method,
      { kind: SpanKind.CLIENT, attributes: this.outgoingBase },
      active,
    );
    if (span.isRecording()) {
      span.setAttribute(ATTR_MCP_METHOD_NAME, method);
      span.addEvent(
        notificationEventName(method),
        notificationEventAttributes(method, params, 'sent', capture),
      );
    }
    span.end();
    return trace.setSpan(active, span);
  }

  /**
   * A notification arrived. Progress goes on the request with that progress token, a cancellation on
   * (and ends) the request it cancels, anything else on the in-flight request of the same trace (else
   * the most recent one); with no request in flight it becomes a short span of its own.
   */
  private receiveNotification(conn: Connection, message: JsonRpcMessage): void {
    const method = message.method as string;
    const params = message.params;
    const capture = this.opts.capture !== undefined;
    if (method === 'notifications/initialized') return;
    if (method === 'notifications/cancelled') {
      const call = conn.incoming.get(params?.['requestId'] as string | number);
      if (call) {
        call.span.addEvent(
          notificationEventName(method),
          notificationEventAttributes(method, params, 'received', false),
        );
        const reason = params?.['reason'];
        this.endIncoming(
          conn,
          call,
          undefined,
          classifyPeerCancel(typeof reason === 'string' ? reason : undefined, this.role),
        );
      }
      return;
    }
    if (method === 'notifications/progress') {
      const call = conn.outgoing.get(Number(params?.['progressToken']));
      if (call) {
        call.span.addEvent(
          notificationEventName(method),
          notificationEventAttributes(method, params, 'received', capture),
        );
        return;
      }
    }
    const meta = metaOf(message);
    const related = this.relatedOutgoing(conn, meta);
    if (related) {
      related.span.addEvent(
        notificationEventName(method),
        notificationEventAttributes(method, params, 'received', capture),
      );
      return;
    }
    const { ctx } = extractParent(context.active(), meta, undefined);
    const span = this.opts.tracer.startSpan(
      method,
      { kind: SpanKind.SERVER, attributes: this.incomingBase },
      ctx,
    );
    if (span.isRecording()) {
      span.setAttribute(ATTR_MCP_METHOD_NAME, method);
      span.addEvent(
        notificationEventName(method),
        notificationEventAttributes(method, params, 'received', capture),
      );
    }
    span.end();
  }

  private relatedOutgoing(
    conn: Connection,
    meta: Record<string, unknown> | undefined,
  ): OutgoingCall | undefined {
    if (conn.outgoing.size === 0) return undefined;
    const traceId = traceIdOfMeta(meta);
    let last: OutgoingCall | undefined;
    for (const call of conn.outgoing.values()) {
      if (traceId !== undefined && call.span.spanContext().traceId === traceId) return call;
      last = call;
    }
    return traceId === undefined ? last : undefined;
  }

  private onClose(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    for (const call of conn.incoming.values())
      this.endIncoming(conn, call, undefined, CLOSED_BEFORE_RESPONSE);
    const seconds = (performance.now() - conn.startedAt) / 1000;
    const attributes: Attributes = {};
    if (this.networkTransport) attributes[ATTR_NETWORK_TRANSPORT] = this.networkTransport;
    if (this.protocolVersion) attributes[ATTR_MCP_PROTOCOL_VERSION] = this.protocolVersion;
    (this.role === 'client' ? this.opts.metrics.clientSession : this.opts.metrics.serverSession).record(
      seconds,
      attributes,
    );
    if (this.conn === conn) this.conn = undefined;
  }

  // ── shared attributes ─────────────────────────────────────────────────────────────────────────────

  private onInitializeResult(result: Record<string, unknown>): void {
    if (typeof result['protocolVersion'] === 'string') this.protocolVersion = result['protocolVersion'];
    this.setImplementation('server', result['serverInfo']);
    if (this.conn) this.refreshSession(this.conn);
    this.rebuildBase();
  }

  private setImplementation(which: Role, info: unknown): void {
    if (info === null || typeof info !== 'object') return;
    const { name, version } = info as { name?: unknown; version?: unknown };
    if (which === 'client') {
      if (typeof name === 'string') this.clientName = name;
      if (typeof version === 'string') this.clientVersion = version;
    } else {
      if (typeof name === 'string') this.serverName = name;
      if (typeof version === 'string') this.serverVersion = version;
    }
    this.rebuildBase();
  }

  private refreshSession(conn: Connection): void {
    const sessionId = conn.transport.sessionId;
    if (sessionId !== this.sessionId) {
      this.sessionId = sessionId;
      this.rebuildBase();
    }
  }

  private peerAttributes(): Attributes {
    const attributes: Attributes = {};
    if (this.clientName !== undefined) attributes[ATTR_MCPSCOPE_CLIENT_NAME] = this.clientName;
    if (this.clientVersion !== undefined) attributes[ATTR_MCPSCOPE_CLIENT_VERSION] = this.clientVersion;
    if (this.serverName !== undefined) attributes[ATTR_MCPSCOPE_SERVER_NAME] = this.serverName;
    if (this.serverVersion !== undefined) attributes[ATTR_MCPSCOPE_SERVER_VERSION] = this.serverVersion;
    if (this.protocolVersion !== undefined) attributes[ATTR_MCP_PROTOCOL_VERSION] = this.protocolVersion;
    if (this.sessionId !== undefined) attributes[ATTR_MCP_SESSION_ID] = this.sessionId;
    return attributes;
  }

  /** Precomputes the attribute sets every span starts with, so the hot path copies one object. */
  private rebuildBase(): void {
    const common: Attributes = { ...this.conn?.info.attributes, ...this.peerAttributes() };
    const network = common[ATTR_NETWORK_TRANSPORT];
    this.networkTransport = typeof network === 'string' ? network : undefined;
    const kind = this.conn?.info.kind ?? 'unknown';
    if (this.shapes.transportKind !== kind || this.shapes.networkTransport !== this.networkTransport)
      this.shapes = new RequestShapes(kind, this.networkTransport);
    this.outgoingBase = { ...common, [ATTR_MCPSCOPE_LAYER]: LAYER_CLIENT };
    this.incomingBase = { ...common, [ATTR_MCPSCOPE_LAYER]: LAYER_SERVER };
    this.transportBase = { ...common, [ATTR_MCPSCOPE_LAYER]: LAYER_TRANSPORT };
  }

  private addCapturedArguments(
    span: Span,
    method: string,
    params: Record<string, unknown> | undefined,
  ): void {
    const capture = this.opts.capture;
    if (!capture || !params) return;
    if (method === 'tools/call') {
      span.setAttributes(
        captureAttributes(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, params['arguments'] ?? {}, capture),
      );
    } else if (method === 'prompts/get') {
      span.setAttributes(
        captureAttributes(ATTR_MCPSCOPE_PROMPT_ARGUMENTS, params['arguments'] ?? {}, capture),
      );
    }
  }

  /**
   * `mcpscope.tools.fingerprint`/`count` of a whole tool set, and the full definitions when the set
   * differs from the last one seen for this server identity (name + address or command).
   */
  private toolsListAttributes(tools: readonly unknown[]): Attributes {
    const where = this.conn?.info.attributes;
    const key = [
      this.role,
      this.serverName ?? '',
      where?.[ATTR_SERVER_ADDRESS] ?? '',
      where?.[ATTR_SERVER_PORT] ?? '',
      where?.[ATTR_MCPSCOPE_SERVER_COMMAND] ?? '',
    ].join('|');
    return toolSetAttributes(tools, toolSetTracker, key);
  }
}

// ── helpers ───────────────────────────────────────────────────────────────────────────────────────────

function watch(result: unknown, call: OutgoingCall): void {
  if (result instanceof Promise) result.then(call.onFulfilled, call.onRejected);
  else call.onFulfilled(result);
}

/** Calls `fn` with `self` as `this`: lets context.with run a callback without binding one per call. */
function callWith(fn: Fn, self: unknown, message: unknown, extra: unknown): unknown {
  return fn.call(self, message, extra);
}

function markWrapped(fn: object): void {
  Object.defineProperty(fn, WRAPPED, { value: true });
}

function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[WRAPPED] === true;
}

function errorMessage(error: unknown): string {
  return redactString(error instanceof Error ? error.message : String(error));
}

/** The status message of an isError tool result: its first text content, scrubbed and shortened. */
function toolErrorMessage(result: Record<string, unknown> | undefined): string {
  const content = result?.['content'];
  if (Array.isArray(content)) {
    for (const item of content as unknown[]) {
      const text = (item as { type?: unknown; text?: unknown } | null)?.text;
      if (typeof text === 'string') return redactString(text.length > 256 ? text.slice(0, 256) : text);
    }
  }
  return 'tool_error';
}
