import { createContextKey, type Attributes } from '@opentelemetry/api';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_CLIENT_PORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '../../semconv.js';

/**
 * The context value under which an HTTP server transport's request handling carries what the socket of
 * that request says (set by the wrapped `handleRequest` / `handlePostMessage`, read when the request's
 * messages reach the Protocol): the MCP SDK passes the headers on, not the socket.
 */
export const REQUEST_PEER_KEY = createContextKey('@mcpscope/sdk request peer');

/** What the socket of one HTTP request tells. */
export interface RequestPeer {
  /** `client.address` / `client.port`, when known. */
  client: Attributes | undefined;
  /** The request came over TLS to this process (its default port is 443). */
  tls: boolean;
}

/** The parts of a Node `IncomingMessage` the addresses come from. */
interface RequestLike {
  headers?: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string; remotePort?: number; encrypted?: boolean };
}

/** What the socket of a Node HTTP request tells, or undefined when `request` is not one. */
export function requestPeer(request: unknown): RequestPeer | undefined {
  if (request === null || typeof request !== 'object') return undefined;
  const { headers, socket } = request as RequestLike;
  if (!socket) return undefined;
  return { client: clientPeerAttributes(headers ?? {}, socket), tls: socket.encrypted === true };
}

/**
 * `client.*` and `server.*` of a request received over HTTP: the client from the request's socket (or
 * its forwarding headers, when only those are known), the server as the client addressed it — the
 * `Host` header, with the scheme's default port when it names none. The server side then names the
 * server the way its clients do (`server.address`/`server.port` on their spans), so both sides' views
 * of one server (its tool-definition history, for one) share an identity.
 */
export function httpAddressAttributes(peer: RequestPeer | undefined, headers: unknown): Attributes {
  const bag = headers !== null && typeof headers === 'object' ? (headers as Record<string, unknown>) : {};
  const attributes: Attributes = {};
  if (peer?.client) Object.assign(attributes, peer.client);
  else {
    const forwarded = forwardedFor(bag);
    if (forwarded) attributes[ATTR_CLIENT_ADDRESS] = forwarded;
  }
  const host = firstHeader(bag['x-forwarded-host']) ?? firstHeader(bag['host']);
  const parsed = host ? parseHost(host.split(',')[0]?.trim() ?? '') : undefined;
  if (parsed) {
    attributes[ATTR_SERVER_ADDRESS] = parsed.address;
    const proto = firstHeader(bag['x-forwarded-proto'])?.split(',')[0]?.trim().toLowerCase();
    const https = proto !== undefined ? proto === 'https' : peer?.tls === true;
    attributes[ATTR_SERVER_PORT] = parsed.port ?? (https ? 443 : 80);
  }
  return attributes;
}

/**
 * `client.address` / `client.port`, server side. Per the semantic conventions the address is the client
 * behind any intermediaries when known: the first `for=` of a `Forwarded` header, else the first entry
 * of `X-Forwarded-For` (no port then: the socket's port is the proxy's); else the socket's peer.
 */
function clientPeerAttributes(
  headers: Record<string, unknown>,
  socket: NonNullable<RequestLike['socket']>,
): Attributes | undefined {
  const forwarded = forwardedFor(headers);
  if (forwarded) return { [ATTR_CLIENT_ADDRESS]: forwarded };
  const address = socket.remoteAddress;
  if (typeof address !== 'string' || address === '') return undefined;
  const attributes: Attributes = { [ATTR_CLIENT_ADDRESS]: address };
  if (typeof socket.remotePort === 'number') attributes[ATTR_CLIENT_PORT] = socket.remotePort;
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

/** `example.com:8080` → example.com and 8080; `[::1]:3000` → ::1 and 3000; no port → undefined. */
function parseHost(host: string): { address: string; port: number | undefined } | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(host);
  const address = match?.[1] ?? match?.[2];
  if (!address) return undefined;
  const port = match?.[3] === undefined ? undefined : Number(match[3]);
  return { address: address.toLowerCase(), port: port !== undefined && port <= 65535 ? port : undefined };
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
