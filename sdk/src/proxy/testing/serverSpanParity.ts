import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { SpanRecord } from '../../testing/jsonLinesSpanExporter.js';
import { parentSpanId } from '../../testing/otel.js';
import type { ReceivedSpan } from './otlpJsonReceiver.js';

// The parity check of the proxy's tests: the proxy records each request it relays with the same core
// recorder as the server's own instrumentation, so its SERVER span of a request must say everything the
// server's SERVER span of that request says (every attribute key, the same values for what both can
// read off the wire), except what only the endpoint itself can know — an allow-list each test keeps,
// with its reasons. The server's span of a request is the child of the proxy's: the proxy writes its
// span's context into the request's `_meta` and the server takes it as its parent.

/** A span as the check reads it: received over OTLP JSON, read from a span file, or kept in memory. */
export interface ObservedSpan {
  name: string;
  /** Whether it is a SERVER span. */
  server: boolean;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  /** Arrays as JSON text, the way the OTLP JSON receiver flattens them, so all sources compare alike. */
  attributes: Record<string, unknown>;
  /** 0 unset, 1 ok, 2 error (the same numbers in OTLP and in the OpenTelemetry API). */
  statusCode: number;
}

/** OTLP's enum: 2 is SERVER (the API's SpanKind.SERVER is 1). */
const OTLP_SERVER = 2;

function flat(attributes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(attributes))
    out[key] = Array.isArray(value) ? JSON.stringify(value) : value;
  return out;
}

export function fromOtlp(span: ReceivedSpan): ObservedSpan {
  return {
    name: span.name,
    server: span.kind === OTLP_SERVER,
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId === '' ? undefined : span.parentSpanId,
    attributes: flat(span.attributes),
    statusCode: span.statusCode,
  };
}

export function fromRecord(span: SpanRecord): ObservedSpan {
  return {
    name: span.name,
    server: span.kind === SpanKind.SERVER,
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    attributes: flat(span.attributes),
    statusCode: span.status.code,
  };
}

export function fromReadable(span: ReadableSpan): ObservedSpan {
  return {
    name: span.name,
    server: span.kind === SpanKind.SERVER,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: parentSpanId(span),
    attributes: flat(span.attributes),
    statusCode: span.status.code,
  };
}

/** The proxy's SERVER span of a request and the server's own SERVER span of it. */
export interface SpanPair {
  proxy: ObservedSpan;
  server: ObservedSpan;
}

/** Attribute keys of the server's span the proxy's may lack: only the endpoint can know them. */
export interface EndpointOnlyKeys {
  /** Keys starting with this. */
  prefix: string;
  /** Whether the entry holds for this pair. Defaults to always. */
  applies?: (pair: SpanPair) => boolean;
}

/**
 * Pairs each of the proxy's SERVER spans with the server's SERVER span that is its child. Returns the
 * pairs, and the proxy's SERVER spans with no child (yet): the caller polls until only the requests the
 * server's own instrumentation cannot see are left.
 */
export function pairUp(
  proxySpans: readonly ObservedSpan[],
  serverSpans: readonly ObservedSpan[],
): { pairs: SpanPair[]; unpaired: ObservedSpan[] } {
  const pairs: SpanPair[] = [];
  const unpaired: ObservedSpan[] = [];
  for (const proxy of proxySpans) {
    if (!proxy.server) continue;
    const server = serverSpans.find((span) => span.server && span.parentSpanId === proxy.spanId);
    if (server === undefined) unpaired.push(proxy);
    else pairs.push({ proxy, server });
  }
  return { pairs, unpaired };
}

/**
 * Attributes whose values both sides read off the wire the same way: the proxy and the server must
 * agree on them (either both lack one, or both have the same value).
 */
const SHARED_KEYS = [
  'mcp.method.name',
  'gen_ai.tool.name',
  'gen_ai.prompt.name',
  'gen_ai.operation.name',
  'jsonrpc.request.id',
  'mcp.protocol.version',
  'mcpscope.client.name',
  'mcpscope.client.version',
  'mcpscope.server.name',
  'mcpscope.server.version',
  'mcpscope.layer',
  'network.transport',
  'error.type',
  'mcpscope.fault',
  'rpc.response.status_code',
];
const SHARED_PREFIXES = [
  'mcpscope.list.',
  'mcpscope.result.',
  'mcpscope.input_request.',
  'mcpscope.input_response.',
  'mcpscope.task.',
  'mcpscope.tools.',
  'mcpscope.tool.annotations.',
  'http.request.header.mcp-',
];

const shared = (key: string): boolean =>
  SHARED_KEYS.includes(key) || SHARED_PREFIXES.some((prefix) => key.startsWith(prefix));

/**
 * What the proxy's spans miss or say otherwise, one line per finding (empty when they agree): each pair
 * in the same trace with the same request id, every key of the server's span on the proxy's (but the
 * allowed ones), the same values of the shared keys, the same status code.
 */
export function parityGaps(pairs: readonly SpanPair[], endpointOnly: readonly EndpointOnlyKeys[]): string[] {
  const gaps: string[] = [];
  for (const pair of pairs) {
    const { proxy, server } = pair;
    const label = `${server.name} #${String(server.attributes['jsonrpc.request.id'])}`;
    if (proxy.traceId !== server.traceId) gaps.push(`${label}: the proxy's span is in another trace`);
    const allowed = (key: string): boolean =>
      endpointOnly.some((entry) => key.startsWith(entry.prefix) && (entry.applies?.(pair) ?? true));
    for (const key of Object.keys(server.attributes)) {
      if (!(key in proxy.attributes) && !allowed(key)) gaps.push(`${label}: the proxy's span lacks ${key}`);
    }
    const keys = new Set([...Object.keys(server.attributes), ...Object.keys(proxy.attributes)]);
    for (const key of keys) {
      if (!shared(key)) continue;
      const [atProxy, atServer] = [proxy.attributes[key], server.attributes[key]];
      if (atProxy === atServer || (atProxy === undefined && allowed(key))) continue;
      gaps.push(`${label}: ${key} is ${String(atProxy)} at the proxy, ${String(atServer)} at the server`);
    }
    if (proxy.statusCode !== server.statusCode)
      gaps.push(`${label}: status ${proxy.statusCode} at the proxy, ${server.statusCode} at the server`);
  }
  return gaps;
}
