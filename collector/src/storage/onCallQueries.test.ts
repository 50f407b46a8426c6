/**
 * What the on-call views ask of the queries, against the embedded ClickHouse engine: trace search by
 * attribute, sorted and paged with a total; the overview filtered by tool, in buckets that grow with the
 * window, with each row's trend and the previous window for comparison. One data directory for the
 * whole file (libchdb binds one per process).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOverviewFilter, parseTraceFilter } from '../api/params.js';
import { hexId, span, toolCall } from './fixtures.js';
import type { SpanRow } from './rows.js';
import type { Storage } from './index.js';
import { openTempStorage, type TempStorage } from './tempStorage.js';

let temp: TempStorage;
let storage: Storage;

// Two adjacent 10-minute windows, on minute boundaries: "before" holds 2 calls, "now" holds 12.
const MINUTE = 60_000;
const NOW_FROM = Math.floor((Date.now() - 40 * MINUTE) / MINUTE) * MINUTE;
const NOW_TO = NOW_FROM + 10 * MINUTE;
const BEFORE_FROM = NOW_FROM - 10 * MINUTE;
const now = { from: new Date(NOW_FROM), to: new Date(NOW_TO) };

/** The twelve traces of the current window: call i starts i × 40 s in and lasts 10 + 7i ms. */
const calls = Array.from({ length: 12 }, (_, i) => ({
  traceId: hexId(16, `oncall-${i}`),
  startMs: NOW_FROM + 5_000 + i * 40_000,
  durationMs: 10 + 7 * i,
  tool: i % 3 === 0 ? 'get_forecast' : 'get_weather',
}));
const sessionOf = (i: number): string => `session-${i % 2 === 0 ? 'even' : 'odd'}`;
/** Trace 5 has two extra downstream spans: the largest trace. */
const BIG = 5;
/** Trace 7 ran on a host named in its resource attributes only. */
const ON_HOST = 7;

beforeAll(async () => {
  temp = await openTempStorage('oncall');
  storage = temp.storage;
  const rows: SpanRow[] = [];
  calls.forEach((c, i) => {
    const call = toolCall({
      traceId: c.traceId,
      startMs: c.startMs,
      durationMs: c.durationMs,
      tool: c.tool,
      sessionId: sessionOf(i),
      error: i === 4 ? { type: 'tool_error', fault: 'tool', message: 'boom' } : undefined,
    });
    if (i === ON_HOST) for (const r of call) r.ResourceAttributes['host.name'] = 'edge-7';
    rows.push(...call);
    if (i === BIG) {
      const serverSpan = call[2];
      for (const k of [0, 1]) {
        rows.push(
          span({
            traceId: c.traceId,
            parentSpanId: serverSpan?.SpanId,
            name: `SELECT ${k}`,
            service: 'weather',
            startMs: c.startMs + 1 + k,
            durationMs: 1,
          }),
        );
      }
    }
  });
  // The window before: two calls of get_weather, one failed.
  for (const [k, failed] of [
    [0, false],
    [1, true],
  ] as const) {
    rows.push(
      ...toolCall({
        startMs: BEFORE_FROM + 65_000 + k * 120_000,
        durationMs: 50,
        tool: 'get_weather',
        error: failed ? { type: 'tool_error', fault: 'tool', message: 'x' } : undefined,
      }),
    );
  }
  await storage.insert(rows);
});

afterAll(async () => {
  await temp?.close();
});

describe('trace search', () => {
  it('pages through the traces newest first with the total, without repeats or gaps', async () => {
    const first = await storage.queries.traces({ ...now, limit: 5 });
    const second = await storage.queries.traces({ ...now, limit: 5, offset: 5 });
    const third = await storage.queries.traces({ ...now, limit: 5, offset: 10 });
    expect(first.total).toBe(12);
    expect(second.offset).toBe(5);
    const ids = [...first.traces, ...second.traces, ...third.traces].map((t) => t.traceId);
    expect(ids).toEqual([...calls].reverse().map((c) => c.traceId));
  });

  it('sorts by duration, span count or start, either way', async () => {
    const slowest = await storage.queries.traces({ ...now, limit: 3, sort: 'duration' });
    expect(slowest.traces.map((t) => t.traceId)).toEqual([11, 10, 9].map((i) => calls[i]?.traceId));
    const durations = slowest.traces.map((t) => t.durationMs);
    expect([...durations].sort((a, b) => b - a)).toEqual(durations);
    const fastest = await storage.queries.traces({ ...now, limit: 2, sort: 'duration', order: 'asc' });
    expect(fastest.traces.map((t) => t.traceId)).toEqual([0, 1].map((i) => calls[i]?.traceId));
    const next = await storage.queries.traces({
      ...now,
      limit: 2,
      offset: 2,
      sort: 'duration',
      order: 'asc',
    });
    expect(next.traces.map((t) => t.traceId)).toEqual([2, 3].map((i) => calls[i]?.traceId));
    const largest = await storage.queries.traces({ ...now, limit: 1, sort: 'spans' });
    expect(largest.traces[0]).toMatchObject({ traceId: calls[BIG]?.traceId, spanCount: 5 });
    const oldest = await storage.queries.traces({ ...now, limit: 1, sort: 'start', order: 'asc' });
    expect(oldest.traces[0]?.traceId).toBe(calls[0]?.traceId);
  });

  it('finds traces by span attribute and by resource attribute, several filters all applying', async () => {
    const even = await storage.queries.traces({
      ...now,
      limit: 50,
      attributes: [['mcp.session.id', 'session-even']],
    });
    expect(even.total).toBe(6);
    expect(new Set(even.traces.map((t) => t.traceId))).toEqual(
      new Set(calls.filter((_, i) => i % 2 === 0).map((c) => c.traceId)),
    );
    const evenForecast = await storage.queries.traces({
      ...now,
      limit: 50,
      attributes: [
        ['mcp.session.id', 'session-even'],
        ['gen_ai.tool.name', 'get_forecast'],
      ],
    });
    // get_forecast is every third call (0, 3, 6, 9); the even ones are 0 and 6.
    expect(evenForecast.traces.map((t) => t.traceId).sort()).toEqual(
      [calls[0]?.traceId, calls[6]?.traceId].sort(),
    );
    const host = await storage.queries.traces({ ...now, limit: 50, attributes: [['host.name', 'edge-7']] });
    expect(host.traces.map((t) => t.traceId)).toEqual([calls[ON_HOST]?.traceId]);
    expect(host.total).toBe(1);
  });

  it('matches keys and values as data, never as SQL', async () => {
    const hostile = await storage.queries.traces({
      ...now,
      limit: 50,
      attributes: [["mcp.session.id' OR 1=1 --", "x' OR '1'='1"]],
    });
    expect(hostile).toEqual({ traces: [], total: 0, offset: 0 });
  });

  it('reads attr, sort, order and offset from the query string and refuses what it does not know', () => {
    const f = parseTraceFilter({
      attr: ['mcp.session.id=a=b', 'host.name=edge'],
      sort: 'duration',
      order: 'asc',
      offset: '50',
    });
    expect(f.attributes).toEqual([
      ['mcp.session.id', 'a=b'],
      ['host.name', 'edge'],
    ]);
    expect(f).toMatchObject({ sort: 'duration', order: 'asc', offset: 50, limit: 50 });
    expect(() => parseTraceFilter({ sort: 'name; DROP TABLE x' })).toThrow(/"sort" must be one of start/);
    expect(() => parseTraceFilter({ order: 'sideways' })).toThrow(/"order" must be one of asc, desc/);
    expect(() => parseTraceFilter({ attr: 'novalue=' })).toThrow(/"attr" must be key=value/);
    expect(() => parseTraceFilter({ attr: '=x' })).toThrow(/"attr" must be key=value/);
    expect(() => parseTraceFilter({ offset: '-1' })).toThrow(/"offset" must be an integer/);
    expect(parseOverviewFilter({ compare: 'previous', tool: 'x' })).toMatchObject({
      compare: 'previous',
      tool: 'x',
    });
    expect(() => parseOverviewFilter({ compare: 'yesterday' })).toThrow(/"compare" must be one of previous/);
  });
});

describe('overview', () => {
  it('counts in one-minute buckets on a short window, with a trend per row that adds up', async () => {
    const o = await storage.queries.overview({ ...now });
    expect(o.bucketSeconds).toBe(60);
    expect(o.layer).toBe('client');
    expect(o.totals.count).toBe(12);
    expect(o.series.reduce((n, p) => n + p.count, 0)).toBe(12);
    expect(o.series.map((p) => Date.parse(p.t) % 60_000)).toEqual(o.series.map(() => 0));
    // 10 minutes in trend buckets of a minute (the ladder's smallest width for ≤ 30 buckets).
    expect(o.trendBucketSeconds).toBe(60);
    const weather = o.servers.find((r) => r.tool === 'get_weather' && r.layer === 'client');
    expect(weather?.trend?.calls).toHaveLength(10);
    expect(weather?.trend?.calls.reduce((n, v) => n + v, 0)).toBe(weather?.count);
    expect(weather?.trend?.errors.reduce((n, v) => n + v, 0)).toBe(weather?.errors);
    expect(o.previous).toBeUndefined();
  });

  it('filters by tool and grows the buckets with the window (hours on seven days)', async () => {
    const forecast = await storage.queries.overview({ ...now, tool: 'get_forecast' });
    expect(forecast.totals.count).toBe(4);
    expect(new Set(forecast.servers.map((r) => r.tool))).toEqual(new Set(['get_forecast']));
    const week = await storage.queries.overview({
      from: new Date(NOW_TO - 7 * 24 * 60 * MINUTE),
      to: new Date(NOW_TO),
    });
    expect(week.bucketSeconds).toBe(3600);
    expect(week.totals.count).toBe(14);
    for (const p of week.series) expect(Date.parse(p.t) % 3_600_000).toBe(0);
    expect(week.series.reduce((n, p) => n + p.count, 0)).toBe(14);
    expect(week.trendBucketSeconds).toBe(21_600);
  });

  it('returns the window before with compare=previous, at the same layer and bucket width', async () => {
    const o = await storage.queries.overview({ ...now, compare: 'previous' });
    expect(o.previous?.range).toEqual({
      from: new Date(BEFORE_FROM).toISOString(),
      to: new Date(NOW_FROM).toISOString(),
    });
    expect(o.previous?.totals).toMatchObject({ count: 2, errors: 1, errorRate: 0.5 });
    expect(o.previous?.series.map((p) => p.count)).toEqual([1, 1]);
    expect(o.previous?.series.map((p) => p.t)).toEqual([
      new Date(BEFORE_FROM + MINUTE).toISOString(),
      new Date(BEFORE_FROM + 3 * MINUTE).toISOString(),
    ]);
  });

  it('puts the bucket width on the tool detail too', async () => {
    const t = await storage.queries.tools({ ...now, tool: 'get_weather' });
    expect(t.detail?.bucketSeconds).toBe(60);
    expect(t.detail?.series.reduce((n, p) => n + p.count, 0)).toBe(8);
  });
});
