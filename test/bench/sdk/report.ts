import {
  bareOf,
  configOf,
  floorsOf,
  instrumentationOf,
  type BenchConfig,
  type BenchRun,
} from './benchConfigs.js';
import {
  bootstrap,
  fmtMedianRatio,
  quantile,
  ratioOfMedians,
  spread,
  type MedianRatio,
  type Spread,
} from './stats.js';

/** The floor of 1.x: every configuration is compared with it when its own SDK's floor was not run. */
export const FLOOR: BenchConfig = 'three-span';

/** µs per call of each run, one value per timed round (index r = round r of the rotation). */
export type Samples = Map<BenchRun, number[]>;

/** One measure (wall or CPU time) of one configuration. */
export interface Measure {
  perCall: Spread;
  /** The floor the ratios are taken against (see `floorsOf`). */
  floor?: BenchConfig;
  /** Time added to the bare configuration of the same SDK; undefined for a bare configuration. */
  added: Spread | undefined;
  /** The per-round differences `added` is the spread of (empty for a bare configuration). */
  addedRounds: number[];
  /**
   * Added time over the floor's (three-span on the same SDK and era when run, else on 1.x: see
   * `floorsOf`): the ratio of the two medians, and its p25–p75 over bootstrap resamples of the rounds.
   * Undefined for a bare configuration or when no floor was run.
   */
  floorRatio: MedianRatio | undefined;
  /**
   * The same ratio from the quietest rounds: each configuration's p10 over rounds, the added time the
   * difference of p10s. On a loaded machine the slow rounds are the disturbed ones, and the fastest
   * rounds estimate the undisturbed cost better than the median (an estimator of its own, not a check
   * of the median figure).
   */
  quietFloorRatio: { value: number; bootstrap: Spread } | undefined;
}

export interface ConfigResult {
  config: BenchRun;
  wall: Measure;
  cpu: Measure;
  /** Spans per tools/call, by category, from the final counts. */
  spansPerCall: Record<string, number>;
}

/**
 * Median and spread of a configuration's rounds. The added time is paired: each round is compared with
 * the round of its SDK's bare configuration in the same rotation (run a few moments apart), and the
 * median and p25–p75 are taken over those differences, so a slow phase of the machine cancels out
 * instead of widening the figure. The ratio to the floor is the ratio of the two median added times;
 * its spread comes from resampling the rounds (each round's pair of added times kept together).
 */
export function measure(run: BenchRun, samples: Samples): Measure {
  const config = configOf(run);
  const own = samples.get(run) ?? [];
  const perCall = spread(own);
  const none = {
    perCall,
    added: undefined,
    addedRounds: [],
    floorRatio: undefined,
    quietFloorRatio: undefined,
  };
  if (instrumentationOf(config) === 'bare') return none;
  const bare = samples.get(bareOf(config)) ?? [];
  const addedRounds = differences(own, bare);
  const added = spread(addedRounds);
  const floorConfig = floorsOf(config).find((candidate) => samples.has(candidate));
  const floor = floorConfig === undefined ? undefined : samples.get(floorConfig);
  if (floorConfig === undefined || !floor) return { ...none, added, addedRounds };
  const floorBare = samples.get(bareOf(floorConfig)) ?? [];
  const floorRounds = differences(floor, floorBare);
  const p10 = (values: readonly number[]): number => quantile(values, 0.1);
  const quiet = (pick: (values: readonly number[]) => number[]): number =>
    (p10(pick(own)) - p10(pick(bare))) / (p10(pick(floor)) - p10(pick(floorBare)));
  return {
    perCall,
    added,
    addedRounds,
    floor: floorConfig,
    floorRatio: ratioOfMedians(addedRounds, floorRounds),
    quietFloorRatio: { value: quiet((values) => [...values]), bootstrap: bootstrap(own.length, quiet) },
  };
}

function differences(values: readonly number[], baseline: readonly number[] | undefined): number[] {
  return values.map((value, i) => value - (baseline?.[i] ?? Number.NaN));
}

/** Final span counts per tools/call, by category (the part of the count key before ` | `). */
export function spansPerCall(counts: Record<string, number>, calls: number): Record<string, number> {
  const byCategory: Record<string, number> = {};
  for (const [key, count] of Object.entries(counts)) {
    const category = key.replace(/^server process: /, '').split(' | ')[0] ?? key;
    byCategory[category] = (byCategory[category] ?? 0) + count;
  }
  return Object.fromEntries(Object.entries(byCategory).map(([key, count]) => [key, count / calls]));
}

export function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}×`;
}

export function fmtSpread(s: Spread | undefined, digits = 1): string {
  return s ? `${s.median.toFixed(digits)} [${s.p25.toFixed(digits)}–${s.p75.toFixed(digits)}]` : '—';
}

/** `ratio of medians× [p25–p75 over bootstrap resamples]`. */
export function fmtFloorRatio(measure: Measure): string {
  return fmtMedianRatio(measure.floorRatio);
}

/** `ratio from the p10 rounds× [p25–p75 over bootstrap resamples]`. */
export function fmtQuietFloorRatio(measure: Measure): string {
  const r = measure.quietFloorRatio;
  return r ? `${r.value.toFixed(2)}× [${r.bootstrap.p25.toFixed(2)}–${r.bootstrap.p75.toFixed(2)}]` : '—';
}

export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(line(widths.map((width) => '─'.repeat(width))));
  for (const row of rows) console.log(line(row));
}
