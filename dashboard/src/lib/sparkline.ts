import { formatMs } from './format.js';

/** Box of a sparkline in SVG user units, and the inset that keeps the stroke inside it. */
export interface SparklineBox {
  width: number;
  height: number;
  /** Inset on every side, at least half the stroke width so the line is not clipped. */
  pad: number;
}

/**
 * The `points` of an SVG polyline through `values`, oldest left: x evenly spaced across the box, y
 * scaled so the largest value touches the top and zero lies on the bottom. A single value is drawn as a
 * flat line across; negative or non-finite values (which a count never is) count as zero.
 */
export function sparklinePoints(values: readonly number[], box: SparklineBox, scaleMax?: number): string {
  if (values.length === 0) return '';
  const clean = values.map((v) => (Number.isFinite(v) && v > 0 ? v : 0));
  const series = clean.length === 1 ? [clean[0] ?? 0, clean[0] ?? 0] : clean;
  // A second line drawn in the same box (failed calls under all calls) shares the first one's scale.
  const max = scaleMax !== undefined && scaleMax > 0 ? scaleMax : Math.max(...series);
  const innerW = Math.max(0, box.width - 2 * box.pad);
  const innerH = Math.max(0, box.height - 2 * box.pad);
  const step = innerW / (series.length - 1);
  return series
    .map((v, i) => {
      const x = box.pad + i * step;
      const y = box.pad + (max > 0 ? 1 - v / max : 1) * innerH;
      return `${round2(x)},${round2(y)}`;
    })
    .join(' ');
}

/** What the sparkline shows, in words: for its tooltip and for screen readers. */
export function sparklineLabel(
  values: readonly number[],
  bucketSeconds: number,
  noun = 'failed call',
): string {
  const total = values.reduce((n, v) => n + (Number.isFinite(v) && v > 0 ? v : 0), 0);
  const peak = Math.max(0, ...values.filter((v) => Number.isFinite(v)));
  const bucket = bucketSeconds > 0 ? ` of ${formatMs(bucketSeconds * 1000)}` : '';
  const calls = `${total} ${noun}${total === 1 ? '' : 's'}`;
  return `${calls} over ${values.length} bucket${values.length === 1 ? '' : 's'}${bucket}, at most ${peak} in one`;
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}
