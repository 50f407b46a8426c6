/**
 * `/overview` from spans or from the operation histograms, against the embedded ClickHouse engine:
 * span rows as the SDK writes them (fixtures.ts) and histogram points decoded from OTLP/JSON by the
 * receiver's own decoder, with exact counts so the expectations can be exact. Cumulative points are
 * diffed against their predecessor (one before the window), a series that started inside what was read
 * counts whole, delta points count as they are, server-side caller-fault codes are not failures, and
 * the server filter follows the spans' server names. One data directory for the file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, parseOverviewFilter } from '../api/params.js';
import { decodeJsonMetrics } from '../receiver/decodeJsonMetrics.js';
import { histogramRequest, type HistogramPoint } from '../receiver/testing/histogramRequest.js';
import { toolCall } from './fixtures.js';
import type { Storage } from './index.js';
import type { SpanRow } from './rows.js';
import { openTempStorage, type TempStorage } from './tempStorage.js';

let temp: TempStorage;
let storage: Storage;

const MINUTE = 60_000;
const FROM = Math.floor((Date.now() - 40 * MINUTE) / MINUTE) * MINUTE;
const TO = FROM + 10 * MINUTE;
const window = { from: new Date(FROM), to: new Date(TO) };
/** Half a minute into minute `m` of the window (negative: before it). */
const at = (m: number): number => FROM + m * MINUTE + 30_000;

/** Seconds, as the SDK records them: 5 ms, 10 ms, 50 ms, 100 ms, then the open bucket. */
const BOUNDS = [0.005, 0.01, 0.05, 0.1];
const CLIENT = 'mcp.client.operation.duration';
const SERVER = 'mcp.server.operation.duration';
const DELTA = 1 as const;
const CUMULATIVE = 2 as const;

/** One OTLP/JSON export of one histogram, decoded by the receiver and stored. */
async function exportHistogram(
  service: string,
  metric: string,
  temporality: 1 | 2,
  points: Array<Omit<HistogramPoint, 'sum'>>,
): Promise<void> {
  const body = histogramRequest(
    service,
    metric,
    BOUNDS,
    temporality,
    points.map((p) => ({ ...p, sum: 0 })),
  );
  const decoded = decodeJsonMetrics(Buffer.from(body));
  expect(decoded.rejected).toEqual([]);
  await storage.insertMetrics(decoded.rows);
}

const weatherCall = { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'get_weather' };
const failed = (type: string) => ({ ...weatherCall, 'error.type': type });

beforeAll(async () => {
  temp = await openTempStorage('overview-source');
  storage = temp.storage;
  const spans: SpanRow[] = [];
  // "sampled-agent": four of its calls were traced (to server weather-s), the histograms saw 66.
  for (const m of [1, 3, 5, 7])
    spans.push(
      ...toolCall({
        startMs: at(m),
        durationMs: 8,
        tool: 'get_weather',
        agent: 'sampled-agent',
        server: 'weather-s',
      }),
    );
  // "full-agent": every call traced, and the same twelve in its histogram.
  for (let i = 0; i < 12; i++)
    spans.push(
      ...toolCall({ startMs: at(i % 9) + i, durationMs: 20, tool: 'get_weather', agent: 'full-agent' }),
    );
  // "two-server-agent": calls get_weather on two servers; its histogram cannot tell them apart.
  for (const server of ['east', 'west'])
    spans.push(
      ...toolCall({ startMs: at(2), durationMs: 5, tool: 'get_weather', agent: 'two-server-agent', server }),
    );
  await storage.insert(spans);

  await exportHistogram('sampled-agent', CLIENT, CUMULATIVE, [
    // Cumulative since 50 minutes before the window: the point before it is only the base.
    { attributes: weatherCall, startMs: FROM - 50 * MINUTE, timeMs: at(-1), counts: [5, 10, 5, 0, 0] },
    { attributes: weatherCall, startMs: FROM - 50 * MINUTE, timeMs: at(2), counts: [10, 25, 15, 0, 0] },
    { attributes: weatherCall, startMs: FROM - 50 * MINUTE, timeMs: at(6), counts: [15, 40, 25, 0, 0] },
    // The failures' series started inside the window: its first point counts whole.
    { attributes: failed('tool_error'), startMs: FROM + 10_000, timeMs: at(2), counts: [0, 0, 0, 4, 0] },
    { attributes: failed('tool_error'), startMs: FROM + 10_000, timeMs: at(6), counts: [0, 0, 0, 5, 1] },
  ]);
  await exportHistogram('full-agent', CLIENT, DELTA, [
    { attributes: weatherCall, startMs: at(0) - 30_000, timeMs: at(4), counts: [0, 0, 6, 0, 0] },
    { attributes: weatherCall, startMs: at(4), timeMs: at(8), counts: [0, 0, 6, 0, 0] },
  ]);
  await exportHistogram('delta-server', SERVER, DELTA, [
    { attributes: weatherCall, startMs: at(0), timeMs: at(1), counts: [10, 0, 0, 0, 0] },
    // Invalid params: the caller's fault, not a failure of the server.
    { attributes: failed('-32602'), startMs: at(0), timeMs: at(1), counts: [3, 0, 0, 0, 0] },
    { attributes: failed('tool_error'), startMs: at(0), timeMs: at(1), counts: [0, 2, 0, 0, 0] },
  ]);
  await exportHistogram('two-server-agent', CLIENT, DELTA, [
    { attributes: weatherCall, startMs: at(0), timeMs: at(3), counts: [40, 0, 0, 0, 0] },
  ]);
}, 120_000);

afterAll(async () => {
  await temp?.close();
});

describe('the overview where traces are sampled', () => {
  it('counts every call from the histograms, and says so', async () => {
    const o = await storage.queries.overview({ ...window, service: 'sampled-agent' });
    expect(o.source).toEqual({
      used: 'metrics',
      requested: 'auto',
      reason: 'sampled',
      comparedLayer: 'client',
      spanCalls: 4,
      metricCalls: 66,
      sampledRatio: 4 / 66,
    });
    expect(o.layer).toBe('client');
    // Window deltas: [10, 30, 20, 0, 0] and [0, 0, 0, 5, 1]. p50 (rank 33) lies in (5, 10] ms after
    // 10 calls: 5 + 5 × 23/30; p95 (rank 62.7) in (50, 100] after 60: 50 + 50 × 2.7/5; p99 (rank
    // 65.34) in the open bucket, which answers its lower bound.
    expect(o.totals).toEqual({
      count: 66,
      errors: 6,
      errorRate: 6 / 66,
      p50Ms: Math.round((5 + (5 * 23) / 30) * 1000) / 1000,
      p95Ms: 77,
      p99Ms: 100,
    });
    // Two exports in the window: 30 + 4 calls, then 30 + 2.
    expect(o.series.map((p) => [p.t, p.count, p.errors])).toEqual([
      [new Date(FROM + 2 * MINUTE).toISOString(), 34, 4],
      [new Date(FROM + 6 * MINUTE).toISOString(), 32, 2],
    ]);
    // The row names the server the traced calls went to.
    expect(o.servers).toHaveLength(1);
    expect(o.servers[0]).toMatchObject({
      service: 'sampled-agent',
      server: 'weather-s',
      method: 'tools/call',
      tool: 'get_weather',
      layer: 'client',
      count: 66,
      errors: 6,
    });
    expect(o.servers[0]?.trend?.calls.reduce((a, b) => a + b, 0)).toBe(66);
  });

  it('reads the spans when asked, still reporting how sampled they are', async () => {
    const o = await storage.queries.overview({ ...window, service: 'sampled-agent', source: 'spans' });
    expect(o.source).toMatchObject({ used: 'spans', requested: 'spans', reason: 'requested' });
    expect(o.source.sampledRatio).toBeCloseTo(4 / 66);
    expect(o.totals.count).toBe(4);
  });

  it('follows the server filter through the servers the spans name', async () => {
    const weather = await storage.queries.overview({
      ...window,
      service: 'sampled-agent',
      server: 'weather-s',
    });
    expect(weather.source.used).toBe('metrics');
    expect(weather.totals.count).toBe(66);
    const other = await storage.queries.overview({ ...window, service: 'sampled-agent', server: 'nowhere' });
    expect(other.source).toMatchObject({ used: 'spans', reason: 'no-metrics', metricCalls: 0 });
    expect(other.totals.count).toBe(0);
  });

  it('leaves a histogram group whose spans name two servers without a server', async () => {
    const o = await storage.queries.overview({ ...window, service: 'two-server-agent' });
    expect(o.source).toMatchObject({ used: 'metrics', reason: 'sampled', spanCalls: 2, metricCalls: 40 });
    expect(o.servers.map((r) => [r.server, r.count])).toEqual([['', 40]]);
    const east = await storage.queries.overview({ ...window, service: 'two-server-agent', server: 'east' });
    expect(east.source).toMatchObject({ used: 'spans', spanCalls: 1, metricCalls: 0 });
  });

  it('compares with the window before from the histograms too', async () => {
    const o = await storage.queries.overview({ ...window, service: 'sampled-agent', compare: 'previous' });
    expect(o.source.used).toBe('metrics');
    // The point just before the window is the first of its series read there, and the series started
    // within what was read (50 minutes before): it counts whole, 20 calls.
    expect(o.previous?.totals).toMatchObject({ count: 20, errors: 0 });
    expect(o.previous?.series.map((p) => p.count)).toEqual([20]);
  });

  it('keeps the transport layer on spans: it has no histogram', async () => {
    const o = await storage.queries.overview({ ...window, service: 'sampled-agent', layer: 'transport' });
    expect(o.source).toMatchObject({ used: 'spans', reason: 'layer-without-histogram' });
    expect(o.totals.count).toBe(4);
    expect(() => parseOverviewFilter({ source: 'metrics', layer: 'transport' })).toThrow(BadRequestError);
    expect(() => parseOverviewFilter({ source: 'sometimes' })).toThrow(/source/);
  });
});

describe('the overview where traces are complete or absent', () => {
  it('stays on the spans when both count the same calls', async () => {
    const o = await storage.queries.overview({ ...window, service: 'full-agent' });
    expect(o.source).toEqual({
      used: 'spans',
      requested: 'auto',
      reason: 'complete',
      comparedLayer: 'client',
      spanCalls: 12,
      metricCalls: 12,
    });
    expect(o.totals.count).toBe(12);
    // Forced onto the histograms: the same calls, the bucket estimate of the latency.
    const m = await storage.queries.overview({ ...window, service: 'full-agent', source: 'metrics' });
    expect(m.source).toMatchObject({ used: 'metrics', reason: 'requested' });
    expect(m.totals).toMatchObject({ count: 12, errors: 0 });
    expect(m.totals.p50Ms).toBeGreaterThan(10);
    expect(m.totals.p50Ms).toBeLessThanOrEqual(50);
  });

  it("reads a server's histograms when it sends no traces, not counting the caller's faults as failures", async () => {
    const o = await storage.queries.overview({ ...window, service: 'delta-server' });
    expect(o.source).toMatchObject({ used: 'metrics', reason: 'no-traces', comparedLayer: 'server' });
    expect(o.layer).toBe('server');
    expect(o.totals).toMatchObject({ count: 15, errors: 2 });
    expect(o.totals.errorRate).toBeCloseTo(2 / 15);
    const client = await storage.queries.overview({ ...window, service: 'delta-server', layer: 'client' });
    expect(client.source).toMatchObject({ used: 'spans', reason: 'no-metrics' });
    expect(client.totals.count).toBe(0);
  });

  it('answers from the spans as before where no histograms were exported', async () => {
    const o = await storage.queries.overview({ ...window, service: 'weather-s' });
    expect(o.source).toMatchObject({ used: 'spans', reason: 'no-metrics', metricCalls: 0 });
    expect(o.layer).toBe('server');
    expect(o.totals.count).toBe(4);
  });
});
