import { describe, expect, it } from 'vitest';
import type { SeriesPoint } from '../api/types.js';
import { isolatedIndices, toChartSeries } from './series.js';

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
    const s = toChartSeries([point('2026-01-01T00:02:00Z', 3)], { fromMs: from, toMs: from + 4 * 60_000 });
    const t0 = Date.UTC(2026, 0, 1) / 1000;
    expect(s.x).toEqual([t0, t0 + 60, t0 + 120, t0 + 180, t0 + 240]);
    expect(s.count).toEqual([0, 0, 3, 0, 0]);
    expect(s.p50).toEqual([null, null, 5, null, null]);
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
