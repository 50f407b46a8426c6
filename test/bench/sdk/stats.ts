/** The `q`-quantile (0..1) of `values`, linearly interpolated between the two nearest ranks. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (position - lower);
}

/** Median and interquartile range of a sample. */
export interface Spread {
  median: number;
  p25: number;
  p75: number;
}

export function spread(values: readonly number[]): Spread {
  return { median: quantile(values, 0.5), p25: quantile(values, 0.25), p75: quantile(values, 0.75) };
}

/**
 * The uncertainty of a statistic of paired samples (element i of every array from the same round): its
 * p25–p75 over `resamples` bootstrap resamples of the rounds. `statistic` gets `pick`, which maps an
 * array of per-round values to the resample's values (the same rounds for every array it is given). The
 * generator is seeded, so the same samples always give the same interval.
 */
export function bootstrap(
  rounds: number,
  statistic: (pick: (values: readonly number[]) => number[]) => number,
  resamples = 2000,
): Spread {
  const random = mulberry32(0x6d637073);
  const indices = new Array<number>(rounds);
  const pick = (values: readonly number[]): number[] => indices.map((i) => values[i] ?? Number.NaN);
  const results: number[] = [];
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < rounds; i++) indices[i] = Math.floor(random() * rounds);
    results.push(statistic(pick));
  }
  return spread(results);
}

/** A small seeded PRNG (mulberry32): uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
