import type { SeriesPoint } from '../api/types.js';

/** Column-oriented series as uPlot takes them: x in unix seconds, gaps in latency as null. */
export interface ChartSeries {
  x: number[];
  count: number[];
  errors: number[];
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
}

const MINUTE = 60_000;
/** Upper bound on filled points: 7 days of minutes is 10 080; beyond that gaps are left as they are. */
const MAX_POINTS = 20_000;

/**
 * Turns API points into chart columns, filling minutes without traffic: there the request and error
 * rates were truly zero, while latency is unknown (null, drawn as a gap rather than a fake drop to 0).
 * The step is the smallest spacing seen (a minute when unknown), so a coarser rollup is not padded with
 * false zeros. With `range`, the whole window is filled, so the axis shows the time asked for even when
 * traffic covers one minute of it.
 */
export function toChartSeries(
  points: readonly SeriesPoint[],
  range?: { fromMs: number; toMs: number },
): ChartSeries {
  const parsed = points
    .map((p) => ({ ...p, ms: Date.parse(p.t) }))
    .filter((p) => !Number.isNaN(p.ms))
    .sort((a, b) => a.ms - b.ms);
  let step = Infinity;
  for (let i = 1; i < parsed.length; i++) {
    const d = (parsed[i]?.ms ?? 0) - (parsed[i - 1]?.ms ?? 0);
    if (d > 0 && d < step) step = d;
  }
  if (!Number.isFinite(step)) step = MINUTE;
  const validRange =
    range !== undefined && range.toMs > range.fromMs && (range.toMs - range.fromMs) / step <= MAX_POINTS;
  if (validRange) {
    // Grid aligned to the step (rollup minutes start on the minute), starting at the range's first step.
    const start = Math.floor(range.fromMs / step) * step;
    const end = Math.floor(range.toMs / step) * step;
    const out: ChartSeries = { x: [], count: [], errors: [], p50: [], p95: [], p99: [] };
    const byMs = new Map(parsed.map((p) => [p.ms, p]));
    const times = new Set<number>();
    for (let t = start; t <= end; t += step) times.add(t);
    for (const p of parsed) times.add(p.ms);
    for (const t of [...times].sort((a, b) => a - b)) pushPoint(out, t, byMs.get(t));
    return out;
  }
  const first = parsed[0];
  const last = parsed[parsed.length - 1];
  const fill = first !== undefined && last !== undefined && (last.ms - first.ms) / step <= MAX_POINTS;

  const out: ChartSeries = { x: [], count: [], errors: [], p50: [], p95: [], p99: [] };
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

function pushPoint(out: ChartSeries, ms: number, p: SeriesPoint | undefined): void {
  out.x.push(ms / 1000);
  out.count.push(p?.count ?? 0);
  out.errors.push(p?.errors ?? 0);
  const hasLatency = p !== undefined && p.count > 0;
  out.p50.push(hasLatency ? p.p50Ms : null);
  out.p95.push(hasLatency ? p.p95Ms : null);
  out.p99.push(hasLatency ? p.p99Ms : null);
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
