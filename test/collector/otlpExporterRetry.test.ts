/**
 * The official OpenTelemetry JS exporters (OTLP/HTTP protobuf and JSON, 0.223) against a real
 * collector child process whose ingest queue is tiny (MCPSCOPE_QUEUE_MAX_SPANS=500): a burst of
 * concurrent exports overflows it for real, the collector answers 429 with Retry-After, the exporters'
 * own retry logic tries again, and in the end every span of every export is stored exactly once.
 *
 * The steps share one collector and run in order; the last stops it and reads its data directory.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type TestCollector } from '../helpers/collector.js';
import { answeredCount, exportBurst } from './helpers/exportBurst.js';
import { recordTraces, spansPerTrace } from './helpers/recordSpans.js';
import { storedSpansByTrace } from './helpers/storedSpans.js';

const QUEUE_MAX_SPANS = 500;
const EXPORTERS = 12;
const SPANS_PER_EXPORT = 100;

let collector: TestCollector;
const expected = new Map<string, number>();

beforeAll(async () => {
  collector = await startCollector({ env: { MCPSCOPE_QUEUE_MAX_SPANS: String(QUEUE_MAX_SPANS) } });
});

afterAll(async () => {
  await collector?.stop();
});

const answered = (code: number): Promise<number> =>
  answeredCount(collector.url, 'mcpscope_otlp_requests_total', code);

/** EXPORTERS exporters, each exporting one batch of SPANS_PER_EXPORT spans, all at the same moment. */
function burst(kind: string, create: () => SpanExporter): Promise<ExportResult[]> {
  const batches = Array.from({ length: EXPORTERS }, (_, i) =>
    recordTraces(`${kind}-sender-${i}`, 4, SPANS_PER_EXPORT / 4),
  );
  for (const batch of batches) for (const [id, n] of spansPerTrace(batch)) expected.set(id, n);
  return exportBurst(batches, create);
}

describe('OpenTelemetry exporters retrying against a full queue', () => {
  // The exporter gives up when the next retry would pass its timeout; the burst needs a few rounds
  // of 1-second Retry-After, so give it room.
  const timeoutMillis = 30_000;

  it('protobuf exporter: refused with 429 at first, every export succeeds through retries', async () => {
    const before = await answered(429);
    const results = await burst(
      'proto',
      () => new ProtoTraceExporter({ url: `${collector.url}/v1/traces`, timeoutMillis }),
    );
    expect(results.map((r) => r.code)).toEqual(results.map(() => ExportResultCode.SUCCESS));
    expect(await answered(429)).toBeGreaterThan(before);
  });

  it('JSON exporter: refused with 429 at first, every export succeeds through retries', async () => {
    const before = await answered(429);
    const results = await burst(
      'json',
      () => new JsonTraceExporter({ url: `${collector.url}/v1/traces`, timeoutMillis }),
    );
    expect(results.map((r) => r.code)).toEqual(results.map(() => ExportResultCode.SUCCESS));
    expect(await answered(429)).toBeGreaterThan(before);
  });

  it('stored every exported span exactly once', async () => {
    expect(expected.size).toBe(2 * EXPORTERS * 4);
    await collector.stop({ keepData: true });
    const stored = await storedSpansByTrace(collector.dataDir, [...expected.keys()]);
    for (const [traceId, n] of expected) {
      expect(stored.get(traceId), `trace ${traceId}`).toEqual({ rows: n, spans: n });
    }
  });
});
