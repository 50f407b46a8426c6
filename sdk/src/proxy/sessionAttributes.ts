import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { SessionIdentity } from '../core/identity.js';
import { isObject, type JsonObject, type JsonRpcLike } from '../core/jsonRpc.js';
import {
  ATTR_MCPSCOPE_LAYER,
  ATTR_MCPSCOPE_SERVER_COMMAND,
  ATTR_MCPSCOPE_SOURCE,
  ATTR_NETWORK_TRANSPORT,
  LAYER_SERVER,
} from '../semconv.js';
import type { ProxySessionOptions } from './proxySessionOptions.js';
import { SOURCE_PROXY } from './proxySpans.js';

// The attributes every span of one proxy session carries: the proxy's own (source, layer, transport,
// the server's command) and the session's identity as the core learns it from the initialize exchange,
// kept ready as entries so each span sets them one by one, without copies.

/** What every span of a proxy session carries (see the module comment). */
export class SessionAttributes {
  /** Who the session's client and server are, as their initialize exchange told. */
  readonly identity = new SessionIdentity();
  /** Attributes of every span of the session, as entries: set one by one, without copies. */
  entries: ReadonlyArray<[string, AttributeValue]>;
  private readonly fixed: Attributes;

  constructor(options: ProxySessionOptions) {
    this.identity.sessionId = options.sessionId;
    this.fixed = {
      [ATTR_MCPSCOPE_SOURCE]: SOURCE_PROXY,
      [ATTR_MCPSCOPE_LAYER]: LAYER_SERVER,
      [ATTR_NETWORK_TRANSPORT]: options.networkTransport,
      ...(options.serverCommand !== undefined
        ? { [ATTR_MCPSCOPE_SERVER_COMMAND]: options.serverCommand }
        : {}),
      ...options.attributes,
    };
    this.entries = this.build();
  }

  setSessionId(sessionId: string): void {
    this.identity.sessionId = sessionId;
    this.entries = this.build();
  }

  /** The protocol version from elsewhere (the HTTP `Mcp-Protocol-Version` header), unless known. */
  noteProtocolVersion(version: string): void {
    if (this.identity.noteProtocolVersion(version)) this.entries = this.build();
  }

  /** The agent's initialize request: its `clientInfo`. */
  learnClient(msg: JsonRpcLike): void {
    const params = msg.params;
    if (!isObject(params) || !isObject(params['clientInfo'])) return;
    this.identity.setImplementation('client', params['clientInfo']);
    this.entries = this.build();
  }

  /** The server's initialize result; returns the identity attributes for the initialize span. */
  learnServer(result: JsonObject): Attributes {
    this.identity.fromInitializeResult(result);
    this.entries = this.build();
    return this.identity.attributes();
  }

  private build(): Array<[string, AttributeValue]> {
    const out: Attributes = { ...this.fixed, ...this.identity.attributes() };
    const entries: Array<[string, AttributeValue]> = [];
    for (const [key, value] of Object.entries(out)) if (value !== undefined) entries.push([key, value]);
    return entries;
  }
}
