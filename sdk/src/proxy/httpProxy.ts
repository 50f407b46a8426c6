import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { diag, type TextMapPropagator, type Tracer } from '@opentelemetry/api';
import { defaultPropagator } from '../core/metaPropagation.js';
import { requestPeer } from '../core/transport/httpAddresses.js';
import { PinPolicy } from '../core/pins/PinPolicy.js';
import { ATTR_NETWORK_PROTOCOL_NAME, NETWORK_TRANSPORT_TCP } from '../semconv.js';
import { forwardExchange, type Upstream } from './forwardExchange.js';
import {
  answerLocally,
  containsInitialize,
  forwardHeaders,
  headerValue,
  parseJson,
  peerAttributes,
  withoutTrailingSlash,
} from './httpMessages.js';
import { DEFAULT_LISTEN_HOST, DEFAULT_LISTEN_PORT } from './parseProxyArgs.js';
import type { ProxyPinOptions } from './pinGuard.js';
import { ProxySession } from './proxySession.js';
import type { MessageInfo, ProxySessionOptions } from './proxySessionOptions.js';
import { DEFAULT_MAX_BODY_BYTES, readLimitedBody, refuseOversizeBody } from './readLimitedBody.js';
import { UpstreamServer } from './sessionAttributes.js';
import { ToolListMemory } from './toolListMemory.js';

/** Options of {@link startHttpProxy}. */
export interface HttpProxyOptions {
  /** The upstream MCP endpoint, e.g. `http://localhost:3000/mcp`. */
  upstream: string | URL;
  /** Tracer for the proxy's spans (see `createProxyTracing`). */
  tracer: Tracer;
  /** Interface to listen on. Defaults to 127.0.0.1: the proxy forwards credentials, so it is local unless asked. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Defaults to 8080. */
  port?: number;
  /** Propagator for `params._meta` and the `traceparent` header. Defaults to W3C trace context. */
  propagator?: TextMapPropagator;
  /** Wait for a response after a cancel before ending the span as cancelled. Defaults to 1000 ms. */
  cancelGraceMs?: number;
  /**
   * Sessions remembered at once (server and client identity, in-flight requests). The oldest is
   * forgotten beyond this, so clients that never send DELETE cannot grow memory without bound.
   * Defaults to 10 000.
   */
  maxSessions?: number;
  /**
   * Largest POST body the proxy reads, in bytes; a larger one is answered 413 without reaching the
   * server. The proxy holds a POST whole before forwarding it (it adds trace context to its requests),
   * so without a cap one client could make it buffer without bound. Defaults to 4 MiB
   * ({@link DEFAULT_MAX_BODY_BYTES}), the MCP SDK's own Streamable HTTP server limit.
   */
  maxBodyBytes?: number;
  /** Tool pins to hold the server to (`--pins`, `--on-drift`). Defaults to none: nothing is withheld. */
  pins?: ProxyPinOptions;
}

/** A running HTTP proxy. */
export interface HttpProxyHandle {
  /** The proxied MCP endpoint: point MCP clients here. */
  readonly url: URL;
  readonly address: AddressInfo;
  /** Stops listening, drops open connections and ends spans still in flight. */
  close(): Promise<void>;
}

const SESSION_HEADER = 'mcp-session-id';

/**
 * Streamable HTTP reverse proxy in front of one MCP endpoint. POSTs to the endpoint are read whole, up
 * to `maxBodyBytes` (the proxy adds trace context to the `_meta` of their requests and notifications),
 * responses stream back as they arrive — JSON bodies chunk by chunk, SSE streams event by event, the
 * server's notifications and requests in them with trace context added — while they are read to end
 * each request's span. GET streams and DELETE pass through (GET streams are traced too); other paths
 * are forwarded untouched to the upstream origin (OAuth metadata and the like). Headers, Authorization
 * and Mcp-Session-Id included, are forwarded and never recorded.
 */
export async function startHttpProxy(options: HttpProxyOptions): Promise<HttpProxyHandle> {
  const upstream = new URL(options.upstream);
  const client = upstream.protocol === 'https:' ? https : http;
  const agent = new client.Agent({ keepAlive: true });
  const upstreamClient: Upstream = { client, agent };
  const propagator = options.propagator ?? defaultPropagator;
  const maxSessions = options.maxSessions ?? 10_000;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new RangeError(
      `maxBodyBytes must be a positive whole number of bytes, got ${String(maxBodyBytes)}`,
    );
  }
  const tools = new ToolListMemory();
  const pins = options.pins !== undefined ? new PinPolicy(options.pins) : undefined;
  const upstreamServer = new UpstreamServer();
  const sessions = new Map<string, ProxySession>();
  let stateless: ProxySession | undefined;
  let exchanges = 0;

  const newSession = (sessionId?: string, identityPerRequest = false): ProxySession => {
    const sessionOptions: ProxySessionOptions = {
      identityPerRequest,
      tracer: options.tracer,
      tools,
      upstream: upstreamServer,
      networkTransport: NETWORK_TRANSPORT_TCP,
      propagator,
      attributes: { [ATTR_NETWORK_PROTOCOL_NAME]: 'http' },
    };
    if (sessionId !== undefined) sessionOptions.sessionId = sessionId;
    if (pins !== undefined) sessionOptions.pins = pins;
    if (options.cancelGraceMs !== undefined) sessionOptions.cancelGraceMs = options.cancelGraceMs;
    return new ProxySession(sessionOptions);
  };

  const remember = (sessionId: string, session: ProxySession): void => {
    sessions.set(sessionId, session);
    if (sessions.size > maxSessions) {
      const [oldestId, oldest] = sessions.entries().next().value as [string, ProxySession];
      sessions.delete(oldestId);
      oldest.closeAll();
    }
  };

  const sessionFor = (sessionId: string | undefined): ProxySession => {
    // Without a session id, requests of every client share one session: identity stays per request.
    if (sessionId === undefined) return (stateless ??= newSession(undefined, true));
    let session = sessions.get(sessionId);
    if (session === undefined) {
      // A session begun before the proxy started (or forgotten): trace it without its initialize facts.
      session = newSession(sessionId);
      remember(sessionId, session);
    }
    return session;
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      diag.error('mcpscope proxy: request failed', error);
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const incoming = new URL(req.url ?? '/', 'http://proxy.invalid');
    const target = new URL(upstream);
    const isEndpoint = withoutTrailingSlash(incoming.pathname) === withoutTrailingSlash(upstream.pathname);
    if (!isEndpoint) target.pathname = incoming.pathname;
    if (incoming.search !== '') target.search = incoming.search;
    const headers = forwardHeaders(req.headers, target);
    const sessionId = headerValue(req.headers[SESSION_HEADER]);

    if (!isEndpoint || (req.method !== 'POST' && req.method !== 'GET' && req.method !== 'DELETE')) {
      forwardExchange(upstreamClient, req, res, target, headers, undefined, undefined);
      return;
    }
    if (req.method === 'DELETE') {
      forwardExchange(upstreamClient, req, res, target, headers, undefined, (status) => {
        if (sessionId === undefined || status >= 300) return;
        sessions.get(sessionId)?.closeAll();
        sessions.delete(sessionId);
      });
      return;
    }
    if (req.method === 'GET') {
      forwardExchange(upstreamClient, req, res, target, headers, undefined, undefined, {
        session: sessionFor(sessionId),
        scope: '',
        attributes: peerAttributes(req),
      });
      return;
    }

    const body = await readLimitedBody(req, maxBodyBytes);
    if (body === undefined) {
      // Nothing of it was read as a message: no span, nothing forwarded, nothing recorded.
      diag.warn(`mcpscope proxy: refused a request body over ${maxBodyBytes} bytes (413)`);
      refuseOversizeBody(req, res, maxBodyBytes);
      return;
    }
    let session: ProxySession;
    let parsed: unknown;
    // Compressed bodies are forwarded untouched: tracing is not worth re-encoding the agent's request.
    if (headerValue(req.headers['content-encoding']) === undefined) parsed = parseJson(body);
    const initializing = sessionId === undefined && containsInitialize(parsed);
    if (initializing) session = newSession();
    else session = sessionFor(sessionId);

    const scope = String(++exchanges);
    const attributes = peerAttributes(req);
    let outgoing = body;
    if (parsed !== undefined) {
      const info: MessageInfo = {
        bytes: body.length,
        scope,
        headers: req.headers,
        peer: requestPeer(req),
        attributes,
      };
      // A call of a tool withheld by the pins is answered here and never reaches the server.
      const withheld = session.withhold(parsed, info);
      if (withheld !== undefined) {
        answerLocally(req, res, withheld.batch ? withheld.replies : withheld.replies[0], sessionId);
        return;
      }
      if (session.fromClient(parsed, info)) outgoing = Buffer.from(JSON.stringify(parsed), 'utf8');
    }
    headers['content-length'] = String(outgoing.length);

    forwardExchange(
      upstreamClient,
      req,
      res,
      target,
      headers,
      outgoing,
      (status, responseHeaders) => {
        const assigned = headerValue(responseHeaders[SESSION_HEADER]);
        if (!initializing || status >= 300 || assigned === undefined) return;
        // A session of its own. Without an id the server is sessionless: this client's later requests
        // join the shared session, which keeps identity per request (the handshake's stays here).
        session.setSessionId(assigned);
        remember(assigned, session);
      },
      { session, scope, sessionId, attributes },
    );
    session.settle();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_LISTEN_PORT, options.host ?? DEFAULT_LISTEN_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = new URL(upstream.pathname + upstream.search, `http://${host}:${address.port}`);

  return {
    url,
    address,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
      for (const session of sessions.values()) session.closeAll();
      stateless?.closeAll();
      sessions.clear();
    },
  };
}
