/** Where a bar sits on the timeline, in percent of the trace duration. */
export interface BarGeometry {
  leftPct: number;
  widthPct: number;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/**
 * Positions a bar by start and sizes it by duration relative to the trace, clamped into [0, 100] so a
 * span whose clock disagrees with the trace (or a zero-length trace) still draws inside the row.
 */
export function barGeometry(startNs: number, durationNs: number, traceDurationNs: number): BarGeometry {
  if (!(traceDurationNs > 0)) return { leftPct: 0, widthPct: 0 };
  const leftPct = clamp((startNs / traceDurationNs) * 100, 0, 100);
  const endPct = clamp(((startNs + Math.max(0, durationNs)) / traceDurationNs) * 100, 0, 100);
  return { leftPct, widthPct: Math.max(0, endPct - leftPct) };
}

/** Where a bar's duration label goes: after the bar, before it, or over its right end. */
export type LabelPlacement = 'after' | 'before' | 'inside';

/**
 * The duration label goes after the bar while the bar ends left of 80 % of the row, else before it; a
 * bar that spans nearly the whole row leaves room on neither side (before it, the label would cover the
 * span's name), so the label sits over its right end.
 */
export function durationLabelPlacement(bar: BarGeometry): LabelPlacement {
  if (bar.leftPct + bar.widthPct <= 80) return 'after';
  return bar.leftPct >= 15 ? 'before' : 'inside';
}

/**
 * Tick positions (ns) for a time axis of the given length: a round step (1, 2, 2.5 or 5 times a power of
 * ten) giving the number of whole intervals closest to `target`, so labels read "0, 250 ms, 500 ms"
 * rather than "0, 297 ms".
 */
export function axisTicks(traceDurationNs: number, target: number): number[] {
  if (!(traceDurationNs > 0) || target < 1) return [0];
  const magnitude = 10 ** Math.floor(Math.log10(traceDurationNs / target));
  let step = magnitude;
  let bestDistance = Infinity;
  // Ascending, and only a strictly closer count replaces the pick: ties go to the smaller step.
  for (const m of [1, 2, 2.5, 5, 10]) {
    const distance = Math.abs(Math.floor(traceDurationNs / (m * magnitude)) - target);
    if (distance < bestDistance) {
      bestDistance = distance;
      step = m * magnitude;
    }
  }
  const ticks: number[] = [];
  // A relative epsilon keeps the last tick when the duration is an exact multiple of the step.
  for (let t = 0; t <= traceDurationNs * (1 + 1e-9); t += step) ticks.push(t);
  return ticks;
}
