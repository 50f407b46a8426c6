/**
 * The engine's own insert rate for the benchmark's rows, in a process of its own (libchdb binds one
 * data directory per process) on a fresh data directory: the collector's storage (`openStorage`,
 * the same migrated schema, materialized views and writer) fed rows decoded from the load
 * generator's request templates by the collector's own protobuf decoder, merged into batches of the
 * size the collector's batcher made, and inserted one batch at a time. Only the inserts are timed.
 *
 *   node --import tsx engineChild.ts <source|dist> <templatesFile> <dataDir> <batchRows> <rows>
 *
 * Prints one line `ENGINE_RATE {json}` (an EngineRateResult).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deserialize } from 'node:v8';
import type { EngineRateResult } from './messages.js';
import { RequestPatcher, type RequestTemplate } from './workload.js';

type StorageModule = typeof import('../../../collector/src/storage/index.js');
type DecoderModule = typeof import('../../../collector/src/receiver/decodeProtobufTraces.js');
type ConfigModule = typeof import('../../../collector/src/config.js');
type SpanRow = import('../../../collector/src/storage/rows.js').SpanRow;

const [mode, templatesFile, dataDir, batchRowsArg, rowsArg] = process.argv.slice(2);
if (!templatesFile || !dataDir || (mode !== 'source' && mode !== 'dist')) {
  throw new Error('usage: engineChild.ts <source|dist> <templatesFile> <dataDir> <batchRows> <rows>');
}
const batchRows = Number(batchRowsArg);
const totalRows = Number(rowsArg);

// The same code the collector runs: its TypeScript sources or its build.
const collectorDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../collector');
const load = <T>(rel: string): Promise<T> =>
  import(
    pathToFileURL(path.join(collectorDir, mode === 'source' ? `src/${rel}.ts` : `dist/${rel}.js`)).href
  ) as Promise<T>;
const { openStorage } = await load<StorageModule>('storage/index');
const { decodeProtobufTraces } = await load<DecoderModule>('receiver/decodeProtobufTraces');
const { configFromEnv } = await load<ConfigModule>('config');

const patcher = new RequestPatcher(deserialize(readFileSync(templatesFile)) as RequestTemplate[]);

/** Decoded requests, grouped as the batcher groups them: whole requests up to batchRows rows. */
function makeBatches(rows: number): { batches: SpanRow[][]; decodeMicros: number } {
  const batches: SpanRow[][] = [];
  let current: SpanRow[] = [];
  let decoded = 0;
  let decodeMs = 0;
  while (decoded < rows) {
    const { body } = patcher.nextBody();
    const started = performance.now();
    const request = decodeProtobufTraces(body);
    decodeMs += performance.now() - started;
    if (request.rejected.length > 0) throw new Error(`the decoder rejected ${request.rejected.length} spans`);
    if (current.length > 0 && current.length + request.rows.length > batchRows) {
      batches.push(current);
      current = [];
    }
    for (const row of request.rows) current.push(row);
    decoded += request.rows.length;
  }
  if (current.length > 0) batches.push(current);
  return { batches, decodeMicros: (decodeMs * 1000) / decoded };
}

const storage = await openStorage({ ...configFromEnv({}), dataDir });
try {
  // Warm-up: the JIT, the engine's first parts and merges. Not timed.
  for (const batch of makeBatches(Math.min(totalRows / 4, 3 * batchRows)).batches)
    await storage.insert(batch);
  const { batches, decodeMicros } = makeBatches(totalRows);
  const rows = batches.reduce((n, b) => n + b.length, 0);
  const started = performance.now();
  for (const batch of batches) await storage.insert(batch);
  const seconds = (performance.now() - started) / 1000;
  const result: EngineRateResult = {
    rows,
    batches: batches.length,
    batchRows: rows / batches.length,
    rowsPerSecond: rows / seconds,
    decodeMicrosPerSpan: decodeMicros,
  };
  console.log(`ENGINE_RATE ${JSON.stringify(result)}`);
} finally {
  await storage.close();
}
