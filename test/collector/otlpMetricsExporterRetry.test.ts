/**
 * The official OpenTelemetry JS metric exporters (OTLP/HTTP protobuf and JSON, 0.223) against a real
 * collector child process whose ingest queue is tiny (MCPSCOPE_QUEUE_MAX_SPANS=500, which bounds the
 * data points queued too): a burst of concurrent exports overflows it for real, the collector answers
 * 429 with Retry-After, the exporters' own retry logic tries again, and in the end every data point of
 * every export is stored exactly once.
 *
 * The steps share one collector and run in order; the last stops it and reads its data directory.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type TestCollector } from '../helpers/collector.js';
import { answeredCount, exportBurst } from './helpers/exportBurst.js';
import { recordSeries } from './helpers/recordMetrics.js';
import { storedHistogramPoints } from './helpers/storedMetricPoints.js';

const QUEUE_MAX = 500;
const EXPORTERS = 12;
const POINTS_PER_EXPORT = 100;

let collector: TestCollector;
const senders: string[] = [];

beforeAll(async () => {
  collector = await startCollector({ env: { MCPSCOPE_QUEUE_MAX_SPANS: String(QUEUE_MAX) } });
});

afterAll(async () => {
  await collector?.stop();
});

const answered = (code: number): Promise<number> =>
  answeredCount(collector.url, 'mcpscope_otlp_metrics_requests_total', code);

/** EXPORTERS exporters, each exporting POINTS_PER_EXPORT data points, all at the same moment. */
async function burst(kind: string, create: () => PushMetricExporter): Promise<ExportResult[]> {
  const names = Array.from({ length: EXPORTERS }, (_, i) => `${kind}-metrics-sender-${i}`);
  senders.push(...names);
  const batches = await Promise.all(names.map((name) => recordSeries(name, POINTS_PER_EXPORT)));
  return exportBurst(batches, create);
}

describe('OpenTelemetry metric exporters retrying against a full queue', () => {
  // The exporter gives up when the next retry would pass its timeout; the burst needs a few rounds of
  // 1-second Retry-After, so give it room.
  const timeoutMillis = 30_000;

  it('protobuf exporter: refused with 429 at first, every export succeeds through retries', async () => {
    const before = await answered(429);
    const results = await burst(
      'proto',
      () => new ProtoMetricExporter({ url: `${collector.url}/v1/metrics`, timeoutMillis }),
    );
    expect(results.map((r) => r.code)).toEqual(results.map(() => ExportResultCode.SUCCESS));
    expect(await answered(429)).toBeGreaterThan(before);
  });

  it('JSON exporter: refused with 429 at first, every export succeeds through retries', async () => {
    const before = await answered(429);
    const results = await burst(
      'json',
      () => new JsonMetricExporter({ url: `${collector.url}/v1/metrics`, timeoutMillis }),
    );
    expect(results.map((r) => r.code)).toEqual(results.map(() => ExportResultCode.SUCCESS));
    expect(await answered(429)).toBeGreaterThan(before);
  });

  it('stored every exported data point exactly once', async () => {
    expect(senders).toHaveLength(2 * EXPORTERS);
    await collector.stop({ keepData: true });
    const stored = await storedHistogramPoints(collector.dataDir, senders);
    for (const sender of senders) {
      expect(stored.get(sender), sender).toEqual({ rows: POINTS_PER_EXPORT, series: POINTS_PER_EXPORT });
    }
  });
});
