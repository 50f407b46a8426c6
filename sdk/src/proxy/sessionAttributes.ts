import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { META_SERVER_INFO, SessionIdentity } from '../core/identity.js';
import { isObject, type JsonObject, type JsonRpcLike } from '../core/jsonRpc.js';
import { namedServerCommand } from '../core/serverCommand.js';
import {
  ATTR_MCPSCOPE_LAYER,
  ATTR_MCPSCOPE_SERVER_COMMAND,
  ATTR_MCPSCOPE_SOURCE,
  ATTR_NETWORK_TRANSPORT,
  LAYER_SERVER,
} from '../semconv.js';
import type { ProxyRequest } from './proxyRequests.js';
import type { ProxySessionOptions } from './proxySessionOptions.js';
import { SOURCE_PROXY } from './proxySpans.js';

// The attributes every span of one proxy session carries: the proxy's own (source, layer, transport,
// the server's command) and the session's identity as the core learns it (from the initialize exchange,
// or from each message's `_meta` in the 2026-07-28 era), kept ready as entries so each span sets them one
// by one, without copies. A session whose requests come from many clients (a sessionless HTTP server)
// keeps no shared identity: each request gets its own (`forRequest`), so clients never mix.

/**
 * What a proxy knows of the one server it fronts, shared by all its sessions: a sessionless server's
 * initialize is answered on one exchange and its later requests come on others, yet it is the same
 * server. Only the server's name and version are shared; clients and protocol versions never are.
 */
export class UpstreamServer {
  readonly identity = new SessionIdentity();
  /** Bumped on every change, so sessions rebuild their entries only then. */
  revision = 0;

  /** Takes the server's `Implementation` from a result (initialize's `serverInfo`, `_meta`'s). */
  learn(info: unknown): void {
    if (info !== undefined && this.identity.fromMeta({ [META_SERVER_INFO]: info })) this.revision++;
  }
}

/** What every span of a proxy session carries (see the module comment). */
export class SessionAttributes {
  /** Who the session's client and server are, as their initialize exchange told. */
  readonly identity = new SessionIdentity();
  private built: ReadonlyArray<[string, AttributeValue]>;
  private fixed: Attributes;
  /** The proxy's own command line for the server it launched (stdio), from its options. */
  private readonly ownCommand: string | undefined;
  private readonly upstream: UpstreamServer | undefined;
  private readonly perRequest: boolean;
  private upstreamRevision = 0;
  /** Whether this session's own messages named the server (then the shared name never overrides it). */
  private toldServer = false;

  constructor(options: ProxySessionOptions) {
    this.upstream = options.upstream;
    this.perRequest = options.identityPerRequest === true;
    this.identity.sessionId = options.sessionId;
    this.ownCommand = options.serverCommand;
    this.fixed = {
      [ATTR_MCPSCOPE_SOURCE]: SOURCE_PROXY,
      [ATTR_MCPSCOPE_LAYER]: LAYER_SERVER,
      [ATTR_NETWORK_TRANSPORT]: options.networkTransport,
      ...(options.serverCommand !== undefined
        ? { [ATTR_MCPSCOPE_SERVER_COMMAND]: options.serverCommand }
        : {}),
      ...options.attributes,
    };
    this.built = this.build();
  }

  /** Attributes of every span of the session, as entries: set one by one, without copies. */
  get entries(): ReadonlyArray<[string, AttributeValue]> {
    const upstream = this.upstream;
    if (upstream !== undefined && upstream.revision !== this.upstreamRevision) {
      this.upstreamRevision = upstream.revision;
      // What the session's own handshake told is what it knows best.
      if (!this.toldServer) {
        this.identity.serverName = upstream.identity.serverName;
        this.identity.serverVersion = upstream.identity.serverVersion;
        this.built = this.build();
      }
    }
    return this.built;
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
    if (this.fixed[ATTR_MCPSCOPE_SERVER_COMMAND] !== named) {
      this.fixed = { ...this.fixed, [ATTR_MCPSCOPE_SERVER_COMMAND]: named };
      this.built = this.build();
    }
    return undefined;
  }

  setSessionId(sessionId: string): void {
    this.identity.sessionId = sessionId;
    this.built = this.build();
  }

  /** The protocol version from elsewhere (the HTTP `Mcp-Protocol-Version` header), unless known. */
  noteProtocolVersion(version: string): void {
    if (this.identity.noteProtocolVersion(version)) this.built = this.build();
  }

  /**
   * What a message's `_meta` says of the session (see `SessionIdentity.fromMeta`); the entries are rebuilt
   * only when it changed (then it returns true), so a session whose every request carries the same
   * identity pays one compare.
   */
  private noteMeta(meta: Record<string, unknown> | undefined): boolean {
    const server = meta?.[META_SERVER_INFO];
    if (server !== undefined) {
      this.toldServer = true;
      this.upstream?.learn(server);
    }
    if (!this.identity.fromMeta(meta)) return false;
    this.built = this.build();
    return true;
  }

  /**
   * The identity of one request of a session shared by many clients: what its own `_meta` says, its
   * HTTP `Mcp-Protocol-Version` header, and an initialize request's `clientInfo`. Returns undefined
   * when the request says nothing of itself (the session's fixed entries apply then).
   */
  private forRequest(
    msg: JsonRpcLike,
    meta: Record<string, unknown> | undefined,
    protocolVersion: string | undefined,
  ): SessionIdentity | undefined {
    const identity = this.requestIdentity();
    let known = identity.fromMeta(meta);
    if (msg.method === 'initialize' && isObject(msg.params)) {
      known = identity.setImplementation('client', msg.params['clientInfo']) || known;
      const asked = msg.params['protocolVersion'];
      if (typeof asked === 'string' && identity.protocolVersion === undefined) {
        identity.protocolVersion = asked;
        known = true;
      }
    }
    if (protocolVersion !== undefined) known = identity.noteProtocolVersion(protocolVersion) || known;
    return known ? identity : undefined;
  }

  /**
   * A request's own identity before it tells anything: the session's server (one upstream, whoever
   * asks) and session id, no client and no protocol version (those belong to each client).
   */
  private requestIdentity(): SessionIdentity {
    void this.entries; // takes what other sessions learnt of the upstream server
    const identity = new SessionIdentity();
    identity.serverName = this.identity.serverName;
    identity.serverVersion = this.identity.serverVersion;
    identity.sessionId = this.identity.sessionId;
    return identity;
  }

  /** The server's `Implementation` from a result, learnt for the whole session (see `requestIdentity`). */
  private learnServerInfo(info: unknown): void {
    if (info === undefined) return;
    this.toldServer = true;
    this.upstream?.learn(info);
    if (info !== undefined && this.identity.fromMeta({ [META_SERVER_INFO]: info })) this.built = this.build();
  }

  /**
   * The attributes a message's span starts with. One client per session: the session's, after what the
   * message tells of its client (initialize's `clientInfo`, the `_meta` of the 2026-07-28 era, the
   * `Mcp-Protocol-Version` header) has been learnt. Many clients per session (`identityPerRequest`):
   * the message's own identity, or, for one from the server, that of the agent request it belongs to.
   */
  ofMessage(
    msg: JsonRpcLike,
    meta: JsonObject | undefined,
    protocolVersion: string | undefined,
    fromClient: boolean,
    asker: () => ProxyRequest | undefined,
  ): { common: ReadonlyArray<[string, AttributeValue]>; identity?: SessionIdentity } {
    if (!this.perRequest) {
      if (fromClient) {
        if (msg.method === 'initialize') this.learnClient(msg);
        this.noteMeta(meta);
        if (protocolVersion !== undefined) this.noteProtocolVersion(protocolVersion);
      }
      return { common: this.entries };
    }
    if (!fromClient) return { common: asker()?.common ?? this.entries };
    const identity = this.forRequest(msg, meta, protocolVersion);
    if (identity === undefined) return { common: this.entries };
    return { common: this.build(identity), identity };
  }

  /**
   * What a result tells of the server (initialize's `serverInfo` and version; the 2026-07-28 era's
   * `_meta` serverInfo), set on the request's span and learnt into the session, or, with
   * `identityPerRequest`, into the request's own identity (only the server's name is shared then).
   */
  fromResult(entry: ProxyRequest, result: JsonObject, resultMeta: JsonObject | undefined): void {
    if (this.perRequest) {
      const identity = (entry.identity ??= this.requestIdentity());
      if (entry.method === 'initialize') identity.fromInitializeResult(result);
      identity.fromMeta(resultMeta);
      entry.span.setAttributes(identity.attributes());
      this.learnServerInfo(
        entry.method === 'initialize' ? result['serverInfo'] : resultMeta?.[META_SERVER_INFO],
      );
      return;
    }
    let changed = false;
    if (entry.method === 'initialize') {
      this.learnServer(result);
      changed = true;
    }
    if (this.noteMeta(resultMeta)) changed = true;
    if (changed) entry.span.setAttributes(this.identity.attributes());
  }

  /** The agent's initialize request: its `clientInfo`. */
  private learnClient(msg: JsonRpcLike): void {
    const params = msg.params;
    if (!isObject(params) || !isObject(params['clientInfo'])) return;
    this.identity.setImplementation('client', params['clientInfo']);
    this.built = this.build();
  }

  /** The server's initialize result; returns the identity attributes for the initialize span. */
  private learnServer(result: JsonObject): Attributes {
    this.toldServer = true;
    this.identity.fromInitializeResult(result);
    this.upstream?.learn(result['serverInfo']);
    this.built = this.build();
    return this.identity.attributes();
  }

  private build(identity: SessionIdentity = this.identity): Array<[string, AttributeValue]> {
    const out: Attributes = { ...this.fixed, ...identity.attributes() };
    const entries: Array<[string, AttributeValue]> = [];
    for (const [key, value] of Object.entries(out)) if (value !== undefined) entries.push([key, value]);
    return entries;
  }
}
