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

/** What is known of the row in pixels: the timeline's width and the label's. */
export interface LabelRoom {
  timelinePx: number;
  labelPx: number;
}

/** Space kept between a bar and its label, in pixels. */
const LABEL_GAP_PX = 4;

/**
 * Where the duration label goes: after the bar when it fits there, else before it, else over the bar's
 * right end. With the row's pixel sizes ({@link LabelRoom}) the choice is made on the room there really
 * is — at 1280 px with the span panel open the timeline is 400 px wide, and a label put "before" a bar
 * that starts at 15 % would run into the span names. Without them it falls back to shares of the row:
 * after while the bar ends left of 80 %, before when it starts right of 15 %.
 */
export function durationLabelPlacement(bar: BarGeometry, room?: LabelRoom): LabelPlacement {
  if (room && room.timelinePx > 0) {
    const need = room.labelPx + LABEL_GAP_PX;
    const after = ((100 - bar.leftPct - bar.widthPct) / 100) * room.timelinePx;
    const before = (bar.leftPct / 100) * room.timelinePx;
    if (after >= need) return 'after';
    return before >= need ? 'before' : 'inside';
  }
  if (bar.leftPct + bar.widthPct <= 80) return 'after';
  return bar.leftPct >= 15 ? 'before' : 'inside';
}

/**
 * The left edge of a label placed over a bar's right end, in pixels: right-aligned to the bar's end,
 * but never left of the timeline's start (a short bar at 0 would push it into the names).
 */
export function insideLabelLeftPx(bar: BarGeometry, room: LabelRoom): number {
  const endPx = ((bar.leftPct + bar.widthPct) / 100) * room.timelinePx;
  return Math.max(0, Math.min(endPx, room.timelinePx) - room.labelPx - LABEL_GAP_PX);
}

/** A label's width in pixels, estimated from its length and the font size (tabular digits, units). */
export function estimateLabelPx(text: string, fontPx: number): number {
  return Math.ceil(text.length * fontPx * 0.62) + 8;
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
