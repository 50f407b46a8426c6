/**
 * `POST /v1/metrics` and the metrics read API on real parts: real HTTP into the real router, batcher
 * and embedded ClickHouse, fed by the official OpenTelemetry metric exporters (protobuf and JSON) and
 * the real metrics SDK, and by hand-written OTLP/JSON where exact points are needed. Two conditions
 * that cannot be caused for real here use stand-ins, mounted under their own prefixes: /pressure reads
 * a resident memory above the high-water mark (the batcher's `residentMemory` hook), /down has a store
 * whose every insert is refused with ECONNREFUSED.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { ValueType } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  MeterProvider,
  MetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricHistogramResponse, MetricsResponse } from '../api/types.js';
import { createApiRouter } from '../api/router.js';
import { createMetrics, metricBatcherMetrics } from '../metrics.js';
import { bearerAuth } from '../middleware/auth.js';
import { Batcher, type RowStore } from '../pipeline/batcher.js';
import type { MetricPoint } from '../storage/metricRows.js';
import { METRIC_TABLES } from '../storage/metricsSchema.js';
import { openTempStorage, type TempStorage } from '../storage/tempStorage.js';
import { createOtlpRouter } from './router.js';
import { histogramRequest } from './testing/histogramRequest.js';

const READ_TOKEN = 'read-s3cret';
let t: TempStorage;
let server: Server;
let base: string;
const metrics = createMetrics();
const batchers: { close(): Promise<void> }[] = [];

function metricBatcher(store: RowStore<MetricPoint>, options = {}): Batcher<MetricPoint> {
  const b = new Batcher<MetricPoint>(
    store,
    { rowNoun: 'data points', ...options },
    metricBatcherMetrics(metrics),
  );
  batchers.push(b);
  return b;
}

beforeAll(async () => {
  t = await openTempStorage('metrics-route');
  const spans = new Batcher(t.storage, {}, metrics);
  batchers.push(spans);
  const store: RowStore<MetricPoint> = { insert: (rows, token) => t.storage.insertMetrics(rows, token) };
  const app = express();
  const router = (prefix: string, options: Partial<Parameters<typeof createOtlpRouter>[0]>) =>
    app.use(prefix, createOtlpRouter({ batcher: spans, metricBatcher: metricBatcher(store), ...options }));
  router('/auth', { ingestToken: 'ingest-s3cret' });
  router('/small', { maxBodyBytes: 2048 });
  router('/pressure', {
    metricBatcher: metricBatcher(store, { memoryHighWaterBytes: 1024, residentMemory: () => 4096 }),
  });
  router('/down', {
    metricBatcher: metricBatcher(
      {
        insert: () =>
          Promise.reject(
            Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' }),
          ),
      },
      { retryBaseMs: 1, maxRetries: 1 },
    ),
  });
  router('/', { metrics });
  app.use('/api', bearerAuth(READ_TOKEN, 'mcpscope'), createApiRouter(t.storage.queries));
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await Promise.all(batchers.map((b) => b.close()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await t?.close();
});

/** A reader that collects on demand, so a test exports exactly what it recorded. */
class CollectingReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** Records `calls` MCP calls on the real metrics SDK, as service `service`, and collects them. */
async function recordCalls(service: string, durations: number[]): Promise<ResourceMetrics> {
  const reader = new CollectingReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    readers: [reader],
  });
  const meter = provider.getMeter('route-test');
  const histogram = meter.createHistogram('mcp.client.operation.duration', {
    unit: 's',
    advice: { explicitBucketBoundaries: [0.01, 0.1, 1] },
  });
  for (const d of durations)
    histogram.record(d, { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'x' });
  meter.createCounter('calls', { valueType: ValueType.INT }).add(durations.length);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

function exportOnce(exporter: PushMetricExporter, data: ResourceMetrics): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(data, resolve));
}

async function count(table: string, service: string): Promise<number> {
  const rs = await t.client.query({
    query: `SELECT count() AS n FROM mcpscope.${table} WHERE ServiceName = {s:String}`,
    query_params: { s: service },
    format: 'JSONEachRow',
  });
  return Number((await rs.json<{ n: string }>())[0]?.n);
}

async function post(path: string, body: Buffer | string, headers: Record<string, string>) {
  const res = await fetch(base + path, { method: 'POST', body, headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const JSON_CT = { 'Content-Type': 'application/json' };
const PROTO = { 'Content-Type': 'application/x-protobuf' };

// Whole minutes a little in the past, so that the per-minute buckets are known exactly.
const MINUTE = 60_000;
const M0 = Math.floor(Date.now() / MINUTE) * MINUTE - 20 * MINUTE;
describe('POST /v1/metrics', () => {
  it('stores what the official protobuf and JSON exporters send, before answering success', async () => {
    const cases = [
      ['proto-sender', new ProtoMetricExporter({ url: `${base}/v1/metrics` })],
      ['json-sender', new JsonMetricExporter({ url: `${base}/v1/metrics` })],
    ] as const;
    for (const [service, exporter] of cases) {
      const result = await exportOnce(exporter, await recordCalls(service, [0.005, 0.05, 0.5]));
      expect(result.code, String(result.error)).toBe(ExportResultCode.SUCCESS);
      // The answer came after the commit: the rows are there at once.
      expect(await count(METRIC_TABLES.histogram, service)).toBe(1);
      expect(await count(METRIC_TABLES.sum, service)).toBe(1);
      await exporter.shutdown();
    }
  });

  it('reports rejected data points with a reason in partial_success, in JSON and protobuf, and stores the valid ones', async () => {
    const service = 'partial-sender';
    const good = { attributes: { k: 'good' }, startMs: M0, timeMs: M0 + 1000, counts: [1, 1], sum: 0.5 };
    const body = histogramRequest(service, 'partial', [0.1], 1, [
      good,
      { ...good, attributes: { k: 'short' }, counts: [1] }, // one bound needs two counts
      { ...good, attributes: { k: 'late' }, timeMs: 0 }, // no time
    ]);
    const json = await post('/v1/metrics', body, JSON_CT);
    expect(json.status).toBe(200);
    const partial = (JSON.parse(json.body.toString()) as { partialSuccess: Record<string, string> })
      .partialSuccess;
    expect(partial).toEqual({
      rejectedDataPoints: '2',
      errorMessage: expect.stringMatching(
        /^2 data points rejected: 1 invalid_buckets \(bucket_counts has 1 entries, explicit_bounds 1: expected 2\); 1 missing_timestamps/,
      ),
    });

    // In protobuf: what the SDK recorded, plus a copy of its histogram point whose count the buckets
    // do not add up to; the answer is read by the official serializer.
    const bad = await recordCalls(service, [0.2]);
    const histogram = bad.scopeMetrics[0]!.metrics.find((m) => m.descriptor.name.startsWith('mcp.'))!;
    const point = histogram.dataPoints[0]!;
    (histogram.dataPoints as unknown[]).push({ ...point, value: { ...(point.value as object), count: 5 } });
    const res = await post(
      '/v1/metrics',
      Buffer.from(ProtobufMetricsSerializer.serializeRequest(bad)!),
      PROTO,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const response = ProtobufMetricsSerializer.deserializeResponse(res.body);
    expect(Number(response.partialSuccess?.rejectedDataPoints)).toBe(1);
    expect(response.partialSuccess?.errorMessage).toBe(
      '1 data point rejected: 1 invalid_buckets (bucket_counts add up to 1, count is 5)',
    );
    // The valid JSON point, and the SDK's own histogram point and counter, are stored.
    expect(await count(METRIC_TABLES.histogram, service)).toBe(2);
    expect(await count(METRIC_TABLES.sum, service)).toBe(1);
  });

  it('keeps the rules of /v1/traces: token, content type, size limit, compression, bad bodies, method', async () => {
    const body = histogramRequest('rules-sender', 'rules', [1], 1, [
      { attributes: {}, startMs: M0, timeMs: M0 + 1, counts: [1, 0], sum: 1 },
    ]);
    expect((await post('/auth/v1/metrics', body, JSON_CT)).status).toBe(401);
    expect(
      (await post('/auth/v1/metrics', body, { ...JSON_CT, Authorization: 'Bearer ingest-s3cret' })).status,
    ).toBe(200);
    expect((await post('/v1/metrics', body, { 'Content-Type': 'text/plain' })).status).toBe(415);
    const big = await post(
      '/small/v1/metrics',
      JSON.stringify({ resourceMetrics: [], pad: 'x'.repeat(4096) }),
      JSON_CT,
    );
    expect(big.status).toBe(413);
    expect(
      (await post('/v1/metrics', gzipSync(body), { ...JSON_CT, 'Content-Encoding': 'gzip' })).status,
    ).toBe(200);
    const garbage = await post('/v1/metrics', Buffer.from([0x0a, 0xff, 0xff, 0x01]), PROTO);
    expect(garbage.status).toBe(400);
    const notJson = await post('/v1/metrics', 'nope', JSON_CT);
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body.toString())).toMatchObject({ code: 3, message: /not valid JSON/ });
    expect((await fetch(`${base}/v1/metrics`)).status).toBe(405);
    expect(await count(METRIC_TABLES.histogram, 'rules-sender')).toBe(2);
  });

  it('answers 429 under memory pressure and 503 when storage is unavailable, both with Retry-After', async () => {
    const body = histogramRequest('refused-sender', 'refused', [1], 1, [
      { attributes: {}, startMs: M0, timeMs: M0 + 1, counts: [1, 0], sum: 1 },
    ]);
    const pressure = await post('/pressure/v1/metrics', body, JSON_CT);
    expect(pressure.status).toBe(429);
    expect(pressure.headers.get('retry-after')).toBe('1');
    const down = await post('/down/v1/metrics', body, JSON_CT);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    expect(JSON.parse(down.body.toString()).message).toMatch(/storage unavailable after 2 attempts/);
    expect(await count(METRIC_TABLES.histogram, 'refused-sender')).toBe(0);
  });
});

describe('GET /api/metrics and /api/metrics/histogram', () => {
  const service = 'api-sender';
  const name = 'mcp.client.operation.duration';
  const bounds = [0.1, 1];
  const tool = (t: string) => ({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': t });
  const window = `from=${M0}&to=${M0 + 10 * MINUTE}`;
  const get = (path: string) =>
    fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${READ_TOKEN}` } });

  beforeAll(async () => {
    // get_weather, CUMULATIVE (the SDKs' default): started at M0; 2 calls by M0+30 s, 8 by M0+90 s.
    const cumulative = histogramRequest(service, name, bounds, 2, [
      { attributes: tool('get_weather'), startMs: M0, timeMs: M0 + 30_000, counts: [1, 1, 0], sum: 0.6 },
      { attributes: tool('get_weather'), startMs: M0, timeMs: M0 + 90_000, counts: [3, 4, 1], sum: 3.0 },
    ]);
    // search, DELTA: 2 slow calls in the second minute, one of which failed.
    const delta = histogramRequest(service, name, bounds, 1, [
      { attributes: tool('search'), startMs: M0 + 60_000, timeMs: M0 + 90_000, counts: [0, 1, 0], sum: 0.5 },
      {
        attributes: { ...tool('search'), 'error.type': 'tool_error' },
        startMs: M0 + 60_000,
        timeMs: M0 + 90_000,
        counts: [0, 0, 1],
        sum: 2,
      },
    ]);
    for (const body of [cumulative, delta])
      expect((await post('/v1/metrics', body, JSON_CT)).status).toBe(200);
  });

  it('needs the read token', async () => {
    expect((await fetch(`${base}/api/metrics?${window}`)).status).toBe(401);
  });

  it('lists the metrics of the window with their type, unit and series', async () => {
    const res = await get(`/api/metrics?${window}&service=${service}`);
    expect(res.status).toBe(200);
    const { metrics: list } = (await res.json()) as MetricsResponse;
    expect(list).toEqual([
      {
        name,
        type: 'histogram',
        unit: 's',
        description: '',
        services: [service],
        series: 3,
        points: 4,
        lastSeen: new Date(M0 + 90_000).toISOString(),
      },
    ]);
  });

  it('turns cumulative points into per-minute counts and estimates percentiles from the buckets', async () => {
    const res = await get(`/api/metrics/histogram?name=${name}&${window}&tool=get_weather&method=tools/call`);
    expect(res.status).toBe(200);
    const h = (await res.json()) as MetricHistogramResponse;
    expect(h).toMatchObject({ name, unit: 's', series: 1 });
    // Minute 0: the first point whole (its series started inside what was read): [1, 1, 0].
    // Minute 1: the second point minus the first: [2, 3, 1].
    expect(h.points.map((p) => [p.minute, p.count, p.errors])).toEqual([
      [new Date(M0).toISOString(), 2, 0],
      [new Date(M0 + MINUTE).toISOString(), 6, 0],
    ]);
    expect(h.points[1]!.sum).toBeCloseTo(2.4, 9);
    // Minute 1, [2, 3, 1] over (0, 0.1], (0.1, 1], (1, ∞): the median (rank 3) is 1 into the 3 of
    // (0.1, 1]: 0.1 + 0.9 × 1/3 = 0.4; p95 and p99 (ranks 5.7, 5.94) fall in the open bucket: 1.
    expect(h.points[1]!.p50).toBeCloseTo(0.4, 9);
    expect(h.points[1]!.p95).toBe(1);
    // Total [3, 4, 1]: the median (rank 4) is 1 into the 4 of (0.1, 1]: 0.1 + 0.9 × 1/4 = 0.325.
    expect(h.total).toMatchObject({ count: 8, errors: 0, p95: 1, p99: 1 });
    expect(h.total.p50).toBeCloseTo(0.325, 9);
    expect(h.total.sum).toBeCloseTo(3.0, 9);
  });

  it('merges every series when no attribute filter is given, and counts the failed calls', async () => {
    const res = await get(`/api/metrics/histogram?name=${name}&${window}&service=${service}`);
    const h = (await res.json()) as MetricHistogramResponse;
    expect(h.series).toBe(3);
    // Minute 1: get_weather [2, 3, 1] + search [0, 1, 0] + [0, 0, 1] = [2, 4, 2], one error.
    expect(h.points.map((p) => [p.count, p.errors])).toEqual([
      [2, 0],
      [8, 1],
    ]);
    // Rank 4 of 8 is 2 into the 4 of (0.1, 1]: 0.1 + 0.9 × 2/4 = 0.55.
    expect(h.points[1]!.p50).toBeCloseTo(0.55, 9);
    // By attribute: the failed search call alone.
    const failed = (await (
      await get(`/api/metrics/histogram?name=${name}&${window}&attribute=error.type%3Dtool_error`)
    ).json()) as MetricHistogramResponse;
    expect(failed.total).toMatchObject({ count: 1, errors: 1, p50: 1 });
  });

  it('says which parameter is wrong', async () => {
    const noName = await get(`/api/metrics/histogram?${window}`);
    expect(noName.status).toBe(400);
    expect(await noName.json()).toEqual({ error: expect.stringMatching(/"name" is required/) });
    const badAttr = await get(`/api/metrics/histogram?name=x&attribute=novalue`);
    expect(badAttr.status).toBe(400);
  });
});
