/**
 * One instrumented tools/call's OpenTelemetry work in a tight loop (no MCP), piece by piece: the
 * three-span floor's calls (three spans, inject + extract, the handler context) and, as asked, what
 * mcpscope adds on top — its span attributes and the two operation histograms. The same OpenTelemetry
 * setup as the `mcpscope` configuration (sdk/benchTelemetry.ts), installed on import. Used by
 * otelFloor.ts (everything mcpscope asks) and otelBreakdown.ts (one piece at a time).
 */
import { context, metrics, propagation, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCPSCOPE_CLIENT_NAME,
  ATTR_MCPSCOPE_CLIENT_VERSION,
  ATTR_MCPSCOPE_LAYER,
  ATTR_MCPSCOPE_SERVER_NAME,
  ATTR_MCPSCOPE_SERVER_VERSION,
  ATTR_MCPSCOPE_TRANSPORT_KIND,
  OPERATION_DURATION_BUCKETS,
} from '@mcpscope/sdk';
import { setupTelemetry } from './benchTelemetry.js';

await setupTelemetry('mcpscope', { client: true, server: true });
const tracer = trace.getTracer('otel-call');
const meter = metrics.getMeter('otel-call');
const histogramOptions = { unit: 's', advice: { explicitBucketBoundaries: OPERATION_DURATION_BUCKETS } };
const clientOperation = meter.createHistogram('mcp.client.operation.duration', histogramOptions);
const serverOperation = meter.createHistogram('mcp.server.operation.duration', histogramOptions);

// The attribute sets as mcpscope builds them for an in-memory call (SpanRecorder.rebuildBase and
// RequestShapes): precomputed once, copied onto each span with one setAttributes call.
const connection: Attributes = {
  [ATTR_MCPSCOPE_TRANSPORT_KIND]: 'in-memory',
  [ATTR_MCPSCOPE_CLIENT_NAME]: 'bench-client',
  [ATTR_MCPSCOPE_CLIENT_VERSION]: '1.0.0',
  [ATTR_MCPSCOPE_SERVER_NAME]: 'bench-server',
  [ATTR_MCPSCOPE_SERVER_VERSION]: '1.0.0',
  [ATTR_MCP_PROTOCOL_VERSION]: '2025-11-25',
};
const clientBase: Attributes = { ...connection, [ATTR_MCPSCOPE_LAYER]: 'client' };
const transportBase: Attributes = { ...connection, [ATTR_MCPSCOPE_LAYER]: 'transport' };
const serverBase: Attributes = { ...connection, [ATTR_MCPSCOPE_LAYER]: 'server' };
const startAttributes: Attributes = { [ATTR_MCP_METHOD_NAME]: 'tools/call', [ATTR_GEN_AI_TOOL_NAME]: 'echo' };
const clientOptions = { kind: SpanKind.CLIENT, attributes: startAttributes };
const serverOptions = { kind: SpanKind.SERVER, attributes: startAttributes };
const transportOptions = { kind: SpanKind.INTERNAL, attributes: startAttributes };
const metricAttributes: Attributes = { ...startAttributes };
const noAttributes: Attributes = {};
const getter = {
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
  get: (carrier: Record<string, string>, key: string) => carrier[key],
};
const handler = (): number => 0;

export interface Pieces {
  /** mcpscope's connection and request attributes on the three spans. */
  attributes: boolean;
  /** The two operation histograms: with mcpscope's attributes, with none, or not recorded. */
  histograms: 'attributes' | 'none' | false;
}

export function oneCall(id: number, pieces: Pieces): void {
  const start = performance.now();
  const parent = context.active();
  const client = tracer.startSpan('tools/call echo', clientOptions, parent);
  const transport = tracer.startSpan('in-memory tools/call', transportOptions, trace.setSpan(parent, client));
  const meta: Record<string, string> = {};
  propagation.inject(trace.setSpan(parent, transport), meta);
  const remote = propagation.extract(parent, meta, getter);
  const server = tracer.startSpan('tools/call echo', serverOptions, remote);
  if (pieces.attributes) {
    const requestId = String(id);
    client.setAttributes(clientBase);
    client.setAttribute(ATTR_GEN_AI_OPERATION_NAME, 'execute_tool');
    client.setAttribute(ATTR_JSONRPC_REQUEST_ID, requestId);
    transport.setAttributes(transportBase);
    transport.setAttribute(ATTR_JSONRPC_REQUEST_ID, requestId);
    server.setAttributes(serverBase);
    server.setAttribute(ATTR_GEN_AI_OPERATION_NAME, 'execute_tool');
    server.setAttribute(ATTR_JSONRPC_REQUEST_ID, requestId);
  }
  context.with(trace.setSpan(remote, server), handler);
  server.end();
  if (pieces.histograms) {
    const attributes = pieces.histograms === 'attributes' ? metricAttributes : noAttributes;
    serverOperation.record((performance.now() - start) / 1000, attributes);
  }
  transport.end();
  client.end();
  if (pieces.histograms) {
    const attributes = pieces.histograms === 'attributes' ? metricAttributes : noAttributes;
    clientOperation.record((performance.now() - start) / 1000, attributes);
  }
}

/** Everything mcpscope asks of OpenTelemetry for an in-memory call with default options. */
export const ALL_PIECES: Pieces = { attributes: true, histograms: 'attributes' };
