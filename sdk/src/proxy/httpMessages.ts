import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Attributes } from '@opentelemetry/api';
import { isObject } from '../core/jsonRpc.js';
import { ATTR_CLIENT_ADDRESS, ATTR_CLIENT_PORT, ATTR_NETWORK_PROTOCOL_VERSION } from '../semconv.js';

// What the HTTP proxy reads and writes of HTTP messages besides their MCP content: the headers it
// forwards, the agent's address, and bodies parsed as JSON without ever throwing.

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

export function forwardHeaders(incoming: IncomingHttpHeaders, target: URL): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  // The server learns how the agent addressed it (the standard reverse-proxy headers, kept from a proxy
  // further out): an instrumented server names itself as its clients and the proxy do (server.address).
  if (out['x-forwarded-host'] === undefined && typeof incoming.host === 'string')
    out['x-forwarded-host'] = incoming.host;
  if (out['x-forwarded-proto'] === undefined) out['x-forwarded-proto'] = 'http';
  out['host'] = target.host;
  // The proxy must read responses to trace them; identity keeps SSE streams parseable chunk by chunk.
  out['accept-encoding'] = 'identity';
  return out;
}

export function responseHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

export function withoutTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function peerAttributes(req: IncomingMessage): Attributes {
  const out: Attributes = { [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion };
  if (req.socket.remoteAddress !== undefined) out[ATTR_CLIENT_ADDRESS] = req.socket.remoteAddress;
  if (req.socket.remotePort !== undefined) out[ATTR_CLIENT_PORT] = req.socket.remotePort;
  return out;
}

/**
 * Answers a POST from the proxy itself, as a Streamable HTTP server would: one JSON body when the agent
 * accepts JSON (every MCP client does), else a one-event SSE stream; with the session's id.
 */
export function answerLocally(
  req: IncomingMessage,
  res: ServerResponse,
  message: unknown,
  sessionId: string | undefined,
): void {
  const json = JSON.stringify(message);
  const accept = headerValue(req.headers['accept'])?.toLowerCase() ?? '';
  const sse = accept.includes('text/event-stream') && !accept.includes('application/json');
  const headers: OutgoingHttpHeaders = { 'content-type': sse ? 'text/event-stream' : 'application/json' };
  if (sessionId !== undefined) headers['mcp-session-id'] = sessionId;
  res.writeHead(200, headers);
  res.end(sse ? `event: message\ndata: ${json}\n\n` : json);
}

export function containsInitialize(msg: unknown): boolean {
  if (Array.isArray(msg)) return msg.some(containsInitialize);
  return isObject(msg) && msg['method'] === 'initialize';
}

export function parseJson(body: Buffer): unknown {
  return body.length === 0 ? undefined : parseJsonText(body.toString('utf8'));
}

export function parseJsonText(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    // A byte order mark is dropped, as fetch's `json()` drops it: what the agent would read, we read.
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text) as unknown;
  } catch {
    return undefined;
  }
}

export function errorCode(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : error.message;
}
