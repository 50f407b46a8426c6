/**
 * `npm run bench:ingest` — the collector's ingest rate, OTLP protobuf over HTTP and over gRPC →
 * stored in embedded ClickHouse, against the engine's own insert rate for the same rows, measured in
 * the same run.
 *
 * Method.
 *  1. A load generator in its own process (ingest/generatorChild.ts) builds realistic MCP request
 *     templates (ingest/workload.ts: client, transport, server and downstream spans with the SDK's
 *     attributes, ~1000 spans and ~500 KB per request) and measures its own ceiling: bodies patched
 *     with fresh ids per second, and the same plus HTTP, and plus gRPC, against null sinks in this
 *     process.
 *  2. The real collector (`mcpscope start`, from collector/dist by default; `--source` runs the
 *     TypeScript) runs in a child process on a fresh data directory, its OTLP/gRPC receiver on a free
 *     port. The generator warms it up over HTTP for MCPSCOPE_BENCH_WARMUP_SECONDS (not measured),
 *     then runs MCPSCOPE_BENCH_ROUNDS interleaved rounds, each one OTLP/HTTP window and one OTLP/gRPC
 *     window of MCPSCOPE_BENCH_SECONDS / rounds, the order alternating from round to round, so that
 *     what drifts over a run (parts piling up for merges, other load on the machine) falls on both
 *     alike. Each window keeps MCPSCOPE_BENCH_CONCURRENCY requests in flight (HTTP: keep-alive
 *     sockets; gRPC: one client connection each) and leaves its first second out. The rate is spans
 *     whose request was acknowledged (200 / OK: the collector answers after commit) per second of the
 *     windows; latencies are those of the acknowledgements.
 *  3. The collector is stopped gracefully; this process opens its data directory and checks that the
 *     stored rows equal the acknowledged spans (warm-up and both protocols), each stored once, and
 *     reads bytes per span on disk as inserted and after OPTIMIZE FINAL.
 *  4. The engine's own rate (ingest/engineChild.ts, another process and data directory): the same
 *     templates decoded by the collector's decoder, merged into batches of the mean size the
 *     collector's batcher made (from its /metrics), inserted one batch at a time through the same
 *     `openStorage` — the insert path without a transport, decoding and batching.
 *
 * 64 requests in flight by default: a collector serving many SDK exporters sees that much fan-in, and
 * its batches size themselves to it (at 32 they are half as big and cost more CPU per span). The
 * machine is shared: the CPU the collector used per span (from /proc) is printed beside the rate, as
 * a figure that other processes disturb less than the wall-clock rate.
 *
 *   npm run bench:ingest                                   (builds, then runs collector/dist)
 *   node --import tsx test/bench/ingest.bench.ts --source  (the TypeScript sources, no build)
 *
 * Environment: MCPSCOPE_BENCH_SECONDS (30, measured per protocol), MCPSCOPE_BENCH_ROUNDS (3),
 * MCPSCOPE_BENCH_WARMUP_SECONDS (5), MCPSCOPE_BENCH_CONCURRENCY (64),
 * MCPSCOPE_BENCH_SPANS_PER_REQUEST (1000), MCPSCOPE_BENCH_ENGINE_ROWS (300000),
 * MCPSCOPE_BENCH_CPU_PROF (a directory: write a V8 CPU profile of the collector there).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { freePort } from '../collector/helpers/grpcExport.js';
import { REPO_ROOT, startBenchCollector } from './ingest/collectorProcess.js';
import type { EngineRateResult, GeneratorCommand, GeneratorReply } from './ingest/messages.js';
import type { LoadResult, LoadTarget } from './ingest/sendLoad.js';
import { readStoredStats } from './ingest/storedStats.js';

const TARGET_SPANS_PER_SECOND = 60_000;
const TARGET_RATIO = 0.6;
const TARGET_BYTES_PER_SPAN = 50;

const useSource = process.argv.includes('--source');
const seconds = envInt('MCPSCOPE_BENCH_SECONDS', 30);
const rounds = envInt('MCPSCOPE_BENCH_ROUNDS', 3);
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

/** An OTLP/gRPC endpoint that takes each export and answers OK at once: the generator's gRPC ceiling. */
async function startGrpcNullSink(): Promise<{ address: string; close(): void }> {
  const server = new Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  const raw = (b: Buffer) => b;
  server.addService(
    {
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
        requestStream: false,
        responseStream: false,
        requestSerialize: raw,
        requestDeserialize: raw,
        responseSerialize: raw,
        responseDeserialize: raw,
      },
    },
    { Export: (_call: unknown, callback: (e: null, r: Buffer) => void) => callback(null, Buffer.alloc(0)) },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return { address: `127.0.0.1:${port}`, close: () => server.forceShutdown() };
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

type Protocol = 'http' | 'grpc';
const PROTOCOL_NAMES: Record<Protocol, string> = { http: 'OTLP/HTTP', grpc: 'OTLP/gRPC' };

/** One protocol's windows, added up. */
interface ProtocolRun {
  windowSpans: number;
  windowSeconds: number;
  latenciesMs: number[];
  ackedRequests: number;
  ackedSpans: number;
  statuses: Record<string, number>;
  retries: number;
  errors: string[];
  /** Collector CPU seconds over the windows (ramps and tails included, as the acknowledged spans are). */
  collectorCpu: number;
  /** Acknowledged spans per second, window after window. */
  timeline: number[];
}

function emptyRun(): ProtocolRun {
  return {
    windowSpans: 0,
    windowSeconds: 0,
    latenciesMs: [],
    ackedRequests: 0,
    ackedSpans: 0,
    statuses: {},
    retries: 0,
    errors: [],
    collectorCpu: 0,
    timeline: [],
  };
}

function addWindow(run: ProtocolRun, load: LoadResult, collectorCpu: number): void {
  run.windowSpans += load.windowSpans;
  run.windowSeconds += load.windowSeconds;
  run.latenciesMs.push(...load.latenciesMs);
  run.ackedRequests += load.ackedRequests;
  run.ackedSpans += load.ackedSpans;
  for (const [k, n] of Object.entries(load.statuses)) run.statuses[k] = (run.statuses[k] ?? 0) + n;
  run.retries += load.retries;
  run.errors.push(...load.errors);
  run.collectorCpu += collectorCpu;
  run.timeline.push(...load.timeline);
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
  const windowMs = Math.round((seconds * 1000) / rounds);
  const rampMs = 1000;
  try {
    console.log(
      `ingest benchmark: collector from ${useSource ? 'sources (--source)' : 'collector/dist'}, ${concurrency} requests in flight, ` +
        `${warmupSeconds} s warm-up, then ${rounds} rounds of OTLP/HTTP and OTLP/gRPC windows of ${fmt(windowMs / 1000, 1)} s each ` +
        `(${seconds} s measured per protocol); ${os.cpus().length} CPUs, load average ${os
          .loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}`,
    );
    const prepared = await generator.send(
      { cmd: 'prepare', templatesFile, templates: 12, spansPerRequest },
      'prepared',
    );
    const sinkRate = async (target: LoadTarget): Promise<number> => {
      const run = await generator.send(
        // 5 s, the first 2 left out: 64 gRPC connections take a moment to open on a busy machine.
        { cmd: 'load', target, concurrency, durationMs: 5000, warmupMs: 2000 },
        'loaded',
      );
      return run.result.windowSpans / run.result.windowSeconds;
    };
    const sink = await startNullSink();
    const httpSinkRate = await sinkRate({ protocol: 'http', url: sink.url });
    await sink.close();
    const grpcSink = await startGrpcNullSink();
    const grpcSinkRate = await sinkRate({ protocol: 'grpc', address: grpcSink.address });
    grpcSink.close();
    console.log(
      `generator: ${fmt(prepared.spansPerRequest)} spans and ${fmt(prepared.bytesPerRequest / 1024)} KiB per request; ` +
        `ceiling ${fmt(prepared.patchSpansPerSecond)} spans/s building bodies, ${fmt(httpSinkRate)} spans/s with HTTP ` +
        `and ${fmt(grpcSinkRate)} spans/s with gRPC to a null sink`,
    );

    const collector = await startBenchCollector({
      dataDir: collectorDir,
      source: useSource,
      cpuProfDir,
      grpcPort: await freePort(),
    });
    const targets: Record<Protocol, LoadTarget> = {
      http: { protocol: 'http', url: collector.url },
      grpc: { protocol: 'grpc', address: collector.grpcAddress! },
    };
    const generatorCpuBefore = cpuSeconds(generator.pid);
    const warm = await generator.send(
      { cmd: 'load', target: targets.http, concurrency, durationMs: warmupSeconds * 1000, warmupMs: 0 },
      'loaded',
    );
    let ackedSpans = warm.result.ackedSpans;
    const runs: Record<Protocol, ProtocolRun> = { http: emptyRun(), grpc: emptyRun() };
    for (let round = 0; round < rounds; round++) {
      const order: Protocol[] = round % 2 === 0 ? ['http', 'grpc'] : ['grpc', 'http'];
      for (const protocol of order) {
        const cpuBefore = cpuSeconds(collector.pid);
        const loaded = await generator.send(
          {
            cmd: 'load',
            target: targets[protocol],
            concurrency,
            durationMs: windowMs + rampMs,
            warmupMs: rampMs,
          },
          'loaded',
        );
        addWindow(runs[protocol], loaded.result, cpuSeconds(collector.pid) - cpuBefore);
        ackedSpans += loaded.result.ackedSpans;
      }
    }
    const generatorCpu = cpuSeconds(generator.pid) - generatorCpuBefore;
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

    console.log('');
    console.log(
      `warm-up (OTLP/HTTP): ${fmt(warm.result.ackedSpans)} spans acknowledged; answers by status ${JSON.stringify(warm.result.statuses)}`,
    );
    const rate = (p: Protocol) => runs[p].windowSpans / runs[p].windowSeconds;
    const cpuPerSpan = (p: Protocol) => (runs[p].collectorCpu * 1e6) / runs[p].ackedSpans;
    for (const p of ['http', 'grpc'] as const) {
      const r = runs[p];
      console.log(
        `${PROTOCOL_NAMES[p]}: ${fmt(r.ackedRequests)} requests acknowledged (${fmt(r.ackedSpans)} spans); answers by status ${JSON.stringify(r.statuses)}; ` +
          `${r.retries} retries; ${r.errors.length} transport errors${r.errors.length > 0 ? ` (first: ${r.errors[0]})` : ''}`,
      );
      console.log(
        `  acknowledged spans per second, window after window: ${r.timeline.map((n) => fmt(n / 1000, 0) + 'k').join(' ')}`,
      );
    }
    console.log(
      `collector batches: ${fmt(batches.flushes)} inserts, mean ${fmt(batches.meanBatchRows)} rows, mean insert ${fmt(batches.meanFlushMs, 1)} ms; ` +
        `CPU: collector ${fmt(cpuPerSpan('http'), 1)} µs/span over HTTP, ${fmt(cpuPerSpan('grpc'), 1)} µs/span over gRPC; generator ${fmt(generatorCpu, 1)} s`,
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
    const exact = stored.rows === ackedSpans && stored.distinctSpans === stored.rows;
    const latency = (p: Protocol) => {
      const l = runs[p].latenciesMs.sort((a, b) => a - b);
      return `${fmt(quantile(l, 0.5), 1)} / ${fmt(quantile(l, 0.99), 1)}`;
    };
    const rateRow = (p: Protocol): [string, string, string, string] => [
      `stored spans/s, sustained, ${PROTOCOL_NAMES[p]} (acknowledged)`,
      fmt(rate(p)),
      `≥ ${fmt(TARGET_SPANS_PER_SECOND)}`,
      fmt(rate(p) / TARGET_SPANS_PER_SECOND, 2),
    ];
    const ratioRow = (p: Protocol): [string, string, string, string] => {
      const ratio = rate(p) / engine.rowsPerSecond;
      return [
        `collector / engine, ${PROTOCOL_NAMES[p]}`,
        fmt(ratio, 2),
        `≥ ${TARGET_RATIO}`,
        fmt(ratio / TARGET_RATIO, 2),
      ];
    };
    printTable([
      rateRow('http'),
      rateRow('grpc'),
      ['engine insert rate, same rows (storage.insert)', fmt(engine.rowsPerSecond), '', ''],
      ratioRow('http'),
      ratioRow('grpc'),
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
      ['ack latency p50 / p99, ms, OTLP/HTTP', latency('http'), '', ''],
      ['ack latency p50 / p99, ms, OTLP/gRPC', latency('grpc'), '', ''],
      [
        'collector peak RSS (VmHWM), MiB',
        `${fmt(peakRssMiB)} (V8 heap ${fmt(batches.heapMiB)} at the end)`,
        '',
        '',
      ],
      [
        'collector CPU per stored span, µs, HTTP / gRPC',
        `${fmt(cpuPerSpan('http'), 1)} / ${fmt(cpuPerSpan('grpc'), 1)}`,
        '',
        '',
      ],
      [
        'generator ceiling, spans/s (bodies / HTTP / gRPC)',
        `${fmt(prepared.patchSpansPerSecond)} / ${fmt(httpSinkRate)} / ${fmt(grpcSinkRate)}`,
        '',
        '',
      ],
      [
        'stored rows = acknowledged spans, each once',
        exact
          ? `yes (${fmt(stored.rows)})`
          : `NO: ${fmt(stored.rows)} rows, ${fmt(stored.distinctSpans)} distinct, ${fmt(ackedSpans)} acked`,
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
