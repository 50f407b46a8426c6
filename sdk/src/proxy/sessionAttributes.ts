import type { Attributes } from '@opentelemetry/api';
import { META_SERVER_INFO, SessionIdentity } from '../core/identity.js';
import { isObject, type JsonObject } from '../core/jsonRpc.js';
import { Connection, type TransportInfo } from '../core/recorder/calls.js';
import type { SpanRecorder } from '../core/recorder/SpanRecorder.js';
import { namedServerCommand } from '../core/serverCommand.js';
import {
  ATTR_MCPSCOPE_SERVER_COMMAND,
  ATTR_MCPSCOPE_SOURCE,
  ATTR_MCPSCOPE_TRANSPORT_KIND,
  ATTR_NETWORK_TRANSPORT,
  NETWORK_TRANSPORT_PIPE,
  TRANSPORT_KIND_STDIO,
  TRANSPORT_KIND_STREAMABLE_HTTP,
} from '../semconv.js';
import type { ProxySessionOptions } from './proxySessionOptions.js';
import { SOURCE_PROXY } from './proxySpans.js';

// A proxy session as the core recorder sees it: one connection, whose attributes every span carries
// (the proxy's source, the network transport, the server's command, the caller's extras) and whose
// session id the HTTP server assigns; and what only a proxy knows of the server's identity: which
// command names it, and what the proxy's other sessions learnt of it. Identity itself (from initialize,
// from each message's `_meta`, per request when clients share a session) is the recorder's.

/**
 * What a proxy knows of the one server it fronts, shared by all its sessions: a sessionless server's
 * initialize is answered on one exchange and its later requests come on others, yet it is the same
 * server. Only the server's name and version are shared; clients and protocol versions never are.
 */
export class UpstreamServer {
  readonly identity = new SessionIdentity();
  /** Bumped on every change, so sessions take it only then. */
  revision = 0;

  /** Takes the server's `Implementation` from a result (initialize's `serverInfo`, `_meta`'s). */
  learn(info: unknown): void {
    if (info !== undefined && this.identity.fromMeta({ [META_SERVER_INFO]: info })) this.revision++;
  }
}

/** The connection of one proxy session, and the server's names (see the module comment). */
export class SessionAttributes {
  readonly conn: Connection;
  private readonly transport: { sessionId: string | undefined };
  private readonly attributes: Attributes;
  /** The proxy's own command line for the server it launched (stdio), from its options. */
  private readonly ownCommand: string | undefined;
  private readonly upstream: UpstreamServer | undefined;
  private upstreamRevision = 0;
  /** Whether this session's own messages named the server (then the shared name never overrides it). */
  private toldServer = false;

  constructor(
    options: ProxySessionOptions,
    private readonly recorder: SpanRecorder,
  ) {
    this.upstream = options.upstream;
    this.ownCommand = options.serverCommand;
    this.transport = { sessionId: options.sessionId };
    const stdio = options.networkTransport === NETWORK_TRANSPORT_PIPE;
    const kind = stdio ? TRANSPORT_KIND_STDIO : TRANSPORT_KIND_STREAMABLE_HTTP;
    this.attributes = {
      [ATTR_MCPSCOPE_SOURCE]: SOURCE_PROXY,
      [ATTR_MCPSCOPE_TRANSPORT_KIND]: kind,
      [ATTR_NETWORK_TRANSPORT]: options.networkTransport,
      ...(options.serverCommand !== undefined
        ? { [ATTR_MCPSCOPE_SERVER_COMMAND]: options.serverCommand }
        : {}),
      ...options.attributes,
    };
    const info: TransportInfo = {
      kind,
      http: !stdio,
      inMemory: false,
      attributes: this.attributes,
    };
    // Sizes come from the proxy's framing, never from a second serialization.
    this.conn = new Connection(this.transport, info, false);
    recorder.attach(this.conn);
  }

  /** Takes what the proxy's other sessions learnt of the server, unless this session's own messages told. */
  sync(): void {
    const upstream = this.upstream;
    if (upstream === undefined || upstream.revision === this.upstreamRevision) return;
    this.upstreamRevision = upstream.revision;
    if (this.toldServer) return;
    const { serverName, serverVersion } = upstream.identity;
    this.recorder.setImplementation('server', { name: serverName, version: serverVersion });
  }

  /**
   * A tools/list on its way to the server (core/serverCommand.ts): when its `_meta` names the server,
   * that name — the outermost launcher's — becomes the session's `mcpscope.server.command`, and nothing
   * is to be added; else returns the proxy's own command, for the caller to write into the request
   * (undefined when the proxy knows none: HTTP).
   */
  nameServer(meta: Record<string, unknown> | undefined): string | undefined {
    const named = namedServerCommand(meta);
    if (named === undefined) return this.ownCommand;
    if (this.attributes[ATTR_MCPSCOPE_SERVER_COMMAND] !== named) {
      this.attributes[ATTR_MCPSCOPE_SERVER_COMMAND] = named;
      this.recorder.rebuildBase();
    }
    return undefined;
  }

  /** The session id the server assigned (it arrives with the initialize response). */
  setSessionId(sessionId: string): void {
    this.transport.sessionId = sessionId;
    this.recorder.refreshSession(this.conn);
  }

  /**
   * A result passed from the server: what it says of the server (initialize's `serverInfo`, the
   * 2026-07-28 era's `_meta`) is what this session knows best, and what the proxy's other sessions learn.
   */
  serverAnswered(method: string, result: JsonObject): void {
    const meta = result['_meta'];
    const info =
      method === 'initialize' ? result['serverInfo'] : isObject(meta) ? meta[META_SERVER_INFO] : undefined;
    if (info === undefined) return;
    this.toldServer = true;
    this.upstream?.learn(info);
  }

  /** A message from the agent whose `_meta` names the server: this session knows it from then on. */
  clientNamedServer(meta: Record<string, unknown> | undefined): void {
    const info = meta?.[META_SERVER_INFO];
    if (info === undefined) return;
    this.toldServer = true;
    this.upstream?.learn(info);
  }
}
