/**
 * Quantiles estimated from explicit-bucket histograms (OTLP `HistogramDataPoint`: `explicitBounds`
 * b0 < b1 < … < bn-1 and n+1 bucket counts, bucket i holding the values in (b(i-1), b(i)], the first
 * (-∞, b0] and the last (bn-1, +∞)).
 *
 * The estimate is Prometheus's `histogram_quantile`: values spread evenly within their bucket, the
 * first bucket starting at 0 when b0 > 0 (durations, sizes), and the open last bucket answering its
 * lower bound, bn-1 (nothing says how far beyond it the values go).
 *
 * Several histograms (different series of one metric) may be merged, even with different bounds: the
 * merged distribution is the sum of their piecewise-linear cumulative counts, which is linear between
 * the union of their bounds, so it is inverted exactly segment by segment. With one set of bounds the
 * result is the usual single-histogram estimate.
 */

/** One histogram: its bounds and its `bounds.length + 1` bucket counts. */
export interface BucketHistogram {
  bounds: readonly number[];
  counts: readonly number[];
}

/**
 * The `q`-quantile (0 ≤ q ≤ 1) of the merged histograms, or `null` when they hold no counts (or no
 * buckets: a histogram of count and sum only).
 */
export function histogramQuantile(q: number, histograms: readonly BucketHistogram[]): number | null {
  return histogramQuantiles([q], histograms)[0] ?? null;
}

/** {@link histogramQuantile} for several quantiles at once (one pass over the buckets). */
export function histogramQuantiles(
  qs: readonly number[],
  histograms: readonly BucketHistogram[],
): (number | null)[] {
  const usable = histograms.filter((h) => h.counts.length === h.bounds.length + 1 && h.bounds.length > 0);
  let total = 0;
  for (const h of usable) for (const c of h.counts) total += c;
  if (total === 0) return qs.map(() => null);

  // Breakpoints: every finite bound, plus each histogram's lower edge of its first bucket. The merged
  // cumulative count is continuous between them but may jump at one (the open last bucket's values
  // all sit at its lower bound), so each breakpoint is taken twice: without and with what sits on it.
  const points = new Set<number>();
  for (const h of usable) {
    points.add(lowerEdge(h.bounds));
    for (const b of h.bounds) points.add(b);
  }
  const curve: { x: number; count: number }[] = [];
  for (const x of [...points].sort((a, b) => a - b)) {
    curve.push({ x, count: usable.reduce((sum, h) => sum + cumulativeAt(h, x, false), 0) });
    curve.push({ x, count: usable.reduce((sum, h) => sum + cumulativeAt(h, x, true), 0) });
  }

  return qs.map((q) => {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be within [0, 1], got ${q}`);
    const rank = q * total;
    // The first point of the curve that reaches the rank; interpolate from the one before it.
    for (let i = 0; i < curve.length; i++) {
      const { x, count } = curve[i]!;
      if (count < rank) continue;
      if (i === 0) return x;
      const before = curve[i - 1]!;
      if (before.x === x) return x;
      return before.x + ((x - before.x) * (rank - before.count)) / (count - before.count);
    }
    return curve[curve.length - 1]!.x;
  });
}

/** Where the first bucket's values are taken to start: 0 for positive bounds, else its upper bound. */
function lowerEdge(bounds: readonly number[]): number {
  const b0 = bounds[0]!;
  return b0 > 0 ? 0 : b0;
}

/**
 * Values of `h` at or below `x`: each bucket with a width spread evenly over it, each without one
 * (the open last bucket, at its lower bound; a first bucket ending at or below 0, at its bound) all at
 * one point, counted when `x` is past it, or on it and `onPoint`.
 */
function cumulativeAt(h: BucketHistogram, x: number, onPoint: boolean): number {
  const { bounds, counts } = h;
  const n = bounds.length;
  const reached = (at: number): boolean => x > at || (onPoint && x === at);
  let sum = 0;
  let lower = lowerEdge(bounds);
  for (let i = 0; i < n; i++) {
    const upper = bounds[i]!;
    const c = counts[i]!;
    if (upper === lower) {
      if (reached(upper)) sum += c;
    } else if (x >= upper) sum += c;
    else if (x > lower) sum += (c * (x - lower)) / (upper - lower);
    lower = upper;
  }
  if (reached(bounds[n - 1]!)) sum += counts[n]!;
  return sum;
}
