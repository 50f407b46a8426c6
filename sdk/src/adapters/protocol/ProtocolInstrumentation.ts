import type { Context } from '@opentelemetry/api';
import type { JsonRpcMessage } from '../../core/jsonRpc.js';
import type { ResolvedOptions } from '../../core/options.js';
import type { PinPolicy } from '../../core/pins/PinPolicy.js';
import type { Connection, OutgoingCall } from '../../core/recorder/calls.js';
import { SpanRecorder, type Role } from '../../core/recorder/SpanRecorder.js';
import { reportInternalError } from '../../core/reportInternalError.js';
import { ClientPins } from './clientPins.js';
import { wrapRequestHandlers, wrapToolExecution } from './handlerHooks.js';
import {
  markWrapped,
  type Fn,
  type HostDialect,
  type McpServerLike,
  type ProtocolLike,
  type TransportLike,
} from './hostTypes.js';
import { attachTransport, wrapCallbacks } from './transportHooks.js';

// The Protocol hooks of the MCP SDK adapters (1.x and 2.x, told apart by their dialect): hooks one
// Protocol object (a Client or a Server) and maps what it sees onto the core's SpanRecorder. This file
// holds the Protocol-level hooks (`request`, Client `callTool`, `connect`) and the dispatch of the
// messages its transport carries; the transport wrappers are in transportHooks.ts, the request-handler
// and McpServer tool hooks in handlerHooks.ts.

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
  readonly recorder: SpanRecorder;
  /** Hand-off from `request` to the transport's `send`, which the SDK calls synchronously. */
  private sending: OutgoingCall | undefined;
  /** Hand-off from `callTool` to `request`: the client span of a tools/call covers the output validation. */
  private pendingToolCall: OutgoingCall | undefined;
  /**
   * Hand-off from an asynchronous `callTool` (see {@link HostDialect.asyncCallTool}) to `request`, keyed
   * by the params object callTool passes on: no context is needed across its `await`.
   */
  private readonly toolCallsByParams = new WeakMap<object, OutgoingCall>();
  /** Hand-off from {@link onSend} to the transport's wrapped `send`: the call whose request is going out. */
  sentCall: OutgoingCall | undefined;
  /**
   * Hand-off from {@link onSend} to the transport's wrapped `send`: the answer to hand the Protocol
   * instead of sending the request (a call refused by the pins).
   */
  refusedReply: JsonRpcMessage | undefined;
  /** A Client's tool pins (`instrumentClient`'s `pins` option); undefined without: nothing is checked. */
  pins: ClientPins | undefined;

  constructor(
    private readonly protocol: ProtocolLike,
    readonly role: Role,
    readonly opts: ResolvedOptions,
    private readonly mcpServer: McpServerLike | undefined,
    readonly dialect: HostDialect,
  ) {
    this.recorder = new SpanRecorder(
      role,
      opts,
      mcpServer ? { registeredTool: (tool) => mcpServer._registeredTools?.[tool] } : undefined,
    );
    const own = (protocol as { _clientInfo?: unknown; _serverInfo?: unknown })[
      role === 'client' ? '_clientInfo' : '_serverInfo'
    ];
    this.recorder.setImplementation(role, own);
  }

  /** Holds a Client's server to `policy` from now on (replacing pins given before). */
  usePins(policy: PinPolicy): void {
    if (this.role === 'client') this.pins = new ClientPins(policy);
  }

  /** Installs the wrappers. Called once per Protocol object (the caller checks the marker). */
  install(): void {
    this.wrapRequest();
    this.wrapConnect();
    wrapRequestHandlers(this.protocol, this.recorder);
    if (this.role === 'client') this.wrapCallTool();
    if (this.mcpServer) wrapToolExecution(this.mcpServer, this.recorder, this.dialect);
    // Instrumented after connect(): attach to the live transport; its callbacks are already assigned.
    const transport = this.protocol.transport;
    if (transport) {
      const conn = attachTransport(this, transport);
      wrapCallbacks(this, transport, conn);
    }
  }

  // ── wrappers ──────────────────────────────────────────────────────────────────────────────────────

  // Each wrapper is a plain function (it needs the caller's `this`) delegating to an arrow function
  // created once at install time (it needs this instrumentation): no closure is created per call.
  private wrapRequest(): void {
    const original = this.protocol.request as Fn;
    const outgoing = this.recorder.outgoing;
    const dialect = this.dialect;
    const traced = (self: unknown, args: unknown[]): unknown => {
      const message = args[0] as { method?: unknown; params?: Record<string, unknown> } | undefined;
      let call = this.pendingToolCall;
      let owned = false;
      if (call && message?.method === 'tools/call') {
        this.pendingToolCall = undefined;
      } else if (
        dialect.asyncCallTool &&
        message?.method === 'tools/call' &&
        message.params &&
        (call = this.toolCallsByParams.get(message.params)) !== undefined &&
        !call.sent &&
        !call.ended
      ) {
        this.toolCallsByParams.delete(message.params);
      } else {
        const method = message?.method;
        call =
          typeof method === 'string'
            ? outgoing.start(method, message?.params, dialect.requestOptions(args))
            : undefined;
        owned = true;
      }
      this.sending = call;
      let result: unknown;
      try {
        result = original.apply(self, args);
      } finally {
        this.sending = undefined;
      }
      // A call refused by the pins was decided without being sent: it waits for no later send.
      if (call && !call.sent && call.forcedOutcome === undefined) this.keepUnsent(call);
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
   * that delivers it (see {@link onSend}); a call that ends first leaves the list when it ends. The SDK
   * numbers requests with `_requestMessageId` (private, read only here, off the hot path): the request
   * just made took the id before the current value. Without it the send is matched by method.
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
    const outgoing = this.recorder.outgoing;
    const dialect = this.dialect;
    const traced = (self: unknown, args: unknown[]): unknown => {
      // `Client.callTool(params, …options)`: the request is built inside, so the call starts from its
      // params.
      const params = args[0] as Record<string, unknown> | undefined;
      const call = outgoing.start('tools/call', params, dialect.callToolOptions(args));
      if (dialect.asyncCallTool) {
        if (call && params !== null && typeof params === 'object') this.toolCallsByParams.set(params, call);
      } else {
        this.pendingToolCall = call;
      }
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
    const attach = (transport: unknown): Connection | undefined => {
      try {
        if (transport !== null && typeof transport === 'object')
          return attachTransport(this, transport as TransportLike);
      } catch (error) {
        reportInternalError(error);
      }
      return undefined;
    };
    // MCP SDK 2.x negotiating the protocol era starts the transport under a probe's own callbacks, then
    // assigns the Protocol's without starting it again: they are wrapped once connect() has resolved
    // (a no-op when `start` already wrapped them, as in 1.x).
    const rewrap = (transport: TransportLike, conn: Connection): void => {
      try {
        wrapCallbacks(this, transport, conn);
      } catch (error) {
        reportInternalError(error);
      }
    };
    const connect = function mcpscopeConnect(this: unknown, ...args: unknown[]): unknown {
      const conn = attach(args[0]);
      const result = original.apply(this, args);
      if (conn && result instanceof Promise) {
        const transport = args[0] as TransportLike;
        result.then(
          () => rewrap(transport, conn),
          () => undefined,
        );
      }
      return result;
    };
    markWrapped(connect);
    (this.protocol as { connect: unknown }).connect = connect;
  }

  // ── message dispatch ──────────────────────────────────────────────────────────────────────────────

  /**
   * Everything sent through the transport. Returns the message to send (with trace context injected);
   * a request of a traced call is also left in {@link sentCall} for the wrapped `send`, and a request
   * the pins refuse leaves its answer in {@link refusedReply} instead (it is not sent).
   */
  onSend(
    conn: Connection,
    message: JsonRpcMessage,
    options: Record<string, unknown> | undefined,
  ): JsonRpcMessage {
    if (message === null || typeof message !== 'object') return message;
    const recorder = this.recorder;
    if (message.method !== undefined) {
      if (message.id !== undefined) {
        const pending = this.sending;
        this.sending = undefined;
        // Not sent from inside `request()`: a request the SDK queued for a task, delivered now (in the
        // tasks/result handler), the retry of a multi round-trip call, or one the SDK sends straight
        // to the transport (2.x: the server/discover probe, subscriptions/listen). The core decides.
        const call =
          pending && pending.method === message.method ? pending : recorder.outgoing.claim(conn, message);
        const pins = this.pins;
        if (pins !== undefined) {
          const refused = pins.sending(conn, message, call);
          if (refused !== undefined) {
            this.refusedReply = refused;
            return message;
          }
        }
        if (call) {
          this.sentCall = call;
          return recorder.outgoing.sent(conn, message, call);
        }
        // MCP SDK 2.x ends a listen request's exchange by aborting its `requestSignal`.
        const signal = options?.['requestSignal'];
        return recorder.outgoing.sentWithoutCall(
          conn,
          message,
          signal instanceof AbortSignal ? signal : undefined,
        );
      }
      return recorder.notifications.sent(conn, message, options?.['relatedRequestId']);
    }
    if (message.id !== undefined) recorder.incoming.responded(conn, message);
    return message;
  }

  /** Everything received from the transport. Returns the context to run the Protocol's handling in. */
  onReceive(conn: Connection, message: JsonRpcMessage, extra: unknown): Context | undefined {
    if (message === null || typeof message !== 'object') return undefined;
    const recorder = this.recorder;
    if (message.method === undefined) {
      if (message.id !== undefined) recorder.outgoing.responseReceived(conn, message);
      return undefined;
    }
    if (message.id !== undefined) {
      // Over HTTP the SDK hands the request's headers on (where depends on its major version).
      const headers = conn.info.http ? this.dialect.requestHeaders(extra) : undefined;
      return recorder.incoming.start(conn, message, headers);
    }
    recorder.notifications.received(conn, message);
    return undefined;
  }
}

function watch(result: unknown, call: OutgoingCall): void {
  if (result instanceof Promise) result.then(call.onFulfilled, call.onRejected);
  else call.onFulfilled(result);
}
