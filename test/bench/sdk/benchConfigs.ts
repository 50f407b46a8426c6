/**
 * The configurations of the SDK benchmark: an instrumentation (or none) on one MCP SDK. A name is the
 * instrumentation, plus `-v2` for MCP SDK 2.x (`@modelcontextprotocol/client` + `/server`) in the 2025
 * era (initialize; the 2.x Client's default) or `-v2-modern` for 2.x in the stateless 2026-07-28 era;
 * no suffix is MCP SDK 1.x (`@modelcontextprotocol/sdk`).
 */

/** What is installed in the configuration's processes (see benchTelemetry.ts). */
export const INSTRUMENTATIONS = [
  'bare',
  'mcpscope',
  'mcpscope-traces',
  'peers',
  'two-span',
  'three-span',
  'three-span-metrics',
] as const;
export type Instrumentation = (typeof INSTRUMENTATIONS)[number];

/** The MCP SDK the client and server are built with, and for 2.x the protocol era they speak. */
export const BENCH_HOSTS = ['v1', 'v2', 'v2-modern'] as const;
export type BenchHost = (typeof BENCH_HOSTS)[number];

/**
 * Every configuration. The peers (Sentry, traceloop) and two-span run on 1.x only: they are reference
 * points for the instrumentation, not for the host SDK.
 */
export const BENCH_CONFIGS = [
  'bare',
  'mcpscope',
  'mcpscope-traces',
  'peers',
  'two-span',
  'three-span',
  'three-span-metrics',
  'bare-v2',
  'mcpscope-v2',
  'mcpscope-traces-v2',
  'three-span-v2',
  'bare-v2-modern',
  'mcpscope-v2-modern',
  'three-span-v2-modern',
] as const;
export type BenchConfig = (typeof BENCH_CONFIGS)[number];

/**
 * The configurations a run compares unless MCPSCOPE_BENCH_CONFIGS names others: 1.x with the peers and
 * references and the floor with histograms, and 2.x in both eras, each with its own floor. Asked for by
 * name: `mcpscope-traces-v2`.
 */
export const DEFAULT_CONFIGS: readonly BenchConfig[] = [
  'bare',
  'mcpscope',
  'mcpscope-traces',
  'peers',
  'two-span',
  'three-span',
  'three-span-metrics',
  'bare-v2',
  'mcpscope-v2',
  'three-span-v2',
  'bare-v2-modern',
  'mcpscope-v2-modern',
  'three-span-v2-modern',
];

export function parseConfig(value: string | undefined): BenchConfig {
  const found = BENCH_CONFIGS.find((config) => config === value);
  if (!found) throw new Error(`unknown benchmark configuration: ${String(value)}`);
  return found;
}

export function hostOf(config: BenchConfig): BenchHost {
  if (config.endsWith('-v2-modern')) return 'v2-modern';
  return config.endsWith('-v2') ? 'v2' : 'v1';
}

export function instrumentationOf(config: BenchConfig): Instrumentation {
  const host = hostOf(config);
  const name = host === 'v1' ? config : config.slice(0, -(host.length + 1));
  const found = INSTRUMENTATIONS.find((instrumentation) => instrumentation === name);
  if (!found) throw new Error(`no instrumentation in configuration ${config}`);
  return found;
}

/**
 * The floor `config` is compared with: three-span on the same SDK and era when the run has it (`three-span-v2`,
 * `three-span-v2-modern`), else three-span on 1.x (the floor the cost target was first stated against).
 */
export function floorsOf(config: BenchConfig): BenchConfig[] {
  const host = hostOf(config);
  return host === 'v1' ? ['three-span'] : [parseConfig(`three-span-${host}`), 'three-span'];
}

/** The uninstrumented configuration on the same SDK and era: what `config`'s added time is measured from. */
export function bareOf(config: BenchConfig): BenchConfig {
  const host = hostOf(config);
  return parseConfig(host === 'v1' ? 'bare' : `bare-${host}`);
}

/**
 * A configuration as one process runs it: with the `@mcpscope/sdk` of this checkout, or, suffixed
 * `@baseline`, with the baseline build named by MCPSCOPE_BENCH_BASELINE_SDK (see baseline.ts). A
 * baseline run is compared with the same bare configuration and floor as the run it is the baseline of.
 */
export type BenchRun = BenchConfig | `${BenchConfig}@baseline`;

const BASELINE_SUFFIX = '@baseline';

export function isBaselineRun(run: BenchRun): boolean {
  return run.endsWith(BASELINE_SUFFIX);
}

/** The configuration a run runs. */
export function configOf(run: BenchRun): BenchConfig {
  return parseConfig(isBaselineRun(run) ? run.slice(0, -BASELINE_SUFFIX.length) : run);
}

/** The run of `config` with the baseline build. */
export function baselineRunOf(config: BenchConfig): BenchRun {
  return `${config}${BASELINE_SUFFIX}`;
}
