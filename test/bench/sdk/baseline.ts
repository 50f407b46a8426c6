/**
 * The optional baseline build of `@mcpscope/sdk` (MCPSCOPE_BENCH_BASELINE_SDK=DIR, the directory of
 * another checkout's sdk package, built): each mcpscope configuration of the run also runs as
 * `<config>@baseline`, in processes of its own that import that build, in the same rotation as every
 * other run. Comparing a build with the one before it in separate runs on a shared machine compares
 * two different loads; in one rotation both see the same one.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  baselineRunOf,
  configOf,
  instrumentationOf,
  isBaselineRun,
  type BenchConfig,
  type BenchRun,
} from './benchConfigs.js';
import { describeBuild } from './describeBuild.js';
import type { BenchTransport } from './messages.js';
import { fmtSpread, printTable, type ConfigResult } from './report.js';
import { fmtMedianRatio, ratioOfMedians } from './stats.js';

export const BASELINE_SDK_ENV = 'MCPSCOPE_BENCH_BASELINE_SDK';

/** The baseline build: the module its processes import and what it was built from. */
export interface BaselineSdk {
  /** File URL of the package's main ESM entry (what `import '@mcpscope/sdk'` loads from it). */
  module: string;
  /** Its path, commit and build time, for the header and the summary. */
  description: string;
}

/**
 * The baseline named by MCPSCOPE_BENCH_BASELINE_SDK, or undefined when the variable is unset. The entry
 * is found through the package's own `exports` (with the `mcpscope-source` condition when the run uses
 * the sources), so the baseline's processes load its files by path: a name lookup from this checkout
 * would find this checkout's package.
 */
export function baselineSdk(useSource: boolean): BaselineSdk | undefined {
  const dir = process.env[BASELINE_SDK_ENV];
  if (dir === undefined || dir === '') return undefined;
  const file = packageEntry(path.resolve(dir, 'package.json'), useSource, BASELINE_SDK_ENV);
  return { module: pathToFileURL(file).href, description: describeBuild(file) };
}

/** This checkout's `@mcpscope/sdk` entry, as the benchmark's processes load it. */
export function currentSdkFile(useSource: boolean): string {
  const manifest = fileURLToPath(import.meta.resolve('@mcpscope/sdk/package.json'));
  return packageEntry(manifest, useSource, 'this checkout');
}

/** The file `import '@mcpscope/sdk'` loads from the package of `manifestPath` (`what`: for errors). */
function packageEntry(manifestPath: string, useSource: boolean, what: string): string {
  if (!existsSync(manifestPath)) throw new Error(`${what}: no ${manifestPath}`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    name?: string;
    exports?: unknown;
    module?: string;
    main?: string;
  };
  if (manifest.name !== '@mcpscope/sdk')
    throw new Error(`${what}: ${manifestPath} is ${String(manifest.name)}, not @mcpscope/sdk`);
  const conditions = [...(useSource ? ['mcpscope-source'] : []), 'node', 'import'];
  const entry = exportTarget(rootExport(manifest.exports), conditions) ?? manifest.module ?? manifest.main;
  const file = entry === undefined ? undefined : path.resolve(path.dirname(manifestPath), entry);
  if (file === undefined || !existsSync(file))
    throw new Error(`${what}: ${file ?? 'no entry'} not found (is it built?)`);
  return file;
}

/** `exports["."]`, or the whole of `exports` when it is a single target or a conditions object. */
function rootExport(exports: unknown): unknown {
  return exports !== null && typeof exports === 'object' && '.' in exports
    ? (exports as Record<string, unknown>)['.']
    : exports;
}

/** The first target whose conditions match, in the order the package lists them (as Node does). */
function exportTarget(target: unknown, conditions: readonly string[]): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const item of target) {
      const found = exportTarget(item, conditions);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (target === null || typeof target !== 'object') return undefined;
  for (const [condition, value] of Object.entries(target)) {
    if (condition !== 'default' && !conditions.includes(condition)) continue;
    const found = exportTarget(value, conditions);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** `configs`, each mcpscope configuration followed by its baseline run when there is a baseline. */
export function withBaselineRuns(
  configs: readonly BenchConfig[],
  baseline: BaselineSdk | undefined,
): BenchRun[] {
  return configs.flatMap((config) =>
    baseline && instrumentationOf(config).startsWith('mcpscope') ? [config, baselineRunOf(config)] : [config],
  );
}

/**
 * For each configuration run with both builds: the added wall and CPU time of each, and new / baseline,
 * the ratio of the medians of the per-round added times with its p25–p75 over bootstrap resamples of
 * the rounds (both added times of a round measured from the same bare round of the rotation).
 */
export function printBaselineComparison(
  all: ReadonlyArray<{ transport: BenchTransport; results: readonly ConfigResult[] }>,
  baseline: BaselineSdk,
  currentDescription: string,
): void {
  console.log(
    `\n══ This build / the baseline build: time added per tools/call to the bare MCP SDK, µs, median ` +
      `[p25–p75] over rounds; new / baseline = ratio of the median added times [p25–p75 over bootstrap ` +
      `resamples of the rounds] (below 1: this build adds less) ══`,
  );
  const rows: string[][] = [];
  for (const { transport, results } of all) {
    for (const old of results.filter((result) => isBaselineRun(result.config))) {
      const current = results.find((result) => result.config === configOf(old.config));
      if (!current) continue;
      rows.push([
        transport,
        current.config,
        fmtSpread(current.wall.added),
        fmtSpread(old.wall.added),
        fmtMedianRatio(ratioOfMedians(current.wall.addedRounds, old.wall.addedRounds)),
        fmtSpread(current.cpu.added),
        fmtSpread(old.cpu.added),
        fmtMedianRatio(ratioOfMedians(current.cpu.addedRounds, old.cpu.addedRounds)),
      ]);
    }
  }
  printTable(
    [
      'transport',
      'config',
      'added wall µs',
      'baseline wall µs',
      'wall new / baseline',
      'added CPU µs',
      'baseline CPU µs',
      'CPU new / baseline',
    ],
    rows,
  );
  console.log(`this build: ${currentDescription}`);
  console.log(`baseline (${BASELINE_SDK_ENV}): ${baseline.description}`);
}
