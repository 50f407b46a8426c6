import { createContextKey, type Attributes } from '@opentelemetry/api';
import { ATTR_CLIENT_ADDRESS, ATTR_CLIENT_PORT } from '../semconv.js';

/**
 * The context value under which an HTTP server transport's request handling carries the address of the
 * client that sent the request (set by the wrapped `handleRequest` / `handlePostMessage`, read when the
 * messages of that request reach the Protocol).
 */
export const CLIENT_PEER_KEY = createContextKey('@mcpscope/sdk client peer');

/** The parts of a Node `IncomingMessage` the peer address comes from. */
interface RequestLike {
  headers?: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string; remotePort?: number };
}

/**
 * `client.address` / `client.port` of an HTTP request, server side. Per the semantic conventions the
 * address is the client behind any intermediaries when known: the first `for=` of a `Forwarded` header,
 * else the first entry of `X-Forwarded-For` (no port then: the socket's port is the proxy's); else the
 * socket's peer. Returns undefined when nothing is known.
 */
export function clientPeerAttributes(request: unknown): Attributes | undefined {
  if (request === null || typeof request !== 'object') return undefined;
  const { headers, socket } = request as RequestLike;
  const forwarded = headers ? forwardedFor(headers) : undefined;
  if (forwarded) return { [ATTR_CLIENT_ADDRESS]: forwarded };
  const address = socket?.remoteAddress;
  if (typeof address !== 'string' || address === '') return undefined;
  const attributes: Attributes = { [ATTR_CLIENT_ADDRESS]: address };
  if (typeof socket?.remotePort === 'number') attributes[ATTR_CLIENT_PORT] = socket.remotePort;
  return attributes;
}

/**
 * The original client of a forwarded request from a header bag (Node headers or the plain object the
 * MCP SDK puts in `extra.requestInfo.headers`), or undefined.
 */
export function forwardedFor(headers: Record<string, unknown>): string | undefined {
  const forwarded = firstHeader(headers['forwarded']);
  if (forwarded) {
    const match = /(?:^|[;,\s])for=("?)\[?([^\]",;\s]+)/i.exec(forwarded);
    const value = match?.[2];
    if (value && !value.startsWith('_') && value.toLowerCase() !== 'unknown') return stripPort(value);
  }
  const chain = firstHeader(headers['x-forwarded-for']);
  const first = chain?.split(',')[0]?.trim();
  return first ? first : undefined;
}

function firstHeader(value: unknown): string | undefined {
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** `192.0.2.1:4711` → `192.0.2.1`; IPv6 addresses (already without brackets) keep their colons. */
function stripPort(value: string): string {
  const colon = value.indexOf(':');
  return colon > 0 && colon === value.lastIndexOf(':') ? value.slice(0, colon) : value;
}
