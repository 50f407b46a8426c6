import { describe, expect, it } from 'vitest';
import { bucketSecondsFor, bucketStarts, MAX_CHART_BUCKETS, MAX_TREND_BUCKETS } from './buckets.js';

const HOUR = 3_600_000;
const ending = (ms: number) => ({
  from: new Date(Date.UTC(2026, 0, 8) - ms),
  to: new Date(Date.UTC(2026, 0, 8)),
});

describe('bucketSecondsFor', () => {
  it('keeps minutes up to six hours and coarsens beyond, at most the given number of buckets', () => {
    const chart = (ms: number) => bucketSecondsFor(ending(ms), MAX_CHART_BUCKETS);
    expect(chart(15 * 60_000)).toBe(60);
    expect(chart(HOUR)).toBe(60);
    expect(chart(6 * HOUR)).toBe(60);
    expect(chart(24 * HOUR)).toBe(300);
    expect(chart(7 * 24 * HOUR)).toBe(3600);
    expect(chart(30 * 24 * HOUR)).toBe(10_800);
    expect(chart(400 * 24 * HOUR)).toBe(86_400);
  });

  it('gives sparklines a few dozen buckets', () => {
    const trend = (ms: number) => bucketSecondsFor(ending(ms), MAX_TREND_BUCKETS);
    expect(trend(HOUR)).toBe(300);
    expect(trend(24 * HOUR)).toBe(3600);
    expect(trend(7 * 24 * HOUR)).toBe(21_600);
  });
});

describe('bucketStarts', () => {
  it('lists the buckets a window touches, aligned to the epoch, the end exclusive', () => {
    const t = Date.UTC(2026, 0, 1, 10, 0, 0);
    expect(bucketStarts({ from: new Date(t + 30_000), to: new Date(t + 3 * 60_000) }, 60)).toEqual(
      [0, 1, 2].map((m) => t / 1000 + m * 60),
    );
    // A `to` one millisecond past the boundary opens the last bucket.
    expect(bucketStarts({ from: new Date(t), to: new Date(t + 3 * 60_000 + 1) }, 60)).toHaveLength(4);
    expect(bucketStarts({ from: new Date(t - 1), to: new Date(t + 1) }, 3600)).toEqual([
      t / 1000 - 3600,
      t / 1000,
    ]);
  });
});
