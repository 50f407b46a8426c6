/** The quick ranges of the picker, in milliseconds. */
export const RANGE_PRESETS = {
  '15m': 15 * 60_000,
  '1h': 60 * 60_000,
  '6h': 6 * 60 * 60_000,
  '24h': 24 * 60 * 60_000,
  '7d': 7 * 24 * 60 * 60_000,
} as const;

export type RangePreset = keyof typeof RANGE_PRESETS;

/** The default range: the last hour, what the collector also assumes without `from`/`to`. */
export const DEFAULT_RANGE: RangePreset = '1h';

/** A time range as the URL states it: a sliding preset, or fixed bounds in unix milliseconds. */
export type RangeSelection =
  { kind: 'preset'; preset: RangePreset } | { kind: 'custom'; fromMs: number; toMs: number };

export function isRangePreset(value: string | null): value is RangePreset {
  return value !== null && Object.prototype.hasOwnProperty.call(RANGE_PRESETS, value);
}

/** Parses unix milliseconds or an ISO-8601 date; undefined for anything else. */
export function parseTimeParam(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Reads the range from search params: `from`/`to` (both valid, from before to) win over `range`; an
 * unknown or missing range falls back to the default instead of failing, so a hand-edited link still opens.
 */
export function parseRange(params: URLSearchParams): RangeSelection {
  const fromMs = parseTimeParam(params.get('from'));
  const toMs = parseTimeParam(params.get('to'));
  if (fromMs !== undefined && toMs !== undefined && fromMs < toMs) return { kind: 'custom', fromMs, toMs };
  const preset = params.get('range');
  return { kind: 'preset', preset: isRangePreset(preset) ? preset : DEFAULT_RANGE };
}

/**
 * Concrete bounds for a query. Presets slide with `nowMs`: resolved at fetch time, an auto-refreshing
 * wall screen always shows the latest window.
 */
export function resolveRange(sel: RangeSelection, nowMs: number): { fromMs: number; toMs: number } {
  if (sel.kind === 'custom') return { fromMs: sel.fromMs, toMs: sel.toMs };
  return { fromMs: nowMs - RANGE_PRESETS[sel.preset], toMs: nowMs };
}

/** A stable string for query keys and links. */
export function rangeKey(sel: RangeSelection): string {
  return sel.kind === 'custom' ? `${sel.fromMs}-${sel.toMs}` : sel.preset;
}

/** Writes the selection into search params (returns a copy), removing what the other kind uses. */
export function withRange(params: URLSearchParams, sel: RangeSelection): URLSearchParams {
  const next = new URLSearchParams(params);
  if (sel.kind === 'custom') {
    next.delete('range');
    next.set('from', new Date(sel.fromMs).toISOString());
    next.set('to', new Date(sel.toMs).toISOString());
  } else {
    next.delete('from');
    next.delete('to');
    if (sel.preset === DEFAULT_RANGE) next.delete('range');
    else next.set('range', sel.preset);
  }
  return next;
}

/** Copies the range params of `from` onto a link's params, so drilling down keeps the window. */
export function carryRange(
  from: URLSearchParams,
  into: URLSearchParams = new URLSearchParams(),
): URLSearchParams {
  for (const key of ['range', 'from', 'to'] as const) {
    const v = from.get(key);
    if (v !== null) into.set(key, v);
  }
  return into;
}
