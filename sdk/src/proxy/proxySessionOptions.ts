import type { IncomingHttpHeaders } from 'node:http';
import type { Attributes, TextMapPropagator, Tracer } from '@opentelemetry/api';
import type { RequestPeer } from '../core/transport/httpAddresses.js';
import type { FailureOutcome } from '../core/classifyOutcome.js';
import type { PinPolicy } from '../core/pins/PinPolicy.js';
import type { UpstreamServer } from './sessionAttributes.js';
import type { ToolListMemory } from './toolListMemory.js';

// What a ProxySession is told: its options, and what the stdio and HTTP proxies pass along with each
// message (where it came from) and with each request that ended unanswered (how).

/** Options of a `ProxySession`. */
export interface ProxySessionOptions {
  /** Tracer for the session's spans. */
  tracer: Tracer;
  /** Tool-list memory shared by every session in front of the same server. */
  tools: ToolListMemory;
  /** `network.transport`: `pipe` for stdio, `tcp` for HTTP. */
  networkTransport: string;
  /** Propagator for `params._meta`. Defaults to W3C trace context (`defaultPropagator` in core/metaPropagation.ts). */
  propagator?: TextMapPropagator;
  /** `mcpscope.server.command` for stdio servers: their identity, since they have no address. */
  serverCommand?: string;
  /** What every session in front of the same server learns of it (its name and version). */
  upstream?: UpstreamServer;
  /** `mcp.session.id`, when the transport has sessions (Streamable HTTP). */
  sessionId?: string;
  /**
   * The session's requests come from many clients (HTTP in front of a sessionless server): identity is
   * kept per request — from its `_meta`, its `Mcp-Protocol-Version` header, an initialize's
   * `clientInfo` — and never learnt into the session, so one client's name never lands on another's
   * spans. Defaults to false (one client per session: stdio, or an HTTP session id).
   */
  identityPerRequest?: boolean;
  /** Tool pins the proxy holds the server to (`--pins`), shared by every session in front of it. */
  pins?: PinPolicy;
  /** Further attributes for every span of the session (client.address, network.protocol.*). */
  attributes?: Attributes;
  /**
   * How long to wait for a response after notifications/cancelled before ending the request's span as
   * cancelled. A server should not answer a cancelled request, but may already have sent the answer.
   * Defaults to 1000 ms.
   */
  cancelGraceMs?: number;
}

/** How a request ended without a response, for `ProxySession.endScope` and `ProxySession.closeAll`. */
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
  /**
   * The headers of the HTTP request that carried an agent message: its parent when `_meta` has none
   * (`traceparent`), its protocol version (`Mcp-Protocol-Version`), `Mcp-Method` and `Mcp-Name`, the
   * server as the agent addressed it (`Host`).
   */
  headers?: IncomingHttpHeaders | undefined;
  /** What the socket of that HTTP request tells (`client.address`/`client.port`, TLS). */
  peer?: RequestPeer | undefined;
  /** Further attributes for spans started by this message (network.protocol.version of an HTTP request). */
  attributes?: Attributes;
}
