/**
 * The metrics decoders against what the real OpenTelemetry metrics SDK records and the official OTLP
 * serializers encode (protobuf and JSON): every metric type, the same rows from both encodings, and
 * malformed points refused with a reason while their neighbours are kept.
 */
import { ValueType, type HrTime } from '@opentelemetry/api';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  DataPointType,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import type { HistogramPoint, MetricPoint } from '../storage/metricRows.js';
import { OtlpDecodeError } from './decodeError.js';
import { decodeJsonMetrics } from './decodeJsonMetrics.js';
import { decodeProtobufMetrics } from './decodeProtobufMetrics.js';

/** A reader that collects on demand (the SDK's own collection path, no exporter). */
class CollectingReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

async function recordAll(): Promise<ResourceMetrics> {
  const reader = new CollectingReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'decode-test', 'host.name': 'h1' }),
    readers: [reader],
    views: [{ instrumentName: 'payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
  });
  const meter = provider.getMeter('decode-scope', '1.2.3');
  const call = { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'get_weather' };
  meter.createCounter('calls', { valueType: ValueType.INT }).add(3, call);
  meter.createUpDownCounter('queue.depth').add(-1.5);
  meter.createGauge('temperature', { unit: 'Cel' }).record(21.5, { room: 'a' });
  const latency = meter.createHistogram('call.duration', {
    unit: 's',
    description: 'How long calls take.',
    advice: { explicitBucketBoundaries: [0.1, 1] },
  });
  for (const v of [0.05, 0.5, 0.5, 2]) latency.record(v, call);
  const size = meter.createHistogram('payload.size', { unit: 'By' });
  for (const v of [1, 2, 4]) size.record(v);
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  await provider.shutdown();
  return resourceMetrics;
}

function both(resourceMetrics: ResourceMetrics) {
  const proto = Buffer.from(ProtobufMetricsSerializer.serializeRequest(resourceMetrics)!);
  const json = Buffer.from(JsonMetricsSerializer.serializeRequest(resourceMetrics)!);
  return { proto: decodeProtobufMetrics(proto), json: decodeJsonMetrics(json) };
}

const byName = (rows: MetricPoint[], name: string) => rows.find((r) => r.MetricName === name);

describe('metrics decoders', () => {
  it('decode every metric type the SDK exports into the same rows from protobuf and JSON', async () => {
    const { proto, json } = both(await recordAll());
    expect(proto.rejected).toEqual([]);
    expect(json.rows).toEqual(proto.rows);
    expect(json.rejected).toEqual([]);
    expect(proto.rows.map((r) => `${r.kind} ${r.MetricName}`).sort()).toEqual([
      'exponential_histogram payload.size',
      'gauge temperature',
      'histogram call.duration',
      'sum calls',
      'sum queue.depth',
    ]);
    for (const r of proto.rows) {
      expect(r).toMatchObject({
        ServiceName: 'decode-test',
        ScopeName: 'decode-scope',
        ScopeVersion: '1.2.3',
      });
      expect(r.ResourceAttributes['host.name']).toBe('h1');
      expect(r.TimeUnix).toMatch(/^\d{19}$/);
      expect(BigInt(r.StartTimeUnix) <= BigInt(r.TimeUnix)).toBe(true);
    }

    const histogram = byName(proto.rows, 'call.duration') as HistogramPoint;
    // 0.05 → (−∞, 0.1]; 0.5, 0.5 → (0.1, 1]; 2 → (1, +∞)
    expect(histogram).toMatchObject({
      MetricUnit: 's',
      MetricDescription: 'How long calls take.',
      Attributes: { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'get_weather' },
      Count: '4',
      BucketCounts: ['1', '2', '1'],
      ExplicitBounds: [0.1, 1],
      Min: 0.05,
      Max: 2,
      AggregationTemporality: 2,
    });
    expect(histogram.Sum).toBeCloseTo(3.05, 12);
    expect(byName(proto.rows, 'calls')).toMatchObject({
      Value: 3,
      IsMonotonic: true,
      AggregationTemporality: 2,
    });
    expect(byName(proto.rows, 'queue.depth')).toMatchObject({ Value: -1.5, IsMonotonic: false });
    expect(byName(proto.rows, 'temperature')).toMatchObject({ Value: 21.5, MetricUnit: 'Cel' });
    const exp = byName(proto.rows, 'payload.size');
    expect(exp?.kind).toBe('exponential_histogram');
    if (exp?.kind === 'exponential_histogram') {
      expect(exp.Count).toBe('3');
      expect(exp.PositiveBucketCounts.reduce((s, c) => s + Number(c), Number(exp.ZeroCount))).toBe(3);
      expect({ min: exp.Min, max: exp.Max, sum: exp.Sum }).toEqual({ min: 1, max: 4, sum: 7 });
    }
  });

  it('refuse each malformed point with a reason and keep the valid ones beside it', () => {
    const t: HrTime = [Math.floor(Date.now() / 1000), 0];
    const start: HrTime = [t[0] - 60, 0];
    const point = (counts: number[], count: number, boundaries = [1, 2]) => ({
      attributes: { n: String(counts.join('-')) },
      startTime: start,
      endTime: t,
      value: { buckets: { boundaries, counts }, count, sum: 1, min: 0, max: 3 },
    });
    const histogram = (name: string, dataPoints: ReturnType<typeof point>[]) => ({
      descriptor: { name, description: '', unit: 's', valueType: ValueType.DOUBLE },
      aggregationTemporality: AggregationTemporality.DELTA,
      dataPointType: DataPointType.HISTOGRAM as const,
      dataPoints,
    });
    const resourceMetrics: ResourceMetrics = {
      resource: resourceFromAttributes({ 'service.name': 'malformed' }),
      scopeMetrics: [
        {
          scope: { name: 's' },
          metrics: [
            histogram('good.and.bad', [
              point([1, 2, 3], 6),
              point([1, 2], 3), // two bounds need three counts
              point([1, 1, 1], 5), // the counts add up to 3, not 5
              point([0, 4, 0], 4, [2, 1]), // bounds out of order
            ]),
            histogram('', [point([1, 0, 0], 1)]), // a metric without a name
          ],
        },
      ],
    };
    for (const decoded of Object.values(both(resourceMetrics))) {
      expect(decoded.rows.map((r) => (r as HistogramPoint).BucketCounts)).toEqual([['1', '2', '3']]);
      expect(decoded.rejected.map((r) => r.reason)).toEqual([
        'invalid_buckets',
        'invalid_buckets',
        'invalid_buckets',
        'missing_name',
      ]);
      expect(decoded.rejected[1]!.message).toBe('bucket_counts add up to 3, count is 5');
    }
  });

  it('refuse points without a time or a value, and points whose time storage cannot hold', () => {
    const body = JSON.stringify({
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'g',
                  gauge: {
                    data_points: [
                      { timeUnixNano: '1700000000000000000', asInt: '7' },
                      { asDouble: 1 },
                      { timeUnixNano: '1700000000000000000' },
                      { timeUnixNano: '1700000000000000000', flags: 1 },
                      { timeUnixNano: '99999999999999999999', asDouble: 1 },
                      {
                        startTimeUnixNano: '1700000000000000001',
                        timeUnixNano: '1700000000000000000',
                        asInt: 1,
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
    const decoded = decodeJsonMetrics(Buffer.from(body));
    // The point flagged "no recorded value" is kept, with the flag.
    expect(decoded.rows.map((r) => [r.kind === 'gauge' ? r.Value : undefined, r.Flags])).toEqual([
      [7, 0],
      [0, 1],
    ]);
    expect(decoded.rows[0]!.ServiceName).toBe('unknown_service');
    expect(decoded.rejected.map((r) => r.reason)).toEqual([
      'missing_timestamps',
      'missing_value',
      'invalid_timestamp',
      'end_before_start',
    ]);
  });

  it('read OTLP/JSON enum names, snake_case keys and 64-bit counts as strings or numbers', () => {
    const body = JSON.stringify({
      resource_metrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-svc' } }] },
          scope_metrics: [
            {
              metrics: [
                {
                  name: 'h',
                  histogram: {
                    aggregation_temporality: 'AGGREGATION_TEMPORALITY_DELTA',
                    data_points: [
                      {
                        time_unix_nano: 1700000000000000000,
                        count: '3',
                        bucket_counts: ['1', 2],
                        explicit_bounds: [0.5],
                        exemplars: [
                          {
                            timeUnixNano: '1700000000000000000',
                            asDouble: 0.7,
                            traceId: '5b8efff798038103d269b633813fc60c',
                            spanId: 'eee19b7ec3c1b174',
                          },
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
    const [row] = decodeJsonMetrics(Buffer.from(body)).rows as HistogramPoint[];
    expect(row).toMatchObject({
      ServiceName: 'json-svc',
      AggregationTemporality: 1,
      Count: '3',
      BucketCounts: ['1', '2'],
      'Exemplars.TraceId': ['5b8efff798038103d269b633813fc60c'],
      'Exemplars.SpanId': ['eee19b7ec3c1b174'],
      'Exemplars.Value': [0.7],
    });
  });

  it('read repeated scalars packed or one by one, and fields in any order', () => {
    // A HistogramDataPoint written by hand: bucket_counts unpacked (one fixed64 field each), bounds
    // packed, and the Metric's name after its data.
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 2).fork(); // ResourceMetrics
    w.uint32((2 << 3) | 2).fork(); // ScopeMetrics
    w.uint32((2 << 3) | 2).fork(); // Metric
    w.uint32((9 << 3) | 2).fork(); // Histogram
    w.uint32((1 << 3) | 2).fork(); // HistogramDataPoint
    const time = 1_700_000_000_000_000_000n;
    w.uint32((3 << 3) | 1)
      .fixed32(Number(time & 0xffffffffn))
      .fixed32(Number(time >> 32n));
    w.uint32((4 << 3) | 1).fixed64(5);
    for (const c of [2, 3]) w.uint32((6 << 3) | 1).fixed64(c);
    w.uint32((7 << 3) | 2)
      .fork()
      .double(0.25)
      .ldelim();
    w.ldelim();
    w.uint32((2 << 3) | 0).int32(2); // cumulative
    w.ldelim();
    w.uint32((1 << 3) | 2).string('late.name');
    w.ldelim().ldelim().ldelim();
    const { rows, rejected } = decodeProtobufMetrics(w.finish());
    expect(rejected).toEqual([]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      MetricName: 'late.name',
      Count: '5',
      BucketCounts: ['2', '3'],
      ExplicitBounds: [0.25],
      AggregationTemporality: 2,
      TimeUnix: '1700000000000000000',
    });
  });

  it('refuse a body that is not an ExportMetricsServiceRequest as a whole', () => {
    expect(() => decodeProtobufMetrics(Buffer.from([0x0a, 0xff, 0xff]))).toThrow(OtlpDecodeError);
    expect(() => decodeJsonMetrics(Buffer.from('{"resourceMetrics": {}}'))).toThrow(
      /resourceMetrics: expected an array/,
    );
    expect(() => decodeJsonMetrics(Buffer.from('not json'))).toThrow(OtlpDecodeError);
  });
});
