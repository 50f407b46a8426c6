import { propagation, type Attributes, type Span, type TextMapPropagator } from '@opentelemetry/api';
import { captureAttributes } from '../content/capture.js';
import { requestIdentity, SessionIdentity, type Side } from '../identity.js';
import type { JsonRpcMessage } from '../jsonRpc.js';
import { headerValue } from '../metaPropagation.js';
import type { ResolvedOptions } from '../options.js';
import { noteCreatedTask, TaskMemory, taskResultStatus } from '../tasks/TaskMemory.js';
import { annotationAttributes, ToolAnnotationMemory } from '../tools/toolAnnotations.js';
import { toolSetAttributes, toolSetTracker, type ToolSetTracker } from '../tools/toolSetTracker.js';
import {
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCPSCOPE_LAYER,
  ATTR_MCPSCOPE_PROMPT_ARGUMENTS,
  ATTR_MCPSCOPE_SERVER_COMMAND,
  ATTR_MCPSCOPE_TOOLS_COUNT,
  ATTR_NETWORK_TRANSPORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  LAYER_CLIENT,
  LAYER_SERVER,
  LAYER_TRANSPORT,
  TRANSPORT_KIND_STDIO,
} from '../../semconv.js';
import type { Connection } from './calls.js';
import { IncomingRequestRecorder } from './IncomingRequestRecorder.js';
import { InputRequestRecorder } from './InputRequestRecorder.js';
import { NotificationRecorder } from './NotificationRecorder.js';
import { OutgoingRequestRecorder } from './OutgoingRequestRecorder.js';
import { RequestShapes } from './RequestShapes.js';
import { recordCacheHints } from './resultAttributes.js';
import { SubscriptionRecorder } from './SubscriptionRecorder.js';

// The message-level span recorder of one MCP endpoint (an instrumented Client or Server): what it
// shares between its directions (identity, the attribute sets every span starts with, request shapes,
// tool annotations, the current connection) and the results both directions read. The per-direction
// work is in OutgoingRequestRecorder (CLIENT and transport spans), IncomingRequestRecorder (SERVER
// spans) and NotificationRecorder. It knows nothing of how messages are intercepted: an adapter calls
// it with the messages it sees and the connection they travel on.

/** Which end of the MCP session the recorded endpoint is. */
export type Role = Side;

/** A server's registered tools, when the host knows them (an McpServer knows its own annotations). */
export interface RegisteredTools {
  /** The registration of `tool` (its `annotations`), or undefined for a tool that is not registered. */
  registeredTool(tool: string): { annotations?: unknown } | undefined;
}

/**
 * How an observer that is not itself an MCP SDK endpoint differs from one: `mcpscope proxy`, which sees
 * the messages of a server it does not run. The SDK adapters pass none of it.
 */
export interface ObserverSetup {
  /** Reads trace context from `_meta` and HTTP headers. Defaults to the global propagator. */
  propagator?: Pick<TextMapPropagator, 'extract'>;
  /**
   * `mcpscope.layer` of every span, whatever its kind. Defaults to the span's own side (client for what
   * this endpoint sends, server for what it receives); the proxy stands at the server's layer both ways.
   */
  layer?: string;
  /** Where tool-set fingerprints are remembered. Defaults to the process's (`toolSetTracker`). */
  toolSets?: ToolSetTracker;
  /** Annotations learnt from tools/list results, shared by observers of one server. Defaults to this recorder's own. */
  toolAnnotations?: ToolAnnotationMemory;
  /**
   * Many clients share the connection (HTTP in front of a sessionless server): identity is kept per
   * request (`IncomingCall.identity`) and never learnt into the recorder's, so clients never mix.
   */
  identityPerRequest?: boolean;
  /**
   * Whether an isError tool result's text becomes the span's status message. Defaults to true; the proxy
   * fronts servers whose content policy it does not know and records no tool output.
   */
  toolErrorText?: boolean;
}

/** Traces the MCP messages of one endpoint; the adapter feeds it (see the module comment). */
export class SpanRecorder {
  /** The connection messages currently travel on (a Protocol object has one transport at a time). */
  conn: Connection | undefined;
  readonly identity = new SessionIdentity();
  /** Whether the host's tool execution is observed (so an isError without it is the caller's fault). */
  tracksToolHandler = false;

  // The attributes every span starts with, by layer, and the request shapes of this connection's
  // transport: rebuilt when the connection or the identity changes, read on every call.
  outgoingBase: Attributes = {};
  incomingBase: Attributes = {};
  transportBase: Attributes = {};
  networkTransport: string | undefined;
  shapes = new RequestShapes('unknown', undefined);
  /** Annotations of the peer's tools, learnt from its tools/list results (copied onto tools/call spans). */
  readonly toolAnnotations: ToolAnnotationMemory;
  /** Extracts trace context from received messages (see ObserverSetup.propagator). */
  readonly propagator: Pick<TextMapPropagator, 'extract'>;
  /** See ObserverSetup.identityPerRequest. */
  readonly identityPerRequest: boolean;
  /** See ObserverSetup.toolErrorText. */
  readonly toolErrorText: boolean;
  private readonly toolSets: ToolSetTracker;
  private readonly layer: string | undefined;

  /** Requests this endpoint sends: CLIENT spans and their transport spans. */
  readonly outgoing: OutgoingRequestRecorder;
  /** Requests this endpoint receives: SERVER spans. */
  readonly incoming: IncomingRequestRecorder;
  /** Notifications in either direction: events on a request's span, or short spans of their own. */
  readonly notifications: NotificationRecorder;
  /** Multi round-trip calls (2026-07-28): the input their results ask for, and their retries. */
  readonly inputs: InputRequestRecorder;
  /** subscriptions/listen requests this endpoint opens (2026-07-28). */
  readonly subscriptions: SubscriptionRecorder;
  /** The span that created each task this side of the process saw created (Tasks, both eras). */
  readonly tasks: TaskMemory;

  constructor(
    readonly role: Role,
    readonly opts: ResolvedOptions,
    /** The host's own tools, when it registers them (their annotations are not learnt from tools/list). */
    readonly registeredTools?: RegisteredTools,
    setup: ObserverSetup = {},
  ) {
    this.propagator = setup.propagator ?? propagation;
    this.layer = setup.layer;
    this.toolSets = setup.toolSets ?? toolSetTracker;
    this.toolAnnotations = setup.toolAnnotations ?? new ToolAnnotationMemory();
    this.identityPerRequest = setup.identityPerRequest === true;
    this.toolErrorText = setup.toolErrorText !== false;
    this.outgoing = new OutgoingRequestRecorder(this);
    this.incoming = new IncomingRequestRecorder(this);
    this.notifications = new NotificationRecorder(this);
    this.tasks = TaskMemory.of(role);
    this.inputs = new InputRequestRecorder(this);
    this.subscriptions = new SubscriptionRecorder(this);
    this.rebuildBase();
  }

  // ── connection ────────────────────────────────────────────────────────────────────────────────────

  /** Messages now travel on `conn`. */
  attach(conn: Connection): void {
    this.conn = conn;
    this.rebuildBase();
  }

  /** Whether the peer is a child process this process spawned: the server of a stdio client transport. */
  peerIsChild(conn: Connection): boolean {
    return this.role === 'client' && conn.info.kind === TRANSPORT_KIND_STDIO;
  }

  /** The connection closed: requests still being handled end as closed; the session histogram records. */
  closed(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    this.incoming.closeAll(conn);
    if (conn.subscriptions.size > 0) this.subscriptions.closeAll(conn);
    this.outgoing.closeDirect(conn);
    const seconds = (performance.now() - conn.startedAt) / 1000;
    const attributes: Attributes = {};
    if (this.networkTransport) attributes[ATTR_NETWORK_TRANSPORT] = this.networkTransport;
    const protocolVersion = this.identity.protocolVersion;
    if (protocolVersion) attributes[ATTR_MCP_PROTOCOL_VERSION] = protocolVersion;
    (this.role === 'client' ? this.opts.metrics.clientSession : this.opts.metrics.serverSession).record(
      seconds,
      attributes,
    );
    if (this.conn === conn) this.conn = undefined;
  }

  // ── results ───────────────────────────────────────────────────────────────────────────────────────

  /**
   * What a successful result adds to its span, on either side. For tools/list, `result` is the result as
   * it came over the wire (fingerprints cover what the server sent, not what the SDK parsed),
   * `listCursor` the page the request asked for; `learnAnnotations` says whether this side learns tool
   * annotations from it (an McpServer knows its own); `serverCommand` the command the request named the
   * server by (core/serverCommand.ts), when it is not the client transport's own.
   */
  afterResult(
    method: string,
    result: Record<string, unknown>,
    listCursor: unknown,
    conn: Connection | undefined,
    learnAnnotations: boolean,
    span: Span,
    serverCommand?: string,
  ): void {
    switch (method) {
      case 'initialize':
        // Identity kept per request is learnt by the request (IncomingRequestRecorder).
        if (this.identityPerRequest) break;
        this.onInitializeResult(result);
        span.setAttributes(this.identity.attributes());
        break;
      case 'tools/list': {
        recordCacheHints(span, result);
        const tools = Array.isArray(result['tools']) ? (result['tools'] as unknown[]) : [];
        if (learnAnnotations) this.toolAnnotations.learn(tools, listCursor === undefined);
        const nextCursor = result['nextCursor'];
        const wholeSet = conn
          ? conn.toolPages.page(listCursor, tools, nextCursor)
          : typeof nextCursor === 'string' || listCursor !== undefined
            ? undefined
            : tools;
        span.setAttributes(
          wholeSet
            ? this.toolsListAttributes(wholeSet, serverCommand)
            : { [ATTR_MCPSCOPE_TOOLS_COUNT]: tools.length },
        );
        break;
      }
      case 'tools/call':
        if (this.opts.capture)
          span.setAttributes(captureAttributes(ATTR_GEN_AI_TOOL_CALL_RESULT, result, this.opts.capture));
        // 2025-11-25 tasks: a task-augmented call is answered with the task it created.
        if (result['task'] !== undefined) noteCreatedTask(this.tasks, result, span);
        break;
      case 'prompts/list':
      case 'resources/list':
      case 'resources/templates/list':
      case 'resources/read':
        recordCacheHints(span, result);
        break;
      case 'server/discover':
        // 2026-07-28 era: the server's identity is in the result's `_meta` (a body `serverInfo` in
        // drafts before it), so this span and every later one name the server.
        this.setImplementation('server', result['serverInfo']);
        span.setAttributes(this.identity.attributes());
        recordCacheHints(span, result);
        break;
      default:
        if (method.startsWith('tasks/')) taskResultStatus(span, result);
        else if (result['task'] !== undefined) noteCreatedTask(this.tasks, result, span);
        break;
    }
  }

  /** Annotations of a tool this server is called for: its registration's, else the last tools/list's. */
  serverToolAnnotations(tool: string): Attributes | undefined {
    const registered = this.registeredTools?.registeredTool(tool);
    if (registered) return annotationAttributes(registered.annotations);
    return this.toolAnnotations.get(tool);
  }

  addCapturedArguments(span: Span, method: string, params: Record<string, unknown> | undefined): void {
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
   * differs from the last one seen for this server identity (name + address or command): a server named
   * by a new command is a new history in the collector, which needs the definitions once.
   */
  private toolsListAttributes(tools: readonly unknown[], serverCommand: string | undefined): Attributes {
    const where = this.conn?.info.attributes;
    const key = [
      this.role,
      this.identity.serverName ?? '',
      where?.[ATTR_SERVER_ADDRESS] ?? '',
      where?.[ATTR_SERVER_PORT] ?? '',
      serverCommand ?? where?.[ATTR_MCPSCOPE_SERVER_COMMAND] ?? '',
    ].join('|');
    return toolSetAttributes(tools, this.toolSets, key);
  }

  // ── shared attributes ─────────────────────────────────────────────────────────────────────────────

  onInitializeResult(result: Record<string, unknown>): void {
    this.identity.fromInitializeResult(result);
    if (this.conn) this.refreshSession(this.conn);
    this.rebuildBase();
  }

  /** Takes one side's `Implementation` (`clientInfo`, `serverInfo`, the host's own). */
  setImplementation(side: Side, info: unknown): void {
    if (this.identity.setImplementation(side, info)) this.rebuildBase();
  }

  /**
   * What a received message (request or notification) tells of the session: the 2026-07-28 era's `_meta`
   * (protocol version, client), the HTTP `Mcp-Protocol-Version` header unless the version is known, an
   * initialize request's `clientInfo`. When identity is kept per request, nothing is learnt and the
   * message's own identity is returned instead (undefined when it says nothing of itself).
   */
  learnFromReceived(
    message: JsonRpcMessage,
    meta: Record<string, unknown> | undefined,
    headers: unknown,
  ): SessionIdentity | undefined {
    if (this.identityPerRequest) {
      const version = headers !== undefined ? headerValue(headers, 'mcp-protocol-version') : undefined;
      return requestIdentity(this.identity, message.method, message.params, meta, version);
    }
    if (meta !== undefined) this.noteMeta(meta);
    if (headers !== undefined && this.identity.protocolVersion === undefined) {
      const version = headerValue(headers, 'mcp-protocol-version');
      if (version) this.noteProtocolVersion(version);
    }
    if (message.method === 'initialize' && message.params)
      this.setImplementation('client', message.params['clientInfo']);
    return undefined;
  }

  /** The attributes a span of `identity` starts with (what `incomingBase`/`outgoingBase` are for the recorder's own). */
  baseOf(identity: SessionIdentity, incoming: boolean): Attributes {
    return {
      ...this.conn?.info.attributes,
      ...identity.attributes(),
      [ATTR_MCPSCOPE_LAYER]: this.layer ?? (incoming ? LAYER_SERVER : LAYER_CLIENT),
    };
  }

  /**
   * Takes what a message's `_meta` says of the session (2026-07-28 era, see `SessionIdentity.fromMeta`).
   * Returns true when the identity changed (the attribute sets are rebuilt then, not per message).
   */
  noteMeta(meta: Record<string, unknown> | undefined): boolean {
    if (!this.identity.fromMeta(meta)) return false;
    this.rebuildBase();
    return true;
  }

  /** Forgets the protocol version (a server/discover probe offered it and was refused). */
  forgetProtocolVersion(): void {
    if (this.identity.protocolVersion === undefined) return;
    this.identity.protocolVersion = undefined;
    this.rebuildBase();
  }

  /** Takes the protocol version of an HTTP request's `Mcp-Protocol-Version` header, unless known. */
  noteProtocolVersion(version: string): void {
    if (this.identity.noteProtocolVersion(version)) this.rebuildBase();
  }

  refreshSession(conn: Connection): void {
    const sessionId = conn.transport.sessionId;
    if (sessionId !== this.identity.sessionId) {
      this.identity.sessionId = sessionId;
      this.rebuildBase();
    }
  }

  /**
   * Precomputes the attribute sets every span starts with, so the hot path copies one object. Called
   * again by an adapter that changed the connection's attributes (`conn.info.attributes`).
   */
  rebuildBase(): void {
    const common: Attributes = { ...this.conn?.info.attributes, ...this.identity.attributes() };
    const network = common[ATTR_NETWORK_TRANSPORT];
    this.networkTransport = typeof network === 'string' ? network : undefined;
    const kind = this.conn?.info.kind ?? 'unknown';
    if (this.shapes.transportKind !== kind || this.shapes.networkTransport !== this.networkTransport)
      this.shapes = new RequestShapes(kind, this.networkTransport);
    const layer = this.layer;
    this.outgoingBase = { ...common, [ATTR_MCPSCOPE_LAYER]: layer ?? LAYER_CLIENT };
    this.incomingBase = { ...common, [ATTR_MCPSCOPE_LAYER]: layer ?? LAYER_SERVER };
    this.transportBase = { ...common, [ATTR_MCPSCOPE_LAYER]: layer ?? LAYER_TRANSPORT };
  }
}
