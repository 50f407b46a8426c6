/**
 * The OpenTelemetry SDK work one mcpscope tools/call needs, alone in a tight loop (no MCP, hot caches):
 * the same OpenTelemetry setup as the `mcpscope` configuration and the same API calls the
 * instrumentation makes for an in-memory call with default options — three spans with their attributes
 * (the two the sampler sees at start, the seven connection attributes, the per-request ones), the
 * transport span's context injected into a `_meta` object and extracted again, the handler context
 * entered, and the two operation histograms. It is a floor for mcpscope's added time on this machine:
 * no instrumentation making these calls can add less.
 *
 * Run by sdk.bench.ts as a child process (it installs OpenTelemetry globals); prints one JSON line
 * `{ "microsPerCall": n }` (the median of its rounds).
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
import { spread } from './stats.js';

await setupTelemetry('mcpscope', { client: true, server: true });
const tracer = trace.getTracer('otel-floor');
const meter = metrics.getMeter('otel-floor');
const histogramOptions = { unit: 's', advice: { explicitBucketBoundaries: OPERATION_DURATION_BUCKETS } };
const clientOperation = meter.createHistogram('mcp.client.operation.duration', histogramOptions);
const serverOperation = meter.createHistogram('mcp.server.operation.duration', histogramOptions);

const connection: Attributes = {
  [ATTR_MCPSCOPE_TRANSPORT_KIND]: 'in-memory',
  [ATTR_MCPSCOPE_CLIENT_NAME]: 'bench-client',
  [ATTR_MCPSCOPE_CLIENT_VERSION]: '1.0.0',
  [ATTR_MCPSCOPE_SERVER_NAME]: 'bench-server',
  [ATTR_MCPSCOPE_SERVER_VERSION]: '1.0.0',
  [ATTR_MCP_PROTOCOL_VERSION]: '2025-06-18',
};
const clientBase: Attributes = { ...connection, [ATTR_MCPSCOPE_LAYER]: 'client' };
const transportBase: Attributes = { ...connection, [ATTR_MCPSCOPE_LAYER]: 'transport' };
const serverBase: Attributes = { ...connection, [ATTR_MCPSCOPE_LAYER]: 'server' };
const startAttributes: Attributes = { [ATTR_MCP_METHOD_NAME]: 'tools/call', [ATTR_GEN_AI_TOOL_NAME]: 'echo' };
const clientOptions = { kind: SpanKind.CLIENT, attributes: startAttributes };
const serverOptions = { kind: SpanKind.SERVER, attributes: startAttributes };
const transportOptions = { kind: SpanKind.INTERNAL, attributes: { [ATTR_MCP_METHOD_NAME]: 'tools/call' } };
const metricAttributes: Attributes = { ...startAttributes };
const getter = {
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
  get: (carrier: Record<string, string>, key: string) => carrier[key],
};
const handler = (): number => 0;

function oneCall(id: number): void {
  const start = performance.now();
  const parent = context.active();
  const client = tracer.startSpan('tools/call echo', clientOptions, parent);
  client.setAttributes(clientBase);
  client.setAttribute(ATTR_GEN_AI_OPERATION_NAME, 'execute_tool');
  const transport = tracer.startSpan('in-memory tools/call', transportOptions, trace.setSpan(parent, client));
  const requestId = String(id);
  transport.setAttributes(transportBase);
  transport.setAttribute(ATTR_JSONRPC_REQUEST_ID, requestId);
  client.setAttribute(ATTR_JSONRPC_REQUEST_ID, requestId);
  const meta: Record<string, string> = {};
  propagation.inject(trace.setSpan(parent, transport), meta);
  const remote = propagation.extract(parent, meta, getter);
  const server = tracer.startSpan('tools/call echo', serverOptions, remote);
  server.setAttributes(serverBase);
  server.setAttribute(ATTR_GEN_AI_OPERATION_NAME, 'execute_tool');
  server.setAttribute(ATTR_JSONRPC_REQUEST_ID, requestId);
  context.with(trace.setSpan(remote, server), handler);
  server.end();
  serverOperation.record((performance.now() - start) / 1000, metricAttributes);
  transport.end();
  client.end();
  clientOperation.record((performance.now() - start) / 1000, metricAttributes);
}

const CALLS = 20_000;
let id = 0;
for (let i = 0; i < 5 * CALLS; i++) oneCall(id++);
const rounds: number[] = [];
for (let round = 0; round < 15; round++) {
  const start = performance.now();
  for (let i = 0; i < CALLS; i++) oneCall(id++);
  rounds.push(((performance.now() - start) * 1000) / CALLS);
}
console.log(JSON.stringify({ microsPerCall: spread(rounds).median }));
