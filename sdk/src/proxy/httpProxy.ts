import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  defaultTextMapGetter,
  diag,
  ROOT_CONTEXT,
  trace,
  type Attributes,
  type Context,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_CLIENT_PORT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_PROTOCOL_VERSION,
  NETWORK_TRANSPORT_TCP,
} from '../semconv.js';
import {
  CANCELLED_BY_PEER,
  CLOSED_BEFORE_RESPONSE,
  httpStatusOutcome,
  TRANSPORT_FAILURE,
  type FailureOutcome,
} from '../errors/classifyOutcome.js';
import { isObject } from './jsonRpc.js';
import { defaultPropagator } from './metaContext.js';
import { DEFAULT_LISTEN_HOST, DEFAULT_LISTEN_PORT } from './parseProxyArgs.js';
import { ProxySession, type ProxySessionOptions } from './proxySession.js';
import { DEFAULT_MAX_BODY_BYTES, readLimitedBody, refuseOversizeBody } from './readLimitedBody.js';
import { parseSseEvent, withSseData } from './sseEvent.js';
import { SseEventFramer } from './sseEventFramer.js';
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
}

/** A running HTTP proxy. */
export interface HttpProxyHandle {
  /** The proxied MCP endpoint: point MCP clients here. */
  readonly url: URL;
  readonly address: AddressInfo;
  /** Stops listening, drops open connections and ends spans still in flight. */
  close(): Promise<void>;
}

// Connection-level headers that describe one hop, not the message (RFC 9110 §7.6.1).
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const SESSION_HEADER = 'mcp-session-id';
const PROTOCOL_VERSION_HEADER = 'mcp-protocol-version';
// Every notification and request has a "method" key; an SSE event without one needs no rewriting.
const METHOD_KEY = Buffer.from('"method"');

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
  const propagator = options.propagator ?? defaultPropagator;
  const maxSessions = options.maxSessions ?? 10_000;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new RangeError(
      `maxBodyBytes must be a positive whole number of bytes, got ${String(maxBodyBytes)}`,
    );
  }
  const tools = new ToolListMemory();
  const sessions = new Map<string, ProxySession>();
  let stateless: ProxySession | undefined;
  let exchanges = 0;

  const newSession = (sessionId?: string): ProxySession => {
    const sessionOptions: ProxySessionOptions = {
      tracer: options.tracer,
      tools,
      networkTransport: NETWORK_TRANSPORT_TCP,
      propagator,
      attributes: { [ATTR_NETWORK_PROTOCOL_NAME]: 'http' },
    };
    if (sessionId !== undefined) sessionOptions.sessionId = sessionId;
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
    if (sessionId === undefined) return (stateless ??= newSession());
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
      forward(req, res, target, headers, undefined, undefined);
      return;
    }
    if (req.method === 'DELETE') {
      forward(req, res, target, headers, undefined, (status) => {
        if (sessionId === undefined || status >= 300) return;
        sessions.get(sessionId)?.closeAll();
        sessions.delete(sessionId);
      });
      return;
    }
    if (req.method === 'GET') {
      forward(req, res, target, headers, undefined, undefined, {
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
    const protocolVersion = headerValue(req.headers[PROTOCOL_VERSION_HEADER]);
    if (protocolVersion !== undefined) session.noteProtocolVersion(protocolVersion);

    const scope = String(++exchanges);
    const attributes = peerAttributes(req);
    let outgoing = body;
    if (parsed !== undefined) {
      const changed = session.fromClient(parsed, {
        bytes: body.length,
        scope,
        parent: headerContext(propagator, req.headers),
        attributes,
      });
      if (changed) outgoing = Buffer.from(JSON.stringify(parsed), 'utf8');
    }
    headers['content-length'] = String(outgoing.length);

    forward(
      req,
      res,
      target,
      headers,
      outgoing,
      (status, responseHeaders) => {
        const assigned = headerValue(responseHeaders[SESSION_HEADER]);
        if (!initializing || status >= 300) return;
        if (assigned !== undefined) {
          session.setSessionId(assigned);
          remember(assigned, session);
        } else {
          stateless = session;
        }
      },
      { session, scope, sessionId, attributes },
    );
    session.settle();
  }

  /**
   * Sends the request upstream and streams the response back. With `traced`, the response is read as
   * it streams (SSE event by event, JSON at the end) to end the requests' spans, and SSE events that
   * carry a server notification or request get trace context in their `_meta`.
   */
  function forward(
    req: IncomingMessage,
    res: ServerResponse,
    target: URL,
    headers: OutgoingHttpHeaders,
    body: Buffer | undefined,
    onHead: ((status: number, headers: IncomingHttpHeaders) => void) | undefined,
    traced?: Traced,
  ): void {
    const upstreamReq = client.request(target, { method: req.method, headers, agent });
    let finished = false;
    /** Ends the requests of this exchange that got no response; without an outcome, as unknown. */
    const endScope = (outcome: FailureOutcome | undefined, attributes?: Attributes): void => {
      if (traced === undefined || finished) return;
      finished = true;
      traced.session.endScope(traced.scope, {
        ...(outcome !== undefined ? { outcome } : {}),
        ...(attributes !== undefined ? { attributes } : {}),
      });
    };

    upstreamReq.on('error', (error) => {
      diag.debug('mcpscope proxy: upstream request failed', error);
      if (!res.headersSent) {
        endScope(TRANSPORT_FAILURE);
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            error: { code: -32000, message: `mcpscope proxy: upstream unreachable (${errorCode(error)})` },
            id: null,
          }),
        );
      } else {
        endScope(CLOSED_BEFORE_RESPONSE);
        res.destroy();
      }
    });
    // The agent went away before the answer: for the server's view the request was abandoned.
    res.on('close', () => {
      if (!res.writableFinished) {
        upstreamReq.destroy();
        endScope(CANCELLED_BY_PEER);
      }
    });

    upstreamReq.on('response', (upstreamRes) => {
      const status = upstreamRes.statusCode ?? 502;
      onHead?.(status, upstreamRes.headers);
      const contentType = headerValue(upstreamRes.headers['content-type'])?.toLowerCase() ?? '';
      const readable =
        traced !== undefined && headerValue(upstreamRes.headers['content-encoding']) === undefined;
      const outHeaders = responseHeaders(upstreamRes.headers);
      // An event stream may be rewritten (trace context in notifications), so its length can change.
      if (readable && contentType.startsWith('text/event-stream')) delete outHeaders['content-length'];
      res.writeHead(status, upstreamRes.statusMessage, outHeaders);
      res.flushHeaders();

      /** Bytes to send for a chunk: the chunk itself unless the response is being rewritten. */
      let onChunk: ((chunk: Buffer) => Buffer | undefined) | undefined;
      /** Runs once the chunk's bytes are written. */
      let afterWrite: (() => void) | undefined;
      let onEnd: (() => Buffer | undefined) | undefined;
      if (readable && contentType.startsWith('text/event-stream')) {
        const events = sseTracer(traced);
        onChunk = (chunk) => events.framer.push(chunk);
        afterWrite = events.afterWrite;
        onEnd = () => {
          const rest = events.framer.end();
          events.afterWrite();
          return rest;
        };
      } else if (readable && contentType.startsWith('application/json')) {
        const chunks: Buffer[] = [];
        onChunk = (chunk) => {
          chunks.push(chunk);
          return chunk;
        };
        onEnd = () => {
          const whole = Buffer.concat(chunks);
          const msg = parseJson(whole);
          if (msg !== undefined) {
            traced.session.fromServer(msg, {
              bytes: whole.length,
              scope: traced.scope,
              attributes: traced.attributes,
            });
          }
          return undefined;
        };
      }

      upstreamRes.on('data', (chunk: Buffer) => {
        const out = onChunk === undefined ? chunk : onChunk(chunk);
        if (out !== undefined && !res.write(out)) {
          upstreamRes.pause();
          res.once('drain', () => upstreamRes.resume());
        }
        afterWrite?.();
      });
      upstreamRes.on('end', () => {
        const rest = onEnd?.();
        if (rest !== undefined) res.write(rest);
        res.end();
        if (status >= 400) {
          // The proxy stands in front of the server: the receiver's view of the status.
          endScope(httpStatusOutcome(status, traced?.sessionId !== undefined, true));
        } else if (onChunk === undefined) {
          // A body we could not read (compressed, or not JSON/SSE): whether it answered is unknown.
          endScope(undefined, { [ATTR_HTTP_RESPONSE_STATUS_CODE]: status });
        } else {
          // The server closed the response without answering every request it carried.
          endScope(CLOSED_BEFORE_RESPONSE);
        }
      });
      upstreamRes.on('aborted', () => {
        endScope(CLOSED_BEFORE_RESPONSE);
        res.destroy();
      });
    });

    if (body !== undefined) upstreamReq.end(body);
    else req.pipe(upstreamReq);
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

/** A proxied exchange whose messages are traced. */
interface Traced {
  session: ProxySession;
  /** The channel the exchange's responses come back on (see `ProxySession`). */
  scope: string;
  sessionId?: string | undefined;
  /** The agent's connection (client.address/port), for spans started by the server's messages. */
  attributes: Attributes;
}

/**
 * Tracing of one SSE response, event by event. An event that carries a method (a server notification
 * or request) is traced before it is forwarded, since the session may add trace context to it; the
 * others — responses, the common case — go out first and are traced right after the write
 * (`afterWrite`), so ending a span never delays the agent. Events are traced in the order they came.
 */
function sseTracer(traced: Traced): { framer: SseEventFramer; afterWrite(): void } {
  const later: Buffer[] = [];
  const trace = (raw: Buffer): Buffer | undefined => {
    const event = parseSseEvent(raw);
    if (event === undefined) return undefined;
    const msg = parseJsonText(event.data);
    if (msg === undefined) return undefined;
    const changed = traced.session.fromServer(msg, {
      bytes: Buffer.byteLength(event.data),
      scope: traced.scope,
      attributes: traced.attributes,
    });
    return changed ? withSseData(raw, JSON.stringify(msg)) : undefined;
  };
  const traceLater = (): void => {
    for (let i = 0; i < later.length; i++) {
      try {
        trace(later[i]!);
      } catch (error) {
        diag.error('mcpscope proxy: failed to trace a message', error);
      }
    }
    later.length = 0;
  };
  const framer = new SseEventFramer((raw) => {
    if (raw.indexOf(METHOD_KEY) === -1) {
      later.push(raw);
      return undefined;
    }
    traceLater();
    return trace(raw);
  });
  return {
    framer,
    afterWrite: () => {
      traceLater();
      traced.session.settle();
    },
  };
}

function forwardHeaders(incoming: IncomingHttpHeaders, target: URL): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  out['host'] = target.host;
  // The proxy must read responses to trace them; identity keeps SSE streams parseable chunk by chunk.
  out['accept-encoding'] = 'identity';
  return out;
}

function responseHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function withoutTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function headerContext(propagator: TextMapPropagator, headers: IncomingHttpHeaders): Context | undefined {
  if (headers['traceparent'] === undefined) return undefined;
  const ctx = propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  return trace.getSpanContext(ctx) ? ctx : undefined;
}

function peerAttributes(req: IncomingMessage): Attributes {
  const out: Attributes = { [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion };
  if (req.socket.remoteAddress !== undefined) out[ATTR_CLIENT_ADDRESS] = req.socket.remoteAddress;
  if (req.socket.remotePort !== undefined) out[ATTR_CLIENT_PORT] = req.socket.remotePort;
  return out;
}

function containsInitialize(msg: unknown): boolean {
  if (Array.isArray(msg)) return msg.some(containsInitialize);
  return isObject(msg) && msg['method'] === 'initialize';
}

function parseJson(body: Buffer): unknown {
  return body.length === 0 ? undefined : parseJsonText(body.toString('utf8'));
}

function parseJsonText(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorCode(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : error.message;
}
