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

/** A ratio of two statistics of paired samples: median over median, and its bootstrap p25–p75. */
export interface MedianRatio {
  ofMedians: number;
  bootstrap: Spread;
}

/**
 * median(numerator) / median(denominator) for paired per-round samples (element i of both from the
 * same round, e.g. two configurations' added times in one rotation), with its p25–p75 over bootstrap
 * resamples of the rounds (each round's pair kept together).
 */
export function ratioOfMedians(numerator: readonly number[], denominator: readonly number[]): MedianRatio {
  const median = (values: readonly number[]): number => quantile(values, 0.5);
  return {
    ofMedians: median(numerator) / median(denominator),
    bootstrap: bootstrap(numerator.length, (pick) => median(pick(numerator)) / median(pick(denominator))),
  };
}

/** `ratio of medians× [p25–p75 over bootstrap resamples]`, or — when there is none. */
export function fmtMedianRatio(r: MedianRatio | undefined): string {
  return r ? `${r.ofMedians.toFixed(2)}× [${r.bootstrap.p25.toFixed(2)}–${r.bootstrap.p75.toFixed(2)}]` : '—';
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
