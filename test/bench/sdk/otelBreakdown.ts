/**
 * Where the OpenTelemetry work of one instrumented tools/call goes, piece by piece, in a tight loop (no
 * MCP): the three-span floor's calls (three spans with two attributes each, inject + extract, the
 * handler context), then what mcpscope asks of OpenTelemetry on top of them, one piece at a time — the
 * connection and request attributes of its three spans, and the two operation histograms (with their
 * attributes, and without, to separate the attribute hashing of `histogram.record`). The same
 * OpenTelemetry setup as the `mcpscope` configuration (sdk/benchTelemetry.ts).
 *
 *   node --import tsx test/bench/sdk/otelBreakdown.ts [rounds]
 *
 * Variants run in rotated rounds in one process (a slow phase of the machine hits all alike); each
 * figure is the median over rounds of the mean µs per call (CPU time of the process, and wall time),
 * and the added cost of a variant is the median of its per-round differences to the floor variant.
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
import { printTable } from './report.js';
import { spread } from './stats.js';

await setupTelemetry('mcpscope', { client: true, server: true });
const tracer = trace.getTracer('otel-breakdown');
const meter = metrics.getMeter('otel-breakdown');
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

interface Pieces {
  /** mcpscope's connection and request attributes on the three spans. */
  attributes: boolean;
  /** The two operation histograms: with mcpscope's attributes, with none, or not recorded. */
  histograms: 'attributes' | 'none' | false;
}

function oneCall(id: number, pieces: Pieces): void {
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

const VARIANTS: [string, Pieces][] = [
  [
    'three-span floor (2 attributes per span, inject + extract, handler context)',
    { attributes: false, histograms: false },
  ],
  [
    '+ mcpscope span attributes (7 connection + 1–2 request attributes per span)',
    { attributes: true, histograms: false },
  ],
  ['+ 2 histograms, no attributes', { attributes: false, histograms: 'none' }],
  ['+ 2 histograms, mcpscope attributes (method, tool)', { attributes: false, histograms: 'attributes' }],
  [
    '+ span attributes + 2 histograms (what mcpscope asks in memory)',
    { attributes: true, histograms: 'attributes' },
  ],
];

const CALLS = 2_000;
const rounds = Number(process.argv[2] ?? 40);
let id = 0;
for (const [, pieces] of VARIANTS) for (let i = 0; i < 10 * CALLS; i++) oneCall(id++, pieces);
const wall = VARIANTS.map((): number[] => []);
const cpu = VARIANTS.map((): number[] => []);
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < VARIANTS.length; k++) {
    const v = (round + k) % VARIANTS.length;
    const pieces = (VARIANTS[v] as [string, Pieces])[1];
    const cpuBefore = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < CALLS; i++) oneCall(id++, pieces);
    wall[v]?.push(((performance.now() - start) * 1000) / CALLS);
    const used = process.cpuUsage(cpuBefore);
    cpu[v]?.push((used.user + used.system) / CALLS);
  }
}

const fmt = (values: number[]): string => {
  const s = spread(values);
  return `${s.median.toFixed(2)} [${s.p25.toFixed(2)}–${s.p75.toFixed(2)}]`;
};
const added = (samples: number[][], v: number): number[] =>
  (samples[v] ?? []).map((value, i) => value - (samples[0]?.[i] ?? Number.NaN));
console.log(`OpenTelemetry work per instrumented call, ${rounds} rounds × ${CALLS} calls per variant, µs`);
printTable(
  ['variant', 'CPU µs/call', 'CPU added to floor', 'wall µs/call', 'wall added to floor'],
  VARIANTS.map(([name], v) => [
    name,
    fmt(cpu[v] ?? []),
    v === 0 ? '—' : fmt(added(cpu, v)),
    fmt(wall[v] ?? []),
    v === 0 ? '—' : fmt(added(wall, v)),
  ]),
);
