import type { BenchConfig } from './benchConfigs.js';
import type { Verification } from './verifySpans.js';

/** The transports the benchmark runs over. */
export const BENCH_TRANSPORTS = ['in-memory', 'stdio'] as const;
export type BenchTransport = (typeof BENCH_TRANSPORTS)[number];

export function parseTransport(value: string | undefined): BenchTransport {
  const found = BENCH_TRANSPORTS.find((transport) => transport === value);
  if (!found) throw new Error(`unknown benchmark transport: ${String(value)}`);
  return found;
}

/**
 * Set by the parent for a baseline run's process (and inherited by its stdio server process): the file
 * URL of the `@mcpscope/sdk` module to import instead of this checkout's (see baseline.ts).
 */
export const SDK_MODULE_ENV = 'MCPSCOPE_BENCH_SDK_MODULE';

/** Parent → child. */
export type Command = { type: 'round'; calls: number } | { type: 'finish' };

/** Child → parent. */
export type Reply =
  /** `sdkModules`: the file each process of the run imported `@mcpscope/sdk` from (mcpscope runs). */
  | { type: 'ready'; config: BenchConfig; verification: Verification; sdkModules: string[] }
  | { type: 'round'; microsPerCall: number; cpuMicrosPerCall: number }
  /** `calls`: every tools/call made (span counts are divided by it). */
  | { type: 'finished'; calls: number; counts: Record<string, number> }
  | { type: 'error'; message: string };
