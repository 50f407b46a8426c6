/**
 * The metric tables on the real embedded engine: migration 10 made them with the retention TTL; a
 * write retried with its deduplication token stores nothing twice in any of the five tables (while
 * the same rows under another token are stored again); the batcher's retry after a commit whose answer
 * was lost reuses the token; values JSON cannot spell (NaN, ±Infinity) are stored as such.
 */
import { ValueType } from '@opentelemetry/api';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Batcher, type RowStore } from '../pipeline/batcher.js';
import { decodeJsonMetrics } from '../receiver/decodeJsonMetrics.js';
import { decodeProtobufMetrics } from '../receiver/decodeProtobufMetrics.js';
import type { MetricKind, MetricPoint } from './metricRows.js';
import { METRIC_TABLES } from './metricsSchema.js';
import { retentionDaysOf } from './retention.js';
import { openTempStorage, type TempStorage } from './tempStorage.js';

let t: TempStorage;
beforeAll(async () => {
  t = await openTempStorage('metric-writer', { retentionDays: 7 });
});
afterAll(async () => {
  await t?.close();
});

class CollectingReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

let seq = 0;

/** Rows of four metric types (gauge, sum, histogram, exponential histogram) as the SDK records them. */
async function sdkRows(): Promise<{ service: string; rows: MetricPoint[] }> {
  const service = `writer-${++seq}`;
  const reader = new CollectingReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    readers: [reader],
    views: [{ instrumentName: 'exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('writer-test');
  meter.createGauge('g').record(1.5);
  meter.createCounter('c', { valueType: ValueType.INT }).add(2);
  meter.createHistogram('h', { advice: { explicitBucketBoundaries: [1, 10] } }).record(5);
  meter.createHistogram('exp').record(3);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  const decoded = decodeProtobufMetrics(ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!);
  expect(decoded.rejected).toEqual([]);
  return { service, rows: [...decoded.rows, summaryRow(service)] };
}

/** A summary point (the SDK records none: summaries come from other senders, e.g. Prometheus). */
function summaryRow(service: string): MetricPoint {
  const now = (BigInt(Date.now()) * 1_000_000n).toString();
  const body = JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeMetrics: [
          {
            metrics: [
              {
                name: 's',
                summary: {
                  dataPoints: [
                    {
                      timeUnixNano: now,
                      count: '4',
                      sum: 10,
                      quantileValues: [
                        { quantile: 0.5, value: 2 },
                        { quantile: 1, value: 4 },
                      ],
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  });
  return decodeJsonMetrics(Buffer.from(body)).rows[0]!;
}

/** Rows per metric table for one service. */
async function counts(service: string): Promise<Record<MetricKind, number>> {
  const out = {} as Record<MetricKind, number>;
  for (const [kind, table] of Object.entries(METRIC_TABLES) as [MetricKind, string][]) {
    const rs = await t.client.query({
      query: `SELECT count() AS n FROM mcpscope.${table} WHERE ServiceName = {s:String}`,
      query_params: { s: service },
      format: 'JSONEachRow',
    });
    out[kind] = Number((await rs.json<{ n: string }>())[0]?.n);
  }
  return out;
}

const ONCE = { gauge: 1, sum: 1, histogram: 1, exponential_histogram: 1, summary: 1 };
const TWICE = { gauge: 2, sum: 2, histogram: 2, exponential_histogram: 2, summary: 2 };

describe('metric tables', () => {
  it('are created with the retention TTL, dropping whole parts', async () => {
    const rs = await t.client.query({
      query: `SELECT name, engine_full FROM system.tables WHERE database = 'mcpscope' AND name LIKE 'otel_metrics_%'`,
      format: 'JSONEachRow',
    });
    const tables = await rs.json<{ name: string; engine_full: string }>();
    expect(tables.map((r) => r.name).sort()).toEqual(Object.values(METRIC_TABLES).sort());
    for (const r of tables) {
      expect(retentionDaysOf(r.engine_full)).toBe(7);
      expect(r.engine_full).toContain('ttl_only_drop_parts = 1');
      expect(r.engine_full).toContain('non_replicated_deduplication_window = 1000');
    }
  });

  it('store a write retried with its token once in every table, and the same rows under another token again', async () => {
    const a = await sdkRows();
    await t.storage.insertMetrics(a.rows, 'metric-token-a');
    await t.storage.insertMetrics(a.rows, 'metric-token-a');
    expect(await counts(a.service)).toEqual(ONCE);
    // The token is what makes the second write a repeat: under a new one the rows are stored again.
    const b = await sdkRows();
    await t.storage.insertMetrics(b.rows, 'metric-token-b1');
    await t.storage.insertMetrics(b.rows, 'metric-token-b2');
    expect(await counts(b.service)).toEqual(TWICE);
  });

  it('complete, through the batcher, a write whose answer was lost after the commit, without doubling it', async () => {
    // A fault we cannot cause for real on demand: the engine commits, then the answer is lost (a
    // connection reset after the commit). The wrapper commits through the real storage, then throws.
    let failOnce = true;
    const tokens: (string | undefined)[] = [];
    const flaky: RowStore<MetricPoint> = {
      async insert(rows, token) {
        tokens.push(token);
        await t.storage.insertMetrics(rows, token);
        if (failOnce) {
          failOnce = false;
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }
      },
    };
    const batcher = new Batcher<MetricPoint>(flaky, { retryBaseMs: 1 });
    const c = await sdkRows();
    await batcher.submit({ rows: c.rows, bytes: 1000 });
    await batcher.close();
    expect(tokens).toHaveLength(2);
    expect(tokens[1]).toBe(tokens[0]);
    expect(await counts(c.service)).toEqual(ONCE);
  });

  it("take an insert with the OpenTelemetry ClickHouse exporter's own histogram column list", async () => {
    // The exporter's histogram INSERT names these columns (exporter/clickhouseexporter, sql templates).
    const columns = [
      'ResourceAttributes',
      'ResourceSchemaUrl',
      'ScopeName',
      'ScopeVersion',
      'ScopeAttributes',
      'ScopeDroppedAttrCount',
      'ScopeSchemaUrl',
      'ServiceName',
      'MetricName',
      'MetricDescription',
      'MetricUnit',
      'Attributes',
      'StartTimeUnix',
      'TimeUnix',
      'Count',
      'Sum',
      'BucketCounts',
      'ExplicitBounds',
      'Exemplars.FilteredAttributes',
      'Exemplars.TimeUnix',
      'Exemplars.Value',
      'Exemplars.SpanId',
      'Exemplars.TraceId',
      'Flags',
      'Min',
      'Max',
      'AggregationTemporality',
    ];
    const service = `exporter-${++seq}`;
    await t.client.command({
      query:
        `INSERT INTO mcpscope.${METRIC_TABLES.histogram} (${columns.map((c) => `\`${c}\``).join(', ')}) VALUES ` +
        `(map('service.name', '${service}'), '', 'otelcol', '1', map(), 0, '', '${service}', 'x.duration', '', 's', ` +
        `map('k', 'v'), now64(9), now64(9), 3, 1.5, [1, 2], [0.5], [map()], [now64(9)], [0.7], [''], [''], 0, 0.1, 1, 2)`,
    });
    const rs = await t.client.query({
      query: `SELECT Count, BucketCounts FROM mcpscope.${METRIC_TABLES.histogram} WHERE ServiceName = {s:String}`,
      query_params: { s: service },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ Count: string | number; BucketCounts: (string | number)[] }>();
    expect(rows.map((r) => [Number(r.Count), r.BucketCounts.map(Number)])).toEqual([[3, [1, 2]]]);
  });

  it('store doubles JSON cannot spell as themselves', async () => {
    const { service, rows } = await sdkRows();
    const gauge = rows.find((r) => r.kind === 'gauge')!;
    const histogram = rows.find((r) => r.kind === 'histogram')!;
    await t.storage.insertMetrics([
      { ...gauge, Value: Number.NaN },
      { ...histogram, Min: Number.NEGATIVE_INFINITY, Max: Number.POSITIVE_INFINITY } as MetricPoint,
    ]);
    const rs = await t.client.query({
      query: `SELECT
        (SELECT toString(Value) FROM mcpscope.otel_metrics_gauge WHERE ServiceName = {s:String}) AS value,
        (SELECT toString(Min) FROM mcpscope.otel_metrics_histogram WHERE ServiceName = {s:String}) AS min,
        (SELECT toString(Max) FROM mcpscope.otel_metrics_histogram WHERE ServiceName = {s:String}) AS max`,
      query_params: { s: service },
      format: 'JSONEachRow',
    });
    expect((await rs.json())[0]).toEqual({ value: 'nan', min: '-inf', max: 'inf' });
  });
});
