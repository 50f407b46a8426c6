import { describe, expect, it } from 'vitest';
import { histogramQuantile, histogramQuantiles, type BucketHistogram } from './histogramQuantile.js';

// Each expectation is worked out by hand from the buckets, as Prometheus's histogram_quantile does:
// find the bucket holding rank q·total, then interpolate linearly within it.
const cases: { name: string; histograms: BucketHistogram[]; q: number; expected: number | null }[] = [
  {
    // total 10; rank 5 falls in (1, 2], which holds ranks 2..6: 1 + (5 − 2) / 4 × (2 − 1)
    name: 'median inside a middle bucket',
    histograms: [{ bounds: [1, 2, 4], counts: [2, 4, 4, 0] }],
    q: 0.5,
    expected: 1.75,
  },
  {
    // rank 9 in (2, 4], which holds ranks 6..10: 2 + (9 − 6) / 4 × 2
    name: 'p90 inside a wider bucket',
    histograms: [{ bounds: [1, 2, 4], counts: [2, 4, 4, 0] }],
    q: 0.9,
    expected: 3.5,
  },
  {
    // rank 2 is the end of the first bucket, (0, 1]
    name: 'a rank at a bucket edge',
    histograms: [{ bounds: [1, 2, 4], counts: [2, 4, 4, 0] }],
    q: 0.2,
    expected: 1,
  },
  {
    name: 'the open last bucket answers its lower bound',
    histograms: [{ bounds: [1, 2], counts: [0, 0, 10] }],
    q: 0.5,
    expected: 2,
  },
  {
    // two series with the same bounds: their counts add up to the first case's
    name: 'series with the same bounds merge like one histogram',
    histograms: [
      { bounds: [1, 2, 4], counts: [1, 2, 2, 0] },
      { bounds: [1, 2, 4], counts: [1, 2, 2, 0] },
    ],
    q: 0.5,
    expected: 1.75,
  },
  {
    // 4 values in (0, 1] and 4 in (2, 3]; rank 6 is 2 into the second group's 4: 2 + 2/4
    name: 'series with different bounds merge through their cumulative counts',
    histograms: [
      { bounds: [1], counts: [4, 0] },
      { bounds: [2, 3], counts: [0, 4, 0] },
    ],
    q: 0.75,
    expected: 2.5,
  },
  {
    // (−∞, 0] has no width: its 5 values sit at 0, then 5 more spread over (0, 10]: rank 7.5 → 5
    name: 'a first bucket ending at 0 holds its values at 0',
    histograms: [{ bounds: [0, 10], counts: [5, 5, 0] }],
    q: 0.75,
    expected: 5,
  },
  { name: 'no counts', histograms: [{ bounds: [1, 2], counts: [0, 0, 0] }], q: 0.5, expected: null },
  {
    name: 'count and sum only, no buckets',
    histograms: [{ bounds: [], counts: [] }],
    q: 0.5,
    expected: null,
  },
];

describe('histogramQuantile', () => {
  for (const c of cases) {
    it(c.name, () => {
      const actual = histogramQuantile(c.q, c.histograms);
      if (c.expected === null) expect(actual).toBeNull();
      else expect(actual).toBeCloseTo(c.expected, 9);
    });
  }

  it('answers several quantiles in one pass, the same as one by one', () => {
    const h = [{ bounds: [0.005, 0.01, 0.025, 0.05, 0.1], counts: [10, 40, 30, 15, 4, 1] }];
    const qs = [0.5, 0.95, 0.99];
    expect(histogramQuantiles(qs, h)).toEqual(qs.map((q) => histogramQuantile(q, h)));
  });

  it('refuses a quantile outside [0, 1]', () => {
    expect(() => histogramQuantile(1.5, [{ bounds: [1], counts: [1, 0] }])).toThrow(RangeError);
  });
});
