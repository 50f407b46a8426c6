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
// Sources today (the 2025 protocol era): `initialize` (the request's `clientInfo`, the result's
// `serverInfo` and `protocolVersion`), the host object's own implementation info, the HTTP
// `Mcp-Protocol-Version` header and the transport's session id. The 2026-07-28 era carries identity in
// each message's `_meta` instead (`io.modelcontextprotocol/protocolVersion` and `…/clientInfo` in
// requests, `…/serverInfo` in results; issue #10): that reader belongs here, beside
// `fromInitializeResult`, called once per message by the recorder and the proxy, so both eras feed the
// same fields and one server keeps one identity.

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
