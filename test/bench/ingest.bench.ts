/**
 * `npm run bench:ingest` — the collector's ingest rate, OTLP protobuf over HTTP → stored in embedded
 * ClickHouse, against the engine's own insert rate for the same rows, measured in the same run.
 *
 * Method.
 *  1. A load generator in its own process (ingest/generatorChild.ts) builds realistic MCP request
 *     templates (ingest/workload.ts: client, transport, server and downstream spans with the SDK's
 *     attributes, ~1000 spans and ~500 KB per request) and measures its own ceiling: bodies patched
 *     with fresh ids per second, and the same plus HTTP against a null sink in this process.
 *  2. The real collector (`mcpscope start`, from collector/dist by default; `--source` runs the
 *     TypeScript) runs in a child process on a fresh data directory. The generator keeps
 *     MCPSCOPE_BENCH_CONCURRENCY requests in flight for MCPSCOPE_BENCH_SECONDS; the first
 *     MCPSCOPE_BENCH_WARMUP_SECONDS are left out. The rate is spans whose request was answered 200
 *     (the collector answers after commit) per second of the window; latencies are those of the 200s.
 *  3. The collector is stopped gracefully; this process opens its data directory and checks that the
 *     stored rows equal the acknowledged spans, each stored once, and reads bytes per span on disk as
 *     inserted and after OPTIMIZE FINAL.
 *  4. The engine's own rate (ingest/engineChild.ts, another process and data directory): the same
 *     templates decoded by the collector's decoder, merged into batches of the mean size the
 *     collector's batcher made (from its /metrics), inserted one batch at a time through the same
 *     `openStorage` — the insert path without HTTP, decoding and batching.
 *
 * 64 requests in flight by default: a collector serving many SDK exporters sees that much fan-in, and
 * its batches size themselves to it (at 32 they are half as big and cost more CPU per span). The
 * machine is shared: the CPU the collector used per span (from /proc) is printed beside the rate, as
 * a figure that other processes disturb less than the wall-clock rate.
 *
 *   npm run bench:ingest                                   (builds, then runs collector/dist)
 *   node --import tsx test/bench/ingest.bench.ts --source  (the TypeScript sources, no build)
 *
 * Environment: MCPSCOPE_BENCH_SECONDS (30), MCPSCOPE_BENCH_WARMUP_SECONDS (5),
 * MCPSCOPE_BENCH_CONCURRENCY (64), MCPSCOPE_BENCH_SPANS_PER_REQUEST (1000),
 * MCPSCOPE_BENCH_ENGINE_ROWS (300000), MCPSCOPE_BENCH_CPU_PROF (a directory: write a V8 CPU profile
 * of the collector there).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, startBenchCollector } from './ingest/collectorProcess.js';
import type { EngineRateResult, GeneratorCommand, GeneratorReply } from './ingest/messages.js';
import type { LoadResult } from './ingest/sendLoad.js';
import { readStoredStats } from './ingest/storedStats.js';

const TARGET_SPANS_PER_SECOND = 60_000;
const TARGET_RATIO = 0.6;
const TARGET_BYTES_PER_SPAN = 50;

const useSource = process.argv.includes('--source');
const seconds = envInt('MCPSCOPE_BENCH_SECONDS', 30);
const warmupSeconds = envInt('MCPSCOPE_BENCH_WARMUP_SECONDS', 5);
const concurrency = envInt('MCPSCOPE_BENCH_CONCURRENCY', 64);
const spansPerRequest = envInt('MCPSCOPE_BENCH_SPANS_PER_REQUEST', 1000);
const engineRows = envInt('MCPSCOPE_BENCH_ENGINE_ROWS', 300_000);
const cpuProfDir = process.env['MCPSCOPE_BENCH_CPU_PROF'];

const here = path.dirname(fileURLToPath(import.meta.url));

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return n;
}

/** The generator child: one command at a time. */
class Generator {
  private readonly child: ChildProcess;
  private waiting: ((reply: GeneratorReply) => void) | undefined;

  constructor() {
    this.child = fork(path.join(here, 'ingest/generatorChild.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (reply: GeneratorReply) => this.waiting?.(reply));
    this.child.on('exit', (code) => {
      if (this.waiting) this.waiting({ kind: 'error', message: `generator exited with ${code}` });
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  send<K extends GeneratorReply['kind']>(
    command: GeneratorCommand,
    kind: K,
  ): Promise<Extract<GeneratorReply, { kind: K }>> {
    return new Promise((resolve, reject) => {
      this.waiting = (reply) => {
        this.waiting = undefined;
        if (reply.kind === kind) resolve(reply as Extract<GeneratorReply, { kind: K }>);
        else reject(new Error(reply.kind === 'error' ? reply.message : `unexpected reply ${reply.kind}`));
      };
      this.child.send(command);
    });
  }

  close(): void {
    if (this.child.connected) this.child.send({ cmd: 'exit' } satisfies GeneratorCommand);
  }
}

/** An OTLP endpoint that reads each body and answers 200 at once: the generator's HTTP ceiling. */
async function startNullSink(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.on('data', () => {});
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** User + system CPU seconds a process has used so far (from /proc/<pid>/stat). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

interface BatchMetrics {
  meanBatchRows: number;
  meanFlushMs: number;
  flushes: number;
  /** V8 heap in use and memory outside it (Buffers), MiB, at the end of the load. */
  heapMiB: number;
  externalMiB: number;
}

/** Reads the batcher's histograms from the collector's Prometheus endpoint. */
async function batchMetrics(url: string): Promise<BatchMetrics> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  const flushes = value('mcpscope_batch_rows_count');
  return {
    meanBatchRows: value('mcpscope_batch_rows_sum') / flushes,
    meanFlushMs:
      (value('mcpscope_flush_duration_seconds_sum') / value('mcpscope_flush_duration_seconds_count')) * 1000,
    flushes,
    heapMiB: value('nodejs_heap_size_used_bytes') / 2 ** 20,
    externalMiB: value('nodejs_external_memory_bytes') / 2 ** 20,
  };
}

function runEngineChild(
  templatesFile: string,
  dataDir: string,
  batchRows: number,
): Promise<EngineRateResult> {
  const args = [
    ...(useSource ? ['--conditions=mcpscope-source'] : []),
    '--import',
    'tsx',
    path.join(here, 'ingest/engineChild.ts'),
    useSource ? 'source' : 'dist',
    templatesFile,
    dataDir,
    String(batchRows),
    String(engineRows),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      const m = /^ENGINE_RATE (.*)$/m.exec(out);
      if (code === 0 && m?.[1]) resolve(JSON.parse(m[1]) as EngineRateResult);
      else reject(new Error(`engine child exited with ${code}:\n${out}`));
    });
  });
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';
const quantile = (sorted: readonly number[], q: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number);

function printTable(rows: [string, string, string, string][]): void {
  const header: [string, string, string, string] = ['measure', 'value', 'target', 'value / target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) =>
    `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<void> {
  if (!useSource && !existsSync(path.join(REPO_ROOT, 'collector/dist/cli/main.js'))) {
    throw new Error('collector/dist is missing: run `npm run build` first, or pass --source');
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'mcpscope-bench-ingest-'));
  const templatesFile = path.join(work, 'templates.v8');
  const collectorDir = path.join(work, 'collector-data');
  const engineDir = path.join(work, 'engine-data');
  if (cpuProfDir) mkdirSync(cpuProfDir, { recursive: true });
  const generator = new Generator();
  const benchStarted = performance.now();
  try {
    console.log(
      `ingest benchmark: collector from ${useSource ? 'sources (--source)' : 'collector/dist'}, ${concurrency} requests in flight, ` +
        `${seconds} s (${warmupSeconds} s warm-up); ${os.cpus().length} CPUs, load average ${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}`,
    );
    const prepared = await generator.send(
      { cmd: 'prepare', templatesFile, templates: 12, spansPerRequest },
      'prepared',
    );
    const sink = await startNullSink();
    const sinkRun = await generator.send(
      { cmd: 'load', url: sink.url, concurrency, durationMs: 3000, warmupMs: 1000 },
      'loaded',
    );
    await sink.close();
    const sinkRate = sinkRun.result.windowSpans / sinkRun.result.windowSeconds;
    console.log(
      `generator: ${fmt(prepared.spansPerRequest)} spans and ${fmt(prepared.bytesPerRequest / 1024)} KiB per request; ` +
        `ceiling ${fmt(prepared.patchSpansPerSecond)} spans/s building bodies, ${fmt(sinkRate)} spans/s with HTTP to a null sink`,
    );

    const collector = await startBenchCollector({ dataDir: collectorDir, source: useSource, cpuProfDir });
    const cpuBefore = cpuSeconds(collector.pid);
    const generatorCpuBefore = cpuSeconds(generator.pid);
    const loaded = await generator.send(
      {
        cmd: 'load',
        url: collector.url,
        concurrency,
        durationMs: seconds * 1000,
        warmupMs: warmupSeconds * 1000,
      },
      'loaded',
    );
    const collectorCpu = cpuSeconds(collector.pid) - cpuBefore;
    const generatorCpu = cpuSeconds(generator.pid) - generatorCpuBefore;
    const load: LoadResult = loaded.result;
    const batches = await batchMetrics(collector.url);
    const peakRssMiB = collector.peakRssKiB() / 1024;
    const exitCode = await collector.stop();
    if (exitCode !== 0) throw new Error(`collector exited with ${exitCode}:\n${collector.output()}`);

    const stored = await readStoredStats(collectorDir);
    const engine = await runEngineChild(
      templatesFile,
      engineDir,
      Math.max(1, Math.round(Number.isFinite(batches.meanBatchRows) ? batches.meanBatchRows : 10_000)),
    );

    const rate = load.windowSpans / load.windowSeconds;
    const ratio = rate / engine.rowsPerSecond;
    const p50 = quantile(load.latenciesMs, 0.5);
    const p99 = quantile(load.latenciesMs, 0.99);
    console.log('');
    console.log(
      `load: ${fmt(load.ackedRequests)} requests answered 200 (${fmt(load.ackedSpans)} spans); answers by status ${JSON.stringify(load.statuses)}; ` +
        `${load.retries} retries; ${load.errors.length} transport errors`,
    );
    console.log(
      `acknowledged spans per second: ${load.timeline.map((n) => fmt(n / 1000, 0) + 'k').join(' ')}`,
    );
    console.log(
      `collector batches: ${fmt(batches.flushes)} inserts, mean ${fmt(batches.meanBatchRows)} rows, mean insert ${fmt(batches.meanFlushMs, 1)} ms; ` +
        `CPU during the load: collector ${fmt(collectorCpu, 1)} s (${fmt((collectorCpu * 1e6) / load.ackedSpans, 1)} µs/span), generator ${fmt(generatorCpu, 1)} s`,
    );
    console.log(
      `stored: ${fmt(stored.rows)} rows, ${fmt(stored.distinctSpans)} distinct spans, ${stored.partsAsInserted} parts before OPTIMIZE; ` +
        `largest columns after it: ${stored.columns.map((c) => `${c.name} ${fmt(c.bytesPerSpan, 1)}`).join(', ')} B/span`,
    );
    console.log(
      `engine: ${fmt(engine.rows)} rows in ${engine.batches} inserts of ${fmt(engine.batchRows)} rows; ` +
        `the collector's decoder took ${fmt(engine.decodeMicrosPerSpan, 2)} µs/span on the same bodies (not in the engine rate)`,
    );
    console.log('');
    const exact = stored.rows === load.ackedSpans && stored.distinctSpans === stored.rows;
    printTable([
      [
        'stored spans/s, sustained (acknowledged 200s)',
        fmt(rate),
        `≥ ${fmt(TARGET_SPANS_PER_SECOND)}`,
        fmt(rate / TARGET_SPANS_PER_SECOND, 2),
      ],
      ['engine insert rate, same rows (storage.insert)', fmt(engine.rowsPerSecond), '', ''],
      ['collector / engine', fmt(ratio, 2), `≥ ${TARGET_RATIO}`, fmt(ratio / TARGET_RATIO, 2)],
      [
        'bytes per span on disk, as inserted',
        fmt(stored.bytesPerSpanAsInserted, 1),
        `≤ ${TARGET_BYTES_PER_SPAN}`,
        fmt(stored.bytesPerSpanAsInserted / TARGET_BYTES_PER_SPAN, 2),
      ],
      [
        'bytes per span on disk, after OPTIMIZE FINAL',
        fmt(stored.bytesPerSpanOptimized, 1),
        `≤ ${TARGET_BYTES_PER_SPAN}`,
        fmt(stored.bytesPerSpanOptimized / TARGET_BYTES_PER_SPAN, 2),
      ],
      ['ack latency p50 / p99, ms', `${fmt(p50, 1)} / ${fmt(p99, 1)}`, '', ''],
      [
        'collector peak RSS (VmHWM), MiB',
        `${fmt(peakRssMiB)} (V8 heap ${fmt(batches.heapMiB)} at the end)`,
        '',
        '',
      ],
      ['collector CPU per stored span, µs', fmt((collectorCpu * 1e6) / load.ackedSpans, 1), '', ''],
      [
        'generator ceiling, spans/s (bodies / with HTTP)',
        `${fmt(prepared.patchSpansPerSecond)} / ${fmt(sinkRate)}`,
        '',
        '',
      ],
      [
        'stored rows = acknowledged spans, each once',
        exact
          ? `yes (${fmt(stored.rows)})`
          : `NO: ${fmt(stored.rows)} rows, ${fmt(stored.distinctSpans)} distinct, ${fmt(load.ackedSpans)} acked`,
        'yes',
        '',
      ],
    ]);
    console.log(
      `\nbenchmark took ${fmt((performance.now() - benchStarted) / 1000)} s${cpuProfDir ? `; collector CPU profile in ${cpuProfDir}` : ''}`,
    );
    if (!exact) process.exitCode = 1;
  } finally {
    generator.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
