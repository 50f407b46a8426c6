import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPSCOPE_CLIENT_NAME,
  ATTR_MCPSCOPE_CLIENT_VERSION,
  ATTR_MCPSCOPE_SERVER_NAME,
  ATTR_MCPSCOPE_SERVER_VERSION,
} from '../semconv.js';

// Who is at each end of an MCP session and which protocol they speak, as one observer (an
// instrumented Client or Server, a proxy session) has learnt it, and the span attributes that say so.
//
// Sources: in the 2025 protocol era `initialize` (the request's `clientInfo`, the result's `serverInfo`
// and `protocolVersion`), the host object's own implementation info, the HTTP `Mcp-Protocol-Version`
// header and the transport's session id. The 2026-07-28 era carries identity in each message's `_meta`
// instead (`io.modelcontextprotocol/protocolVersion` and `…/clientInfo` in requests, `…/serverInfo` in
// results; issue #10), read by `fromMeta` once per message, so both eras feed the same fields and one
// server keeps one identity.

/** `_meta` key of the 2026-07-28 era: the protocol version a request is sent in. */
export const META_PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';
/** `_meta` key of the 2026-07-28 era: the client's `Implementation`, on every request. */
export const META_CLIENT_INFO = 'io.modelcontextprotocol/clientInfo';
/** `_meta` key of the 2026-07-28 era: the server's `Implementation`, on every result. */
export const META_SERVER_INFO = 'io.modelcontextprotocol/serverInfo';

/** The two ends of an MCP session. */
export type Side = 'client' | 'server';

/** What one observer knows of a session's two implementations, its protocol version and session id. */
export class SessionIdentity {
  clientName: string | undefined;
  clientVersion: string | undefined;
  serverName: string | undefined;
  serverVersion: string | undefined;
  protocolVersion: string | undefined;
  sessionId: string | undefined;

  /**
   * Takes the `name` and `version` of an `Implementation` object (`clientInfo`, `serverInfo`). Returns
   * false, changing nothing, when `info` is not an object.
   */
  setImplementation(side: Side, info: unknown): boolean {
    if (info === null || typeof info !== 'object') return false;
    const { name, version } = info as { name?: unknown; version?: unknown };
    if (side === 'client') {
      if (typeof name === 'string') this.clientName = name;
      if (typeof version === 'string') this.clientVersion = version;
    } else {
      if (typeof name === 'string') this.serverName = name;
      if (typeof version === 'string') this.serverVersion = version;
    }
    return true;
  }

  /** The server's side of the handshake: the result of `initialize`. */
  fromInitializeResult(result: Record<string, unknown>): void {
    if (typeof result['protocolVersion'] === 'string') this.protocolVersion = result['protocolVersion'];
    this.setImplementation('server', result['serverInfo']);
  }

  /**
   * What one message's `_meta` says of the session (2026-07-28 era): the protocol version and client
   * of a request, the server of a result. Returns true when anything changed, so the caller rebuilds
   * its attribute sets only then (every request of a session carries the same values).
   */
  fromMeta(meta: Record<string, unknown> | undefined): boolean {
    if (meta === undefined) return false;
    let changed = false;
    const version = meta[META_PROTOCOL_VERSION];
    if (typeof version === 'string' && version !== this.protocolVersion) {
      this.protocolVersion = version;
      changed = true;
    }
    const client = meta[META_CLIENT_INFO];
    if (client !== undefined && this.differs('client', client))
      changed = this.setImplementation('client', client) || changed;
    const server = meta[META_SERVER_INFO];
    if (server !== undefined && this.differs('server', server))
      changed = this.setImplementation('server', server) || changed;
    return changed;
  }

  private differs(side: Side, info: unknown): boolean {
    if (info === null || typeof info !== 'object') return false;
    const { name, version } = info as { name?: unknown; version?: unknown };
    // Only fields the message has count: a missing version must not look like a change on every message.
    const [knownName, knownVersion] =
      side === 'client' ? [this.clientName, this.clientVersion] : [this.serverName, this.serverVersion];
    return (
      (typeof name === 'string' && name !== knownName) ||
      (typeof version === 'string' && version !== knownVersion)
    );
  }

  /**
   * The protocol version when it is known from elsewhere (the HTTP `Mcp-Protocol-Version` header), unless
   * the handshake already told. Returns true when it was taken.
   */
  noteProtocolVersion(version: string): boolean {
    if (this.protocolVersion !== undefined) return false;
    this.protocolVersion = version;
    return true;
  }

  /**
   * `mcpscope.client.*`, `mcpscope.server.*`, `mcp.protocol.version` and `mcp.session.id`, as far as
   * they are known.
   */
  attributes(): Attributes {
    const attributes: Attributes = {};
    if (this.clientName !== undefined) attributes[ATTR_MCPSCOPE_CLIENT_NAME] = this.clientName;
    if (this.clientVersion !== undefined) attributes[ATTR_MCPSCOPE_CLIENT_VERSION] = this.clientVersion;
    if (this.serverName !== undefined) attributes[ATTR_MCPSCOPE_SERVER_NAME] = this.serverName;
    if (this.serverVersion !== undefined) attributes[ATTR_MCPSCOPE_SERVER_VERSION] = this.serverVersion;
    if (this.protocolVersion !== undefined) attributes[ATTR_MCP_PROTOCOL_VERSION] = this.protocolVersion;
    if (this.sessionId !== undefined) attributes[ATTR_MCP_SESSION_ID] = this.sessionId;
    return attributes;
  }
}

/**
 * A request's own identity before it tells anything, in a connection many clients share: the server
 * and session of `shared` (one upstream, whoever asks), no client and no protocol version (those
 * belong to each client).
 */
export function serverSideOf(shared: SessionIdentity): SessionIdentity {
  const identity = new SessionIdentity();
  identity.serverName = shared.serverName;
  identity.serverVersion = shared.serverVersion;
  identity.sessionId = shared.sessionId;
  return identity;
}

/**
 * The identity of one request in a connection many clients share (HTTP in front of a sessionless
 * server): what its own `_meta` says, an initialize request's `clientInfo` and `protocolVersion`, and the
 * HTTP `Mcp-Protocol-Version` header (`headerVersion`), over {@link serverSideOf} `shared`. Undefined
 * when the request says nothing of itself.
 */
export function requestIdentity(
  shared: SessionIdentity,
  method: string | undefined,
  params: Record<string, unknown> | undefined,
  meta: Record<string, unknown> | undefined,
  headerVersion: string | undefined,
): SessionIdentity | undefined {
  const identity = serverSideOf(shared);
  let known = identity.fromMeta(meta);
  if (method === 'initialize' && params !== undefined) {
    known = identity.setImplementation('client', params['clientInfo']) || known;
    const asked = params['protocolVersion'];
    if (typeof asked === 'string' && identity.protocolVersion === undefined) {
      identity.protocolVersion = asked;
      known = true;
    }
  }
  if (headerVersion !== undefined) known = identity.noteProtocolVersion(headerVersion) || known;
  return known ? identity : undefined;
}
