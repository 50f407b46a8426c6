import { describe, expect, it } from 'vitest';
import type { SeriesPoint } from '../api/types.js';
import { alignPrevious, isolatedIndices, partialIndices, toChartSeries } from './series.js';

const point = (t: string, count: number, p50 = 5): SeriesPoint => ({
  t,
  count,
  errors: count > 1 ? 1 : 0,
  p50Ms: p50,
  p95Ms: p50 * 2,
  p99Ms: p50 * 3,
});

describe('toChartSeries', () => {
  it('fills silent minutes with zero traffic and unknown latency', () => {
    const s = toChartSeries([
      point('2026-01-01T00:03:00Z', 2),
      point('2026-01-01T00:00:00Z', 4),
      point('2026-01-01T00:01:00Z', 1),
    ]);
    const t0 = Date.UTC(2026, 0, 1) / 1000;
    expect(s.x).toEqual([t0, t0 + 60, t0 + 120, t0 + 180]);
    expect(s.count).toEqual([4, 1, 0, 2]);
    expect(s.errors).toEqual([1, 0, 0, 1]);
    expect(s.p95).toEqual([10, 10, null, 10]);
  });

  it('keeps the spacing of a coarser rollup and drops unparseable or repeated points', () => {
    const s = toChartSeries([
      point('2026-01-01T00:00:00Z', 1),
      point('2026-01-01T01:00:00Z', 1),
      point('bad', 9),
      point('2026-01-01T01:00:00Z', 7),
    ]);
    expect(s.count).toEqual([1, 1]);
  });

  it('fills the whole requested window on the minute grid', () => {
    const from = Date.UTC(2026, 0, 1, 0, 0, 30);
    const s = toChartSeries([point('2026-01-01T00:02:00Z', 3)], {
      range: { fromMs: from, toMs: from + 4 * 60_000 },
    });
    const t0 = Date.UTC(2026, 0, 1) / 1000;
    expect(s.x).toEqual([t0, t0 + 60, t0 + 120, t0 + 180, t0 + 240]);
    expect(s.count).toEqual([0, 0, 3, 0, 0]);
    expect(s.p50).toEqual([null, null, 5, null, null]);
  });

  it('gives the error rate in percent, unknown where there were no calls', () => {
    const s = toChartSeries([point('2026-01-01T00:00:00Z', 4), point('2026-01-01T00:02:00Z', 1)], {
      stepMs: 60_000,
    });
    expect(s.errorPct).toEqual([25, null, 0]);
  });

  it('uses the bucket width it is given: hours stay hours, silent hours are filled', () => {
    const s = toChartSeries([point('2026-01-01T00:00:00Z', 4), point('2026-01-01T03:00:00Z', 1)], {
      stepMs: 3_600_000,
    });
    expect(s.count).toEqual([4, 0, 0, 1]);
  });

  it('marks the bucket still running at the right edge as partial, and a bucket cut on the left', () => {
    const from = Date.UTC(2026, 0, 1, 0, 2, 30);
    const to = Date.UTC(2026, 0, 1, 0, 20, 10);
    const s = toChartSeries([point('2026-01-01T00:15:00Z', 2)], {
      stepMs: 300_000,
      range: { fromMs: from, toMs: to },
    });
    // Buckets 00:00 (starts before the minute holding `from`), 00:05, 00:10, 00:15, 00:20 (running).
    expect(s.x.map((t) => new Date(t * 1000).toISOString().slice(11, 16))).toEqual([
      '00:00',
      '00:05',
      '00:10',
      '00:15',
      '00:20',
    ]);
    expect(s.partial).toEqual([0, 4]);
    // Minute buckets: the minute holding `from` is read whole, only the running minute is partial.
    const m = toChartSeries([], { stepMs: 60_000, range: { fromMs: from, toMs: from + 3 * 60_000 } });
    expect(m.partial).toEqual([m.x.length - 1]);
    expect(partialIndices([0, 60], 60_000, { fromMs: 0, toMs: 120_000 })).toEqual([]);
  });

  it('is empty for no points', () => {
    expect(toChartSeries([]).x).toEqual([]);
  });
});

describe('isolatedIndices', () => {
  it('finds values without neighbours', () => {
    expect(isolatedIndices([null, 3, null, 1, 2, null, 5])).toEqual([1, 6]);
    expect(isolatedIndices([])).toEqual([]);
  });
});

describe('alignPrevious', () => {
  it('shifts the previous window forward onto the current grid', () => {
    const t0 = Date.UTC(2026, 0, 2) / 1000;
    const x = [t0, t0 + 60, t0 + 120];
    const day = 86_400_000;
    const prev = alignPrevious(
      x,
      [point('2026-01-01T00:01:00Z', 4), point('2026-01-01T00:05:00Z', 9)],
      day,
      60_000,
    );
    expect(prev.count).toEqual([0, 4, 0]);
    expect(prev.errorPct).toEqual([null, 25, null]);
    expect(prev.p95).toEqual([null, 10, null]);
  });

  it('lands a window whose length is not a whole number of buckets on the nearest bucket', () => {
    const t0 = Date.UTC(2026, 0, 1, 1) / 1000;
    const prev = alignPrevious([t0, t0 + 60], [point('2026-01-01T00:59:00Z', 1)], 61_000, 60_000);
    expect(prev.count).toEqual([1, 0]);
  });
});
