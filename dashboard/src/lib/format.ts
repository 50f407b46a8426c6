/** Formats a duration in milliseconds with a unit suited to its size: µs, ms, s, min. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  const abs = Math.abs(ms);
  if (abs === 0) return '0 ms';
  if (abs < 1) return `${round(ms * 1000, abs < 0.01 ? 2 : abs < 0.1 ? 1 : 0)} µs`;
  if (abs < 1000) return `${round(ms, abs < 10 ? 2 : abs < 100 ? 1 : 0)} ms`;
  if (abs < 60_000) return `${round(ms / 1000, 2)} s`;
  return `${round(ms / 60_000, 1)} min`;
}

/** Nanoseconds, formatted like {@link formatMs}. */
export function formatNs(ns: number): string {
  return formatMs(ns / 1e6);
}

/** A ratio in [0, 1] as a percentage; small non-zero rates keep a decimal so they do not read as 0 %. */
export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  const pct = ratio * 100;
  if (pct === 0) return '0 %';
  if (pct < 0.1) return '<0.1 %';
  return `${round(pct, pct < 10 ? 1 : 0)} %`;
}

/** Counts with thousands separators; large ones shortened (12.3k, 4.5M). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1e6) return `${round(n / 1e6, 1)}M`;
  if (Math.abs(n) >= 1e4) return `${round(n / 1e3, 1)}k`;
  return String(Math.round(n));
}

/** Requests per second over a window. */
export function formatRate(count: number, windowMs: number): string {
  if (!(windowMs > 0)) return '–';
  const perSec = count / (windowMs / 1000);
  if (perSec === 0) return '0/s';
  if (perSec < 1) return `${round(perSec * 60, 1)}/min`;
  return `${round(perSec, perSec < 10 ? 2 : 1)}/s`;
}

/** A date as local `YYYY-MM-DD HH:MM:SS`: unambiguous, sortable, readable at a distance. */
export function formatDateTime(value: string | number | Date): string {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return '–';
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** How long ago, coarse ("12 s ago", "3 min ago", "2 h ago", "4 d ago"). */
export function formatAgo(value: string | number, nowMs: number): string {
  const t = typeof value === 'number' ? value : Date.parse(value);
  if (Number.isNaN(t)) return '–';
  const s = Math.max(0, Math.round((nowMs - t) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

function round(v: number, digits: number): string {
  return v.toFixed(digits).replace(/\.0+$|(\.\d*?)0+$/, '$1');
}
