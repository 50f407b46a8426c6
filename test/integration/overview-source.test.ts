/**
 * Issue #11, part 2: "where traces are sampled, the overview uses the histograms, and it says which it
 * used", on real parts. Two instrumented agents (each its own OpenTelemetry SDK, exporting OTLP to a
 * real collector in a child process) call the instrumented weather server over stdio, some calls
 * failing: one agent keeps one trace in ten (`TraceIdRatioBasedSampler(0.1)`), the other every trace.
 * `/api/overview` reads the first from its histograms — every call counted, failures exact, latency
 * from the buckets — and the second from its spans; `?source=` overrides either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_DURATION_BUCKETS } from '@mcpscope/sdk';
import type { OverviewResponse, ToolStats } from '@mcpscope/collector';
import { startCollector, waitFor, type TestCollector } from '../helpers/collector.js';
import { startSampledAgent, type SampledAgent } from '../helpers/sampledAgent.js';

/** The sampled agent's calls: 240 that succeed, 30 that throw, 30 with an error result. */
const WEATHER = 240;
const EXPLODE = 30;
const DECLINED = 30;
const CALLS = WEATHER + EXPLODE + DECLINED;
const FAILED = EXPLODE + DECLINED;
/** The fully traced agent's calls. */
const FULL_CALLS = 40;

let collector: TestCollector;
let sampled: SampledAgent;
let full: SampledAgent;
/** Each sampled-agent call's duration as the caller saw it, in ms. */
const durations: number[] = [];
let windowQs: string;

async function overview(query: string): Promise<OverviewResponse> {
  const res = await fetch(`${collector.url}/api/overview?${windowQs}&${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as OverviewResponse;
}

/** Calls of tools/call rows at one layer, by tool. */
function toolCalls(o: OverviewResponse, layer: string): Map<string, ToolStats> {
  return new Map(
    o.servers.filter((r) => r.method === 'tools/call' && r.layer === layer).map((r) => [r.tool, r]),
  );
}
const sum = (rows: Iterable<ToolStats>): number => [...rows].reduce((n, r) => n + r.count, 0);

beforeAll(async () => {
  collector = await startCollector();
  const started = Date.now();
  [sampled, full] = await Promise.all([
    startSampledAgent({
      collectorUrl: collector.url,
      service: 'sampled-agent',
      serverService: 'sampled-weather',
      ratio: 0.1,
    }),
    startSampledAgent({
      collectorUrl: collector.url,
      service: 'full-agent',
      serverService: 'full-weather',
      ratio: 1,
    }),
  ]);
  for (let i = 0; i < CALLS; i++) {
    const call =
      i % 10 === 3
        ? { name: 'explode', arguments: {} }
        : i % 10 === 7
          ? { name: 'charge_card', arguments: { amount: 5 } }
          : { name: 'get_weather', arguments: { city: 'Lisbon' } };
    const t = performance.now();
    await sampled.client.callTool(call);
    durations.push(performance.now() - t);
  }
  for (let i = 0; i < FULL_CALLS; i++)
    await full.client.callTool({ name: 'get_weather', arguments: { city: 'Porto' } });
  await Promise.all([sampled.flush(), full.flush()]);
  windowQs = `from=${started - 60_000}&to=${Date.now() + 60_000}`;

  // Stored: the spans the samplers kept, the client histograms, and the server's (exported every 0.5 s).
  await waitFor(
    async () => {
      const [spans, serverSpans, metrics, server, fullSpans] = await Promise.all([
        overview('service=sampled-agent&layer=client&source=spans'),
        overview('service=sampled-weather&layer=server&source=spans'),
        overview('service=sampled-agent&source=metrics'),
        overview('service=sampled-weather&layer=server&source=metrics'),
        overview('service=full-agent&layer=client&source=spans'),
      ]);
      return (
        spans.totals.count === sampled.tracedCalls() &&
        // The server keeps what the client kept (its sampler follows the parent) and exports it on its
        // own schedule.
        serverSpans.totals.count === sampled.tracedCalls() &&
        sum(toolCalls(metrics, 'client').values()) === CALLS &&
        sum(toolCalls(server, 'server').values()) === CALLS &&
        fullSpans.totals.count === full.tracedCalls()
      );
    },
    60_000,
    'the spans and histograms of every call to be stored',
  );
}, 240_000);

afterAll(async () => {
  await sampled?.close();
  await full?.close();
  await collector?.stop();
});

/** Bounds of the SDK's buckets in ms, with 0 below the first. */
const BOUNDS_MS = [0, ...OPERATION_DURATION_BUCKETS.map((s) => s * 1000)];

/** The bucket bounds around `ms`, widened by one bucket each way (the caller's clock runs longer). */
function bucketRange(ms: number): [number, number] {
  const upper = BOUNDS_MS.findIndex((b) => b >= ms);
  const i = upper === -1 ? BOUNDS_MS.length - 1 : upper;
  return [BOUNDS_MS[Math.max(0, i - 2)]!, BOUNDS_MS[Math.min(BOUNDS_MS.length - 1, i + 1)]!];
}

describe('the overview of a sampled agent', () => {
  it('is read from the histograms, counting every call and every failure', async () => {
    const o = await overview('service=sampled-agent');
    const traced = sampled.tracedCalls();
    expect(o.source).toMatchObject({
      used: 'metrics',
      requested: 'auto',
      reason: 'sampled',
      comparedLayer: 'client',
      spanCalls: traced,
      metricCalls: o.totals.count,
    });
    expect(o.layer).toBe('client');
    // One trace in ten: the ratio the spans and histograms show is near 0.1 (the sampler decides per
    // trace id; 300 draws keep it within a few points).
    expect(o.source.sampledRatio).toBeCloseTo(traced / o.totals.count, 10);
    expect(o.source.sampledRatio).toBeGreaterThan(0.02);
    expect(o.source.sampledRatio).toBeLessThan(0.25);

    const tools = toolCalls(o, 'client');
    expect(tools.get('get_weather')).toMatchObject({ count: WEATHER, errors: 0 });
    expect(tools.get('explode')).toMatchObject({ count: EXPLODE, errors: EXPLODE });
    expect(tools.get('charge_card')).toMatchObject({ count: DECLINED, errors: DECLINED });
    // Every request the client sent: the tool calls and the handshake, none failed but the tools.
    expect(o.totals.count).toBe(sum(o.servers.filter((r) => r.layer === 'client')));
    expect(o.totals.count).toBeGreaterThanOrEqual(CALLS);
    expect(o.totals.errors).toBe(FAILED);
    expect(o.totals.errorRate).toBeCloseTo(FAILED / o.totals.count, 10);
    expect(o.series.reduce((n, p) => n + p.count, 0)).toBe(o.totals.count);
  });

  it('estimates the percentiles from the buckets, within the buckets of what the caller measured', async () => {
    const { totals } = await overview('service=sampled-agent');
    const sorted = [...durations].sort((a, b) => a - b);
    const measured = (q: number): number =>
      sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
    for (const [q, estimate] of [
      [0.5, totals.p50Ms],
      [0.95, totals.p95Ms],
    ] as const) {
      const [low, high] = bucketRange(measured(q));
      expect(estimate, `p${q * 100}: measured ${measured(q).toFixed(2)} ms`).toBeGreaterThanOrEqual(low);
      expect(estimate, `p${q * 100}: measured ${measured(q).toFixed(2)} ms`).toBeLessThanOrEqual(high);
    }
    expect(totals.p50Ms).toBeGreaterThan(0);
    expect(totals.p50Ms <= totals.p95Ms && totals.p95Ms <= totals.p99Ms).toBe(true);
  });

  it("is read from the server's histogram at the server layer, and follows the server filter", async () => {
    const server = await overview('service=sampled-weather&layer=server');
    expect(server.source).toMatchObject({ used: 'metrics', reason: 'sampled', comparedLayer: 'server' });
    expect(toolCalls(server, 'server').get('get_weather')).toMatchObject({ count: WEATHER, errors: 0 });
    expect(server.totals.errors).toBe(FAILED);

    // The histograms name no server: the traced calls say which server the agent's calls went to.
    const weather = await overview('service=sampled-agent&server=weather');
    expect(weather.source.used).toBe('metrics');
    expect(toolCalls(weather, 'client').get('get_weather')).toMatchObject({
      server: 'weather',
      count: WEATHER,
    });
  });

  it('is read from the spans when asked, saying how sampled they are', async () => {
    const o = await overview('service=sampled-agent&source=spans');
    expect(o.source).toMatchObject({ used: 'spans', requested: 'spans', reason: 'requested' });
    expect(o.source.sampledRatio).toBeGreaterThan(0);
    expect(o.totals.count).toBe(sampled.tracedCalls());
  });
});

describe('the overview of a fully traced agent', () => {
  it('is read from the spans, the two counts agreeing', async () => {
    const o = await overview('service=full-agent');
    expect(o.source).toMatchObject({ used: 'spans', reason: 'complete', comparedLayer: 'client' });
    expect(o.source.spanCalls).toBe(o.source.metricCalls);
    expect(o.source.sampledRatio).toBeUndefined();
    expect(o.totals.count).toBe(full.tracedCalls());
    expect(toolCalls(o, 'client').get('get_weather')?.count).toBe(FULL_CALLS);
  });

  it('is read from the histograms when asked, counting the same calls', async () => {
    const o = await overview('service=full-agent&source=metrics');
    expect(o.source).toMatchObject({ used: 'metrics', requested: 'metrics', reason: 'requested' });
    expect(o.totals.count).toBe(full.tracedCalls());
  });

  it('refuses a source it does not know, and metrics at a layer without a histogram', async () => {
    for (const q of ['source=logs', 'source=metrics&layer=transport']) {
      const res = await fetch(`${collector.url}/api/overview?${windowQs}&${q}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/source|layer/);
    }
  });
});
