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

/** Parent → child. */
export type Command = { type: 'round'; calls: number } | { type: 'finish' };

/** Child → parent. */
export type Reply =
  | { type: 'ready'; config: BenchConfig; verification: Verification }
  | { type: 'round'; microsPerCall: number; cpuMicrosPerCall: number }
  /** `calls`: every tools/call made (span counts are divided by it). */
  | { type: 'finished'; calls: number; counts: Record<string, number> }
  | { type: 'error'; message: string };
