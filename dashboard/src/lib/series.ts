import type { SeriesPoint } from '../api/types.js';

/** Column-oriented series as uPlot takes them: x in unix seconds, gaps in rates and latency as null. */
export interface ChartSeries {
  x: number[];
  count: number[];
  errors: number[];
  /** Failed calls in percent of calls; null where there were no calls (a rate of nothing is unknown). */
  errorPct: (number | null)[];
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
  /**
   * Indices of buckets the window cuts (at most the first and the last): the running bucket at the
   * right edge has only the seconds elapsed so far, and a chart that draws it as a full one shows
   * traffic "falling" at the edge. Charts draw these dashed.
   */
  partial: number[];
}

/** The window a series was asked for, in unix milliseconds. */
export interface SeriesRange {
  fromMs: number;
  toMs: number;
}

export interface SeriesOptions {
  /** Width of a bucket (the API's `bucketSeconds`, in ms). Default: the smallest spacing seen, else a minute. */
  stepMs?: number;
  /** With it, the whole window is filled (the axis shows the time asked for) and partial buckets are marked. */
  range?: SeriesRange;
}

const MINUTE = 60_000;
/** Upper bound on filled points: 7 days of minutes is 10 080; beyond that gaps are left as they are. */
const MAX_POINTS = 20_000;

const empty = (): ChartSeries => ({
  x: [],
  count: [],
  errors: [],
  errorPct: [],
  p50: [],
  p95: [],
  p99: [],
  partial: [],
});

/**
 * Turns API points into chart columns, filling buckets without traffic: there the request and error
 * counts were truly zero, while the error rate and latency are unknown (null, drawn as a gap rather than
 * a fake drop to 0). With `range`, the whole window is filled on the bucket grid (buckets start at
 * multiples of the step since the epoch, as the collector groups them).
 */
export function toChartSeries(points: readonly SeriesPoint[], opts: SeriesOptions = {}): ChartSeries {
  const parsed = points
    .map((p) => ({ ...p, ms: Date.parse(p.t) }))
    .filter((p) => !Number.isNaN(p.ms))
    .sort((a, b) => a.ms - b.ms);
  const step = opts.stepMs !== undefined && opts.stepMs > 0 ? opts.stepMs : smallestSpacing(parsed);
  const { range } = opts;
  const out = empty();
  if (range !== undefined && range.toMs > range.fromMs && (range.toMs - range.fromMs) / step <= MAX_POINTS) {
    const start = Math.floor(range.fromMs / step) * step;
    const end = Math.floor((range.toMs - 1) / step) * step;
    const byMs = new Map(parsed.map((p) => [p.ms, p]));
    const times = new Set<number>();
    for (let t = start; t <= end; t += step) times.add(t);
    for (const p of parsed) times.add(p.ms);
    for (const t of [...times].sort((a, b) => a - b)) pushPoint(out, t, byMs.get(t));
    out.partial = partialIndices(out.x, step, range);
    return out;
  }
  const first = parsed[0];
  const last = parsed[parsed.length - 1];
  const fill = first !== undefined && last !== undefined && (last.ms - first.ms) / step <= MAX_POINTS;
  let prevMs: number | undefined;
  for (const p of parsed) {
    if (p.ms === prevMs) continue;
    if (fill && prevMs !== undefined) {
      for (let t = prevMs + step; t < p.ms; t += step) pushPoint(out, t, undefined);
    }
    pushPoint(out, p.ms, p);
    prevMs = p.ms;
  }
  return out;
}

function smallestSpacing(parsed: readonly { ms: number }[]): number {
  let step = Infinity;
  for (let i = 1; i < parsed.length; i++) {
    const d = (parsed[i]?.ms ?? 0) - (parsed[i - 1]?.ms ?? 0);
    if (d > 0 && d < step) step = d;
  }
  return Number.isFinite(step) ? step : MINUTE;
}

function pushPoint(out: ChartSeries, ms: number, p: SeriesPoint | undefined): void {
  out.x.push(ms / 1000);
  out.count.push(p?.count ?? 0);
  out.errors.push(p?.errors ?? 0);
  const has = p !== undefined && p.count > 0;
  out.errorPct.push(has ? (p.errors / p.count) * 100 : null);
  out.p50.push(has ? p.p50Ms : null);
  out.p95.push(has ? p.p95Ms : null);
  out.p99.push(has ? p.p99Ms : null);
}

/**
 * Buckets the window does not wholly cover. The collector reads whole minutes (the minute holding
 * `from` counts), so a bucket is cut on the left when it starts before that minute, and on the right
 * when it ends after `to` — the bucket still running at "now".
 */
export function partialIndices(x: readonly number[], stepMs: number, range: SeriesRange): number[] {
  const firstMinute = Math.floor(range.fromMs / MINUTE) * MINUTE;
  const out: number[] = [];
  x.forEach((sec, i) => {
    const ms = sec * 1000;
    if (ms < firstMinute || ms + stepMs > range.toMs) out.push(i);
  });
  return out;
}

/** The previous period's values laid on the current chart's x grid. */
export type AlignedSeries = Pick<ChartSeries, 'count' | 'errorPct' | 'p50' | 'p95' | 'p99'>;

/**
 * Lays the previous window's points onto the current chart's x values, shifted forward by the window's
 * length (a point of 09:10 yesterday lands on 09:10 today), each on the nearest bucket of the grid.
 * Buckets without a previous point had no calls: zero requests, unknown rate and latency.
 */
export function alignPrevious(
  x: readonly number[],
  previous: readonly SeriesPoint[],
  shiftMs: number,
  stepMs: number,
): AlignedSeries {
  const out: AlignedSeries = {
    count: x.map(() => 0),
    errorPct: x.map(() => null),
    p50: x.map(() => null),
    p95: x.map(() => null),
    p99: x.map(() => null),
  };
  const first = x[0];
  if (first === undefined || !(stepMs > 0)) return out;
  for (const p of previous) {
    const ms = Date.parse(p.t);
    if (Number.isNaN(ms)) continue;
    const i = Math.round((ms + shiftMs - first * 1000) / stepMs);
    if (i < 0 || i >= x.length) continue;
    out.count[i] = (out.count[i] ?? 0) + p.count;
    if (p.count > 0) {
      out.errorPct[i] = (p.errors / p.count) * 100;
      out.p50[i] = p.p50Ms;
      out.p95[i] = p.p95Ms;
      out.p99[i] = p.p99Ms;
    }
  }
  return out;
}

/**
 * Indices of values with no value on either side: a line cannot be drawn through them, so the chart
 * marks them with a point instead (a single busy minute would otherwise be invisible).
 */
export function isolatedIndices(values: readonly (number | null | undefined)[]): number[] {
  const out: number[] = [];
  const has = (i: number): boolean => values[i] !== null && values[i] !== undefined;
  for (let i = 0; i < values.length; i++) if (has(i) && !has(i - 1) && !has(i + 1)) out.push(i);
  return out;
}
