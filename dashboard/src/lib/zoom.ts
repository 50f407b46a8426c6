import type { RangeSelection } from './timeRange.js';

/** Narrowest range a drag zooms to: the rollup counts whole minutes, a narrower window shows nothing new. */
export const MIN_ZOOM_MS = 60_000;

/**
 * The range a drag across a chart selects, from the x values (unix seconds) under its two ends: whole
 * seconds, the start rounded down and the end up; a selection narrower than {@link MIN_ZOOM_MS} is
 * widened around its middle. Null when the two ends are the same point (a click) or not numbers.
 */
export function zoomToRange(fromSec: number, toSec: number, minMs = MIN_ZOOM_MS): RangeSelection | null {
  if (!Number.isFinite(fromSec) || !Number.isFinite(toSec)) return null;
  const lo = Math.min(fromSec, toSec) * 1000;
  const hi = Math.max(fromSec, toSec) * 1000;
  if (hi - lo <= 0) return null;
  let fromMs = Math.floor(lo / 1000) * 1000;
  let toMs = Math.ceil(hi / 1000) * 1000;
  if (toMs - fromMs < minMs) {
    const mid = (lo + hi) / 2;
    fromMs = Math.floor((mid - minMs / 2) / 1000) * 1000;
    toMs = fromMs + minMs;
  }
  return { kind: 'custom', fromMs, toMs };
}
