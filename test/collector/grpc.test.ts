/**
 * OTLP/gRPC into a real collector: the `mcpscope start` CLI in a child process on embedded ClickHouse,
 * its gRPC receiver on a free port, an ingest token, and a tiny ingest queue (MCPSCOPE_QUEUE_MAX_SPANS
 * = 500, which bounds queued data points too) so that a burst of concurrent exports overflows it for
 * real. The senders are the official `@opentelemetry/exporter-trace-otlp-grpc` and
 * `-metrics-otlp-grpc` exporters (0.223, as the HTTP exporters beside them) under the real tracing and
 * metrics SDKs, and a raw grpc-js client for a request no SDK would produce.
 *
 * The steps share one collector and run in order; the last stops it and reads its data directory:
 * every acknowledged span and data point is stored exactly once, and nothing of the refused exports.
 */
import { Metadata, status } from '@grpc/grpc-js';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, waitFor, type TestCollector } from '../helpers/collector.js';
import { exportRaw, freePort, retryDelayMs } from './helpers/grpcExport.js';
import { recordSeries } from './helpers/recordMetrics.js';
import { recordTraces, spansPerTrace } from './helpers/recordSpans.js';
import { toProtobuf, withChanges } from './helpers/sdkSpans.js';
import { storedHistogramPoints } from './helpers/storedMetricPoints.js';
import { storedSpansByTrace } from './helpers/storedSpans.js';

const TOKEN = 'grpc-ingest-token';
const QUEUE_MAX_SPANS = 500;

let collector: TestCollector;
let address: string;
/** Spans per trace that the collector acknowledged: each must be stored exactly once. */
const expected = new Map<string, number>();
/** Traces whose every export was refused: nothing of them may be stored. */
const refusedTraces = new Set<string>();
/** Data points per service (one histogram point per series) that the collector acknowledged. */
const expectedPoints = new Map<string, number>();

beforeAll(async () => {
  const port = await freePort();
  address = `127.0.0.1:${port}`;
  collector = await startCollector({
    env: {
      MCPSCOPE_GRPC_PORT: String(port),
      MCPSCOPE_INGEST_TOKEN: TOKEN,
      MCPSCOPE_QUEUE_MAX_SPANS: String(QUEUE_MAX_SPANS),
    },
  });
});

afterAll(async () => {
  await collector?.stop();
});

function bearer(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

/** One export of `data` by an OpenTelemetry exporter, trace or metric. */
function exportOnce<T>(
  exporter: { export(data: T, done: (result: ExportResult) => void): void },
  data: T,
): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(data, resolve));
}

/** Spans the collector's query API returns for a trace (0 when it has none). */
async function spansInApi(traceId: string): Promise<number> {
  const res = await fetch(`${collector.url}/api/traces/${traceId}`);
  if (res.status === 404) return 0;
  return ((await res.json()) as { spans: unknown[] }).spans.length;
}

/** Runs `create` with the given environment variables set, as a user would configure an exporter. */
function withEnv<T>(vars: Record<string, string>, create: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return create();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

describe('OTLP/gRPC receiver of a running collector', () => {
  it('says where it listens for OTLP/gRPC', async () => {
    // The banner follows the "listening on" line that the helper waits for.
    await waitFor(async () => collector.output().includes('OTLP/gRPC:'), 10_000, 'the banner');
    expect(collector.output()).toContain(`OTLP/gRPC: ${address}`);
  });

  it('the official gRPC exporter under the real tracing SDK delivers MCP spans into storage', async () => {
    const exporter = new OTLPTraceExporter({ url: `http://${address}`, metadata: bearer(TOKEN) });
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'grpc-agent' }),
      spanProcessors: [new BatchSpanProcessor(exporter)],
    });
    const tracer = provider.getTracer('@mcpscope/sdk', '0.1.0');
    const traceIds: string[] = [];
    for (let t = 0; t < 5; t++) {
      const root = tracer.startSpan('tools/call get_weather', {
        kind: SpanKind.CLIENT,
        attributes: { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'get_weather' },
      });
      const parent = trace.setSpan(context.active(), root);
      for (let i = 0; i < 3; i++) tracer.startSpan('GET', { kind: SpanKind.CLIENT }, parent).end();
      root.end();
      traceIds.push(root.spanContext().traceId);
    }
    await provider.forceFlush();
    await provider.shutdown();
    for (const id of traceIds) {
      expect(await spansInApi(id), `trace ${id}`).toBe(4);
      expected.set(id, 4);
    }
  });

  it('gzip, with endpoint, token and compression from the OTEL_EXPORTER_OTLP_TRACES_* environment', async () => {
    const exporter = withEnv(
      {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://${address}`,
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: `authorization=Bearer%20${TOKEN}`,
        OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
      },
      () => new OTLPTraceExporter(),
    );
    const spans = recordTraces('grpc-gzip', 3, 20);
    const result = await exportOnce(exporter, spans);
    await exporter.shutdown();
    expect(result.error).toBeUndefined();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    for (const [id, n] of spansPerTrace(spans)) {
      expect(await spansInApi(id)).toBe(n);
      expected.set(id, n);
    }
  });

  it('a wrong or missing token is UNAUTHENTICATED, and nothing is stored', async () => {
    for (const metadata of [bearer('not-the-token'), new Metadata()]) {
      const exporter = new OTLPTraceExporter({ url: `http://${address}`, metadata });
      const spans = recordTraces('grpc-intruder', 1, 2);
      const result = await exportOnce(exporter, spans);
      await exporter.shutdown();
      expect(result.code).toBe(ExportResultCode.FAILED);
      expect((result.error as { code?: number }).code).toBe(status.UNAUTHENTICATED);
      for (const id of spansPerTrace(spans).keys()) refusedTraces.add(id);
    }
  });

  it('a request with a malformed span gets partial_success with the reason; the valid spans are stored', async () => {
    const spans = recordTraces('grpc-raw', 1, 3);
    const zeroId = withChanges(spans[1]!, { spanId: '0'.repeat(16), name: 'tools/call broken' });
    const { error, response } = await exportRaw(address, toProtobuf([...spans, zeroId]), {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(error).toBeUndefined();
    const partial = ProtobufTraceSerializer.deserializeResponse(response!).partialSuccess;
    expect(Number(partial?.rejectedSpans)).toBe(1);
    expect(partial?.errorMessage).toMatch(/1 span rejected: 1 invalid_span_id \(span_id is all zero\)/);
    const traceId = spans[0]!.spanContext().traceId;
    expect(await spansInApi(traceId)).toBe(3);
    expected.set(traceId, 3);
  });

  it('under back-pressure: RESOURCE_EXHAUSTED with RetryInfo, retried as the OTLP spec says, every export succeeds', async () => {
    // The JS exporter 0.223 does not retry over gRPC by itself: its gRPC transport reports every
    // failed call as final (otlp-grpc-exporter-base's grpc-exporter-transport never answers
    // 'retryable'; only its HTTP transport does). The exporters of the other languages and the
    // OpenTelemetry Collector retry RESOURCE_EXHAUSTED when the status carries RetryInfo, after its
    // delay, and UNAVAILABLE always; `exportAsSpecified` does that with the same exporter and spans.
    const exporters = 16;
    const spansPerExport = 100;
    const batches = Array.from({ length: exporters }, (_, i) =>
      recordTraces(`grpc-burst-${i}`, 4, spansPerExport / 4),
    );
    const refusals: Refusal[] = [];
    const clients = batches.map(
      () =>
        new OTLPTraceExporter({ url: `http://${address}`, metadata: bearer(TOKEN), timeoutMillis: 30_000 }),
    );
    const results = await Promise.all(batches.map((b, i) => exportAsSpecified(clients[i]!, b, refusals)));
    await Promise.all(clients.map((c) => c.shutdown()));

    expect(results.map((r) => r.code)).toEqual(results.map(() => ExportResultCode.SUCCESS));
    expect(refusals.length).toBeGreaterThan(0);
    for (const r of refusals) {
      expect([status.RESOURCE_EXHAUSTED, status.UNAVAILABLE]).toContain(r.code);
      expect(r.delayMs, 'RetryInfo in the status details').toBeGreaterThan(0);
    }
    for (const batch of batches) for (const [id, n] of spansPerTrace(batch)) expected.set(id, n);
  });

  it('the official gRPC metric exporter delivers data points, through RESOURCE_EXHAUSTED with RetryInfo under a burst', async () => {
    // Retried as above, for the same reason: the JS exporter's gRPC transport does not retry.
    const exporters = 12;
    const pointsPerExport = 100;
    const names = Array.from({ length: exporters }, (_, i) => `grpc-metrics-sender-${i}`);
    const batches: ResourceMetrics[] = await Promise.all(names.map((n) => recordSeries(n, pointsPerExport)));
    const refusals: Refusal[] = [];
    const clients = batches.map(
      () =>
        new OTLPMetricExporter({ url: `http://${address}`, metadata: bearer(TOKEN), timeoutMillis: 30_000 }),
    );
    const results = await Promise.all(batches.map((b, i) => exportAsSpecified(clients[i]!, b, refusals)));
    await Promise.all(clients.map((c) => c.shutdown()));

    expect(results.map((r) => r.code)).toEqual(results.map(() => ExportResultCode.SUCCESS));
    expect(refusals.length).toBeGreaterThan(0);
    for (const r of refusals) {
      expect([status.RESOURCE_EXHAUSTED, status.UNAVAILABLE]).toContain(r.code);
      expect(r.delayMs, 'RetryInfo in the status details').toBeGreaterThan(0);
    }
    for (const n of names) expectedPoints.set(n, pointsPerExport);
  });

  it('stored every acknowledged span and data point exactly once, and nothing of the refused exports', async () => {
    await collector.stop({ keepData: true });
    const stored = await storedSpansByTrace(collector.dataDir, [...expected.keys(), ...refusedTraces]);
    for (const [traceId, n] of expected) {
      expect(stored.get(traceId), `trace ${traceId}`).toEqual({ rows: n, spans: n });
    }
    for (const traceId of refusedTraces) expect(stored.get(traceId)).toEqual({ rows: 0, spans: 0 });
    const points = await storedHistogramPoints(collector.dataDir, [...expectedPoints.keys()]);
    for (const [service, n] of expectedPoints) {
      expect(points.get(service), `data points of ${service}`).toEqual({ rows: n, series: n });
    }
  });
});

interface Refusal {
  code: number;
  delayMs: number | undefined;
}

/**
 * One export, retried as the OTLP specification asks of an exporter: UNAVAILABLE, and
 * RESOURCE_EXHAUSTED when its status carries RetryInfo, are tried again after the RetryInfo delay
 * (1 s when there is none); anything else is final. Each refusal is recorded.
 */
async function exportAsSpecified<T>(
  exporter: { export(data: T, done: (result: ExportResult) => void): void },
  data: T,
  refusals: Refusal[],
): Promise<ExportResult> {
  for (let attempt = 1; ; attempt++) {
    const result = await exportOnce(exporter, data);
    if (result.code === ExportResultCode.SUCCESS || attempt === 30) return result;
    const code = (result.error as { code?: number } | undefined)?.code ?? -1;
    const delayMs = retryDelayMs(result.error);
    const retryable =
      code === status.UNAVAILABLE || (code === status.RESOURCE_EXHAUSTED && delayMs !== undefined);
    if (!retryable) return result;
    refusals.push({ code, delayMs });
    await new Promise((resolve) => setTimeout(resolve, delayMs ?? 1000));
  }
}
