/**
 * What normalising MCP dialects at ingest (collector/src/pipeline/normalizeDialects.ts) costs the
 * collector per span, measured on the collector's own decoder output:
 *
 *  1. mcpscope SDK spans (the ingest benchmark's workload: ingest/workload.ts, ~1000 spans a request,
 *     client/transport/server/downstream): protobuf decode alone against decode + normalise, in
 *     alternating rounds so drift on the shared machine falls on both alike; and the step alone on
 *     rows already decoded (it changes nothing on them, so the same rows are reused).
 *  2. Foreign spans (Sentry's and traceloop's names, as the libraries set them; real OpenTelemetry
 *     SDK spans encoded by the official serializer): decode alone against decode + normalise, fresh
 *     rows every time (the step adds attributes to them).
 *
 *   node --conditions=mcpscope-source --import tsx test/bench/dialects.bench.ts
 *
 * Rates are spans per second of this process's CPU time. Environment: MCPSCOPE_BENCH_ROUNDS (7),
 * MCPSCOPE_BENCH_ROUND_MS (1500, CPU time per round and variant).
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { normalizeDialects } from '../../collector/src/pipeline/dialects/normalizeDialects.js';
import { decodeProtobufTraces } from '../../collector/src/receiver/decodeProtobufTraces.js';
import { buildTemplates } from './ingest/workload.js';

const rounds = Number(process.env['MCPSCOPE_BENCH_ROUNDS'] ?? 7);
const roundMs = Number(process.env['MCPSCOPE_BENCH_ROUND_MS'] ?? 1500);

/**
 * Spans per CPU second of `work` (which handles `spansPerCall` spans a call), run for `ms` of this
 * process's CPU time: the machine is shared, and CPU time is what other processes disturb least.
 */
function rate(work: () => void, spansPerCall: number, ms: number): number {
  let calls = 0;
  const started = process.cpuUsage();
  let cpuMs = 0;
  while (cpuMs < ms) {
    for (let i = 0; i < 8; i++) work();
    calls += 8;
    const used = process.cpuUsage(started);
    cpuMs = (used.user + used.system) / 1000;
  }
  return (calls * spansPerCall) / (cpuMs / 1000);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Alternating rounds of two variants; the median rate of each. */
function compare(
  a: () => void,
  b: () => void,
  spansPerCall: number,
): { a: number; b: number; perSpanNs: number } {
  const ra: number[] = [];
  const rb: number[] = [];
  rate(a, spansPerCall, 300); // warm-up, not counted
  rate(b, spansPerCall, 300);
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      ra.push(rate(a, spansPerCall, roundMs));
      rb.push(rate(b, spansPerCall, roundMs));
    } else {
      rb.push(rate(b, spansPerCall, roundMs));
      ra.push(rate(a, spansPerCall, roundMs));
    }
  }
  const ma = median(ra);
  const mb = median(rb);
  return { a: ma, b: mb, perSpanNs: 1e9 / mb - 1e9 / ma };
}

// ── 1. mcpscope SDK spans ──
const bodies = buildTemplates().map((t) => t.body);
const sdkSpans = bodies.reduce((n, body) => n + decodeProtobufTraces(body).rows.length, 0);
let next = 0;
const decodeOnly = () => void decodeProtobufTraces(bodies[next++ % bodies.length]!);
const decodeAndNormalise = () =>
  void normalizeDialects(decodeProtobufTraces(bodies[next++ % bodies.length]!).rows);
const perBody = sdkSpans / bodies.length;
const sdk = compare(decodeOnly, decodeAndNormalise, perBody);

const decodedRows = bodies.flatMap((body) => decodeProtobufTraces(body).rows);
const stepAlone = rate(() => void normalizeDialects(decodedRows), decodedRows.length, roundMs * 2);
if (normalizeDialects(decodedRows) !== 0) throw new Error('the step changed mcpscope SDK spans');
// The workload's downstream HTTP spans carry no MCP attribute at all: the full detection runs on them.
const plainRows = decodedRows.filter((r) => r.SpanAttributes['mcpscope.layer'] === undefined);
const plainAlone = rate(() => void normalizeDialects(plainRows), plainRows.length, roundMs);

// ── 2. foreign spans ──
function foreignBody(): Uint8Array {
  const memory = new InMemorySpanExporter();
  const make = (service: string) =>
    new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      spanProcessors: [new SimpleSpanProcessor(memory)],
    });
  const traceloop = make('agent').getTracer('@traceloop/instrumentation-mcp', '0.27.0');
  const sentry = make('math-server').getTracer('@sentry/node', '10.78.0');
  for (let i = 0; i < 250; i++) {
    const list = traceloop.startSpan('tools/list.mcp', { kind: SpanKind.CLIENT });
    list.setAttribute('traceloop.entity.output', '{"tools":[{"name":"add"},{"name":"divide"}]}');
    list.end();
    const call = traceloop.startSpan('divide.tool', {
      kind: SpanKind.CLIENT,
      attributes: {
        'traceloop.span.kind': 'tool',
        'traceloop.entity.name': 'divide',
        'traceloop.entity.input': '{"tool_name":"divide","arguments":{"a":1,"b":0}}',
      },
    });
    if (i % 10 === 0) call.setStatus({ code: SpanStatusCode.ERROR, message: 'cannot divide by zero' });
    call.end();
    for (const tool of ['add', 'divide']) {
      sentry
        .startSpan(`tools/call ${tool}`, {
          attributes: {
            'sentry.op': 'mcp.server',
            'sentry.origin': 'auto.function.mcp_server',
            'sentry.source': 'route',
            'mcp.transport': 'StdioServerTransport',
            'network.transport': 'pipe',
            'network.protocol.version': '2.0',
            'mcp.protocol.version': '2025-11-25',
            'mcp.client.name': 'agent',
            'mcp.client.version': '2.0.0',
            'mcp.server.name': 'math',
            'mcp.server.version': '1.2.0',
            'mcp.method.name': 'tools/call',
            'mcp.request.id': String(i),
            'mcp.tool.name': tool,
            'mcp.tool.result.content_count': 1,
            ...(tool === 'divide' && i % 10 === 0 ? { 'mcp.tool.result.is_error': true } : {}),
          },
        })
        .end();
    }
  }
  return ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans())!;
}
const foreign = foreignBody();
const foreignSpans = decodeProtobufTraces(foreign).rows.length;
const fx = compare(
  () => void decodeProtobufTraces(foreign),
  () => void normalizeDialects(decodeProtobufTraces(foreign).rows),
  foreignSpans,
);

const k = (n: number) => `${(n / 1000).toFixed(0)}k`;
console.log(`normalizeDialects: ${rounds} alternating rounds of ${roundMs} ms, medians`);
console.log(
  `mcpscope SDK spans (${bodies.length} bodies, ${sdkSpans} spans): decode ${k(sdk.a)} spans/s, ` +
    `decode + normalise ${k(sdk.b)} spans/s (${sdk.perSpanNs.toFixed(1)} ns/span); ` +
    `the step alone ${(1e9 / stepAlone).toFixed(1)} ns/span (${k(stepAlone)} spans/s), ` +
    `on the ${plainRows.length} spans without MCP attributes ${(1e9 / plainAlone).toFixed(1)} ns/span`,
);
console.log(
  `foreign spans (traceloop + Sentry, ${foreignSpans} spans): decode ${k(fx.a)} spans/s, ` +
    `decode + normalise ${k(fx.b)} spans/s (+${fx.perSpanNs.toFixed(0)} ns/span)`,
);
