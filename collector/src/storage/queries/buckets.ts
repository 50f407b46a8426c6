/**
 * Bucket widths for time series read from the per-minute rollup. A chart of 7 days in minutes would be
 * 10 080 points on a canvas a thousand pixels wide, and would be labelled "per minute" where nobody can
 * see a minute: the width grows with the window, from a ladder of round sizes (each a whole number of
 * minutes and a divisor of a day, so buckets line up with the clock). Pure.
 */
import type { TimeWindow } from './filters.js';

/** The widths, in seconds, smallest first: 1 min, 5 min, 15 min, 1 h, 3 h, 6 h, 1 day. */
export const BUCKET_LADDER_SECONDS = [60, 300, 900, 3600, 10_800, 21_600, 86_400] as const;

const LARGEST_BUCKET_SECONDS = 86_400;

/** Most points of a chart: 6 hours stay in minutes, a day goes to 5 minutes, a week to hours. */
export const MAX_CHART_BUCKETS = 400;

/** Most points of a table row's sparkline. */
export const MAX_TREND_BUCKETS = 30;

/** The smallest width of the ladder that cuts the window into at most `maxBuckets` buckets. */
export function bucketSecondsFor(w: TimeWindow, maxBuckets: number): number {
  const seconds = Math.max(0, (w.to.getTime() - w.from.getTime()) / 1000);
  for (const b of BUCKET_LADDER_SECONDS) if (seconds / b <= maxBuckets) return b;
  return LARGEST_BUCKET_SECONDS;
}

/**
 * Start (unix seconds) of every bucket the window touches, oldest first. Buckets start at multiples of
 * the width since the epoch, as the queries group them ({@link bucketSql}); the
 * window is half-open, so a `to` on a bucket boundary does not open another bucket.
 */
export function bucketStarts(w: TimeWindow, bucketSeconds: number): number[] {
  const first = Math.floor(w.from.getTime() / 1000 / bucketSeconds) * bucketSeconds;
  const last = Math.floor((w.to.getTime() - 1) / 1000 / bucketSeconds) * bucketSeconds;
  const out: number[] = [];
  for (let t = first; t <= last; t += bucketSeconds) out.push(t);
  return out;
}

/** SQL for the bucket start (unix seconds) of a rollup row, the width bound as the UInt32 `param`. */
export function bucketSql(param: string): string {
  return `intDiv(toUnixTimestamp(Minute), {${param}:UInt32}) * {${param}:UInt32}`;
}
