/** What the benchmark and its child processes say to each other over IPC. */
import type { LoadResult, LoadTarget } from './sendLoad.js';

/** Commands to the load generator (generatorChild.ts). */
export type GeneratorCommand =
  | { cmd: 'prepare'; templatesFile: string; templates: number; spansPerRequest: number }
  | { cmd: 'load'; target: LoadTarget; concurrency: number; durationMs: number; warmupMs: number }
  | { cmd: 'exit' };

export type GeneratorReply =
  | { kind: 'prepared'; patchSpansPerSecond: number; spansPerRequest: number; bytesPerRequest: number }
  | { kind: 'loaded'; result: LoadResult }
  | { kind: 'error'; message: string };

/** The engine's own insert rate (engineChild.ts prints it as one JSON line). */
export interface EngineRateResult {
  rows: number;
  batches: number;
  batchRows: number;
  /** Sequential `storage.insert` calls, one at a time. */
  rowsPerSecond: number;
  /** Decoding the same bodies with the collector's decoder (not part of the rate above). */
  decodeMicrosPerSpan: number;
}
