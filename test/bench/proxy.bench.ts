/**
 * `npm run bench:proxy` — the time `mcpscope proxy` adds to an MCP tools/call over stdio
 * (DESIGN.md target: ≤ 0.2 ms per call).
 *
 * Method. One MCP SDK client per variant, each talking to its own copy of the fixture server
 * (sdk/src/proxy/testing/fixtureStdioServer.ts) over stdio:
 *   direct        client → server
 *   pass-through  client → a Node process that only pipes bytes (the floor for any proxy process)
 *                 → server
 *   proxy         client → `mcpscope proxy` (protobuf OTLP export to a local sink) → server
 * All three stay up for the whole run. The run is made of rounds; a round times N sequential awaited
 * `callTool` calls on each variant in turn, one variant at a time, the order rotated every round, so a
 * slow phase of the (shared) machine hits all variants alike. The first rounds are the warm-up (what a
 * short agent session sees: the JIT has not optimised the proxy yet) and are reported on their own;
 * the steady-state rounds that follow carry the target. A variant's figure is the median over rounds
 * of its mean µs per call, with p25–p75 across rounds; the added time is the median (p25–p75) of the
 * per-round differences to direct. Means, not per-call medians, because the proxy's occasional costs
 * (exporting a batch of spans, GC) are part of what it adds; single-call percentiles are printed too.
 * The CPU time of the process the client talks to (from /proc, Linux) is printed per call: on a loaded
 * machine it is the steadier measure of the proxy's own work. The sink counts the spans it receives.
 *
 * By default the proxy runs from the build (sdk/dist/cli.js, what users run; the npm script builds
 * first); `--source` runs sdk/src/cli.ts through tsx instead. Environment: MCPSCOPE_BENCH_ROUNDS (20
 * steady-state rounds), MCPSCOPE_BENCH_WARMUP_ROUNDS (15), MCPSCOPE_BENCH_CALLS (200 per round and
 * variant), MCPSCOPE_BENCH_PROXY_CLI=FILE runs another proxy entry point (e.g. an older checkout's
 * sdk/src/cli.ts, to compare), MCPSCOPE_BENCH_CPU_PROF=DIR runs the proxy with `--cpu-prof` into DIR.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

/** DESIGN.md: added time per call through the stdio proxy. */
const TARGET_ADDED_MICROS = 200;

const useSource = process.argv.includes('--source');
const rounds = envInt('MCPSCOPE_BENCH_ROUNDS', 20);
const callsPerRound = envInt('MCPSCOPE_BENCH_CALLS', 200);
const warmupRounds = envInt('MCPSCOPE_BENCH_WARMUP_ROUNDS', 15);
const cpuProfileDir = process.env['MCPSCOPE_BENCH_CPU_PROF'];

const root = fileURLToPath(new URL('../../', import.meta.url));
const sdkSource = (path: string): string => fileURLToPath(new URL(`../../sdk/src/${path}`, import.meta.url));
const fixture = sdkSource('proxy/testing/fixtureStdioServer.ts');
const passThrough = sdkSource('proxy/testing/passThroughProxy.ts');
const cli =
  process.env['MCPSCOPE_BENCH_PROXY_CLI'] ??
  (useSource ? sdkSource('cli.ts') : fileURLToPath(new URL('../../sdk/dist/cli.js', import.meta.url)));
const TS = ['--conditions=mcpscope-source', '--import', 'tsx'];

const VARIANTS = ['direct', 'passThrough', 'proxy'] as const;
type Variant = (typeof VARIANTS)[number];
const LABELS: Record<Variant, string> = {
  direct: 'direct',
  passThrough: 'plain pass-through process',
  proxy: 'mcpscope proxy',
};

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

/** The `q`-quantile (0..1) of `values`, linearly interpolated between the two nearest ranks. */
function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = sorted[Math.floor(position)]!;
  const high = sorted[Math.ceil(position)]!;
  return low + (high - low) * (position - Math.floor(position));
}

function spread(values: readonly number[]): string {
  const f = (n: number): string => n.toFixed(1);
  return `${f(quantile(values, 0.5))} µs  [p25–p75 ${f(quantile(values, 0.25))}–${f(quantile(values, 0.75))}]`;
}

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User + system CPU time (µs) of a process and all its threads, or undefined off Linux. */
function cpuMicros(pid: number | null): number | undefined {
  const path = `/proc/${pid}/stat`;
  if (pid === null || !existsSync(path)) return undefined;
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15 overall.
  const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / clockTicks) * 1e6;
}

/** An OTLP/HTTP endpoint that accepts everything and counts the spans (by their `mcpscope.source` key). */
async function startSink(): Promise<{
  endpoint: string;
  spans(): number;
  requests(): number;
  close(): void;
}> {
  const marker = Buffer.from('mcpscope.source');
  let spans = 0;
  let requests = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests++;
      for (let at = body.indexOf(marker); at !== -1; at = body.indexOf(marker, at + marker.length)) spans++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans: () => spans,
    requests: () => requests,
    close: () => server.close(),
  };
}

interface Connected {
  client: Client;
  transport: StdioClientTransport;
}

async function connect(args: string[], env: Record<string, string>): Promise<Connected> {
  const client = new Client({ name: 'proxy-bench', version: '1' });
  const transport = new StdioClientTransport({ command: process.execPath, args, env, cwd: root });
  await client.connect(transport);
  return { client, transport };
}

/** `calls` sequential echo calls: their mean µs per call, each call's µs appended to `each`. */
async function timeCalls(client: Client, calls: number, each: number[]): Promise<number> {
  const start = process.hrtime.bigint();
  let last = start;
  for (let i = 0; i < calls; i++) {
    await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    const now = process.hrtime.bigint();
    each.push(Number(now - last) / 1000);
    last = now;
  }
  return Number(last - start) / 1000 / calls;
}

async function main(): Promise<void> {
  if (!existsSync(cli))
    throw new Error(`${cli} not found: run \`npm run build -w @mcpscope/sdk\` or pass --source`);
  const sink = await startSink();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  env['OTEL_EXPORTER_OTLP_ENDPOINT'] = sink.endpoint;
  delete env['MCPSCOPE_PROXY_EXPORTER'];
  const server = [process.execPath, ...TS, fixture];
  const proxyNode = [
    ...(cli.endsWith('.ts') ? TS : []),
    ...(cpuProfileDir !== undefined
      ? ['--cpu-prof', '--cpu-prof-interval=100', `--cpu-prof-dir=${cpuProfileDir}`]
      : []),
  ];
  const variants: Record<Variant, Connected> = {
    direct: await connect([...TS, fixture], env),
    passThrough: await connect([...TS, passThrough, ...server], env),
    proxy: await connect([...proxyNode, cli, 'proxy', '--', ...server], env),
  };
  console.log(`mcpscope proxy bench: stdio, sequential tools/call echo; proxy ${cli}`);
  const warm = await runRounds(variants, warmupRounds);
  const steady = await runRounds(variants, rounds);
  for (const name of VARIANTS) await variants[name].client.close();
  // The proxy exports what it still holds on the way out; give the sink a moment to count it.
  await new Promise((resolve) => setTimeout(resolve, 500));
  sink.close();

  report(`warm-up, calls 1–${warmupRounds * callsPerRound} of each process (JIT still cold)`, warm);
  report(`steady state, the next ${rounds * callsPerRound} calls`, steady);
  const steadyAdded = quantile(added(steady, 'proxy', 'direct'), 0.5);
  const medianCallAdded = quantile(steady.calls.proxy, 0.5) - quantile(steady.calls.direct, 0.5);
  console.log(
    `\nadded by mcpscope proxy (steady state): ${steadyAdded.toFixed(1)} µs per call = ` +
      `${(steadyAdded / TARGET_ADDED_MICROS).toFixed(2)}× the ${TARGET_ADDED_MICROS} µs target ` +
      `(${steadyAdded <= TARGET_ADDED_MICROS ? 'within' : 'OVER'}); ` +
      `at the median single call ${medianCallAdded.toFixed(1)} µs = ` +
      `${(medianCallAdded / TARGET_ADDED_MICROS).toFixed(2)}×`,
  );
  const expected = 1 + (warmupRounds + rounds) * callsPerRound; // initialize, then the calls
  console.log(
    `spans exported by the proxy: ${sink.spans()} in ${sink.requests()} OTLP requests (${expected} requests made)`,
  );
  if (sink.spans() < expected) console.log('WARNING: fewer spans than requests reached the sink');
}

interface Phase {
  rounds: number;
  /** Mean µs per call, per round. */
  wall: Record<Variant, number[]>;
  /** Every call's µs. */
  calls: Record<Variant, number[]>;
  /** CPU µs of the process the client talks to, summed over the phase. */
  cpu: Record<Variant, number>;
}

/** Interleaved rounds: each variant in turn, the order rotated every round. */
async function runRounds(variants: Record<Variant, Connected>, count: number): Promise<Phase> {
  const phase: Phase = {
    rounds: count,
    wall: { direct: [], passThrough: [], proxy: [] },
    calls: { direct: [], passThrough: [], proxy: [] },
    cpu: { direct: 0, passThrough: 0, proxy: 0 },
  };
  for (let r = 0; r < count; r++) {
    for (let i = 0; i < VARIANTS.length; i++) {
      const name = VARIANTS[(r + i) % VARIANTS.length]!;
      const pid = variants[name].transport.pid;
      const cpuBefore = cpuMicros(pid);
      phase.wall[name].push(await timeCalls(variants[name].client, callsPerRound, phase.calls[name]));
      const cpuAfter = cpuMicros(pid);
      if (cpuBefore !== undefined && cpuAfter !== undefined) phase.cpu[name] += cpuAfter - cpuBefore;
    }
  }
  return phase;
}

/** Per-round differences of two variants' mean call times. */
function added(phase: Phase, variant: Variant, baseline: Variant): number[] {
  return phase.wall[variant].map((value, r) => value - phase.wall[baseline][r]!);
}

function report(title: string, phase: Phase): void {
  const calls = phase.rounds * callsPerRound;
  const cpu = (name: Variant): string => `${(phase.cpu[name] / calls).toFixed(0)} µs`;
  console.log(
    `\n${title}: ${phase.rounds} rounds × ${callsPerRound} calls per variant, median of per-round means`,
  );
  for (const name of VARIANTS) console.log(`  ${LABELS[name].padEnd(28)} ${spread(phase.wall[name])}`);
  console.log(`  added by mcpscope proxy      ${spread(added(phase, 'proxy', 'direct'))}`);
  console.log(`    of which process hop       ${spread(added(phase, 'passThrough', 'direct'))}`);
  console.log(`    framing + tracing          ${spread(added(phase, 'proxy', 'passThrough'))}`);
  const percentiles = (name: Variant): string =>
    [0.5, 0.9, 0.99, 0.999].map((q) => quantile(phase.calls[name], q).toFixed(0)).join(' / ');
  console.log(
    `  single calls, p50 / p90 / p99 / p99.9 µs: direct ${percentiles('direct')}; ` +
      `pass-through ${percentiles('passThrough')}; mcpscope proxy ${percentiles('proxy')}`,
  );
  console.log(
    `  CPU per call of the process the client talks to: server ${cpu('direct')}, ` +
      `pass-through ${cpu('passThrough')}, mcpscope proxy ${cpu('proxy')}`,
  );
}

await main();
