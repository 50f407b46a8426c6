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
 * All stay up for the whole run. The run is made of rounds; a round times N sequential awaited
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
 * variant), MCPSCOPE_BENCH_PROXY_CLI=FILE runs another proxy entry point instead of this checkout's,
 * MCPSCOPE_BENCH_CPU_PROF=DIR runs the proxy with `--cpu-prof` into DIR.
 *
 * Against an older build: MCPSCOPE_BENCH_BASELINE_PROXY_CLI=FILE (e.g. another checkout's
 * sdk/dist/cli.js, or its sdk/src/cli.ts through tsx) adds a fourth variant, `proxy@baseline`: that
 * proxy in front of the same fixture server, exporting to the same sink (under a path of its own, so
 * its spans are counted apart), in the same rotation. Each phase then also reports its added time and
 * CPU, and the end gives, per phase, the added time (over direct, and over the pass-through process)
 * and the proxy process's CPU per call of both proxies and new / baseline: the ratio of the medians
 * over rounds, p25–p75 over bootstrap resamples of the rounds (sdk/stats.ts). The process CPU times
 * come from /proc/PID/task/TID/schedstat (proxy/processCpu.ts), fine enough to compare rounds.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { processCpuMicros } from './proxy/processCpu.js';
import { startSpanSink } from './proxy/spanSink.js';
import { describeBuild } from './sdk/describeBuild.js';
import { printTable } from './sdk/report.js';
import { fmtMedianRatio, quantile, ratioOfMedians, spread as spreadOf } from './sdk/stats.js';

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
const baselineCli = process.env['MCPSCOPE_BENCH_BASELINE_PROXY_CLI'] || undefined;
const TS = ['--conditions=mcpscope-source', '--import', 'tsx'];

const ALL_VARIANTS = ['direct', 'passThrough', 'proxy', 'proxyBaseline'] as const;
type Variant = (typeof ALL_VARIANTS)[number];
/** The variants of this run: proxy@baseline only with MCPSCOPE_BENCH_BASELINE_PROXY_CLI. */
const VARIANTS = ALL_VARIANTS.filter((name) => name !== 'proxyBaseline' || baselineCli !== undefined);
const LABELS: Record<Variant, string> = {
  direct: 'direct',
  passThrough: 'plain pass-through process',
  proxy: 'mcpscope proxy',
  proxyBaseline: 'mcpscope proxy@baseline',
};
/** Short names for the single-call and CPU lines. */
const SHORT: Record<Variant, string> = {
  direct: 'direct',
  passThrough: 'pass-through',
  proxy: 'mcpscope proxy',
  proxyBaseline: 'proxy@baseline',
};
/** The sink path the baseline proxy exports under (see proxy/spanSink.ts). */
const BASELINE_SINK = 'baseline';

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

function spread(values: readonly number[]): string {
  const { median, p25, p75 } = spreadOf(values);
  return `${median.toFixed(1)} µs  [p25–p75 ${p25.toFixed(1)}–${p75.toFixed(1)}]`;
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
  for (const file of [cli, baselineCli]) {
    if (file !== undefined && !existsSync(file))
      throw new Error(`${file} not found: run \`npm run build -w @mcpscope/sdk\` or pass --source`);
  }
  const sink = await startSpanSink();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  env['OTEL_EXPORTER_OTLP_ENDPOINT'] = sink.endpoint;
  delete env['MCPSCOPE_PROXY_EXPORTER'];
  const server = [process.execPath, ...TS, fixture];
  const proxyNode = (file: string): string[] => [
    ...(file.endsWith('.ts') ? TS : []),
    ...(cpuProfileDir !== undefined
      ? ['--cpu-prof', '--cpu-prof-interval=100', `--cpu-prof-dir=${cpuProfileDir}`]
      : []),
    file,
    'proxy',
    '--',
    ...server,
  ];
  const variants: Partial<Record<Variant, Connected>> = {
    direct: await connect([...TS, fixture], env),
    passThrough: await connect([...TS, passThrough, ...server], env),
    proxy: await connect(proxyNode(cli), env),
  };
  if (baselineCli !== undefined) {
    const baselineEnv = { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: `${sink.endpoint}/${BASELINE_SINK}` };
    variants.proxyBaseline = await connect(proxyNode(baselineCli), baselineEnv);
  }
  console.log(`mcpscope proxy bench: stdio, sequential tools/call echo; proxy ${cli}`);
  // Described before the run: a rebuild while it runs would change the build's time.
  const builds =
    baselineCli === undefined
      ? undefined
      : { current: describeBuild(cli), baseline: describeBuild(baselineCli) };
  if (builds) console.log(`this build: ${builds.current}\nproxy@baseline: ${builds.baseline}`);
  const warm = await runRounds(variants, warmupRounds);
  const steady = await runRounds(variants, rounds);
  for (const name of VARIANTS) await variants[name]?.client.close();
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
  const exported = (name: string, sinkPath: string): void => {
    const spans = sink.spans(sinkPath);
    console.log(
      `spans exported by ${name}: ${spans} in ${sink.requests(sinkPath)} OTLP requests (${expected} requests made)`,
    );
    if (spans < expected) console.log(`WARNING: fewer spans than requests reached the sink from ${name}`);
  };
  exported('the proxy', '');
  if (builds) {
    exported('proxy@baseline', BASELINE_SINK);
    compareWithBaseline(builds, [
      ['warm-up', warm],
      ['steady state', steady],
    ]);
  }
}

interface Phase {
  rounds: number;
  /** Mean µs per call, per round. */
  wall: Record<Variant, number[]>;
  /** Every call's µs. */
  calls: Record<Variant, number[]>;
  /** CPU µs per call of the process the client talks to, per round (empty off Linux). */
  cpu: Record<Variant, number[]>;
}

/** Interleaved rounds: each variant in turn, the order rotated every round. */
async function runRounds(variants: Partial<Record<Variant, Connected>>, count: number): Promise<Phase> {
  const perVariant = (): Record<Variant, number[]> => ({
    direct: [],
    passThrough: [],
    proxy: [],
    proxyBaseline: [],
  });
  const phase: Phase = { rounds: count, wall: perVariant(), calls: perVariant(), cpu: perVariant() };
  for (let r = 0; r < count; r++) {
    for (let i = 0; i < VARIANTS.length; i++) {
      const name = VARIANTS[(r + i) % VARIANTS.length]!;
      const { client, transport } = variants[name]!;
      const cpuBefore = processCpuMicros(transport.pid);
      phase.wall[name].push(await timeCalls(client, callsPerRound, phase.calls[name]));
      const cpuAfter = processCpuMicros(transport.pid);
      if (cpuBefore !== undefined && cpuAfter !== undefined)
        phase.cpu[name].push((cpuAfter - cpuBefore) / callsPerRound);
    }
  }
  return phase;
}

/** Per-round differences of two variants' mean call times. */
function added(phase: Phase, variant: Variant, baseline: Variant): number[] {
  return phase.wall[variant].map((value, r) => value - phase.wall[baseline][r]!);
}

function report(title: string, phase: Phase): void {
  const mean = (values: readonly number[]): number =>
    values.reduce((sum, value) => sum + value, 0) / values.length;
  const cpu = (name: Variant): string => `${mean(phase.cpu[name]).toFixed(0)} µs`;
  console.log(
    `\n${title}: ${phase.rounds} rounds × ${callsPerRound} calls per variant, median of per-round means`,
  );
  for (const name of VARIANTS) console.log(`  ${LABELS[name].padEnd(28)} ${spread(phase.wall[name])}`);
  console.log(`  added by mcpscope proxy      ${spread(added(phase, 'proxy', 'direct'))}`);
  console.log(`    of which process hop       ${spread(added(phase, 'passThrough', 'direct'))}`);
  console.log(`    framing + tracing          ${spread(added(phase, 'proxy', 'passThrough'))}`);
  if (baselineCli !== undefined) {
    console.log(`  added by proxy@baseline      ${spread(added(phase, 'proxyBaseline', 'direct'))}`);
    console.log(`    framing + tracing          ${spread(added(phase, 'proxyBaseline', 'passThrough'))}`);
  }
  const percentiles = (name: Variant): string =>
    [0.5, 0.9, 0.99, 0.999].map((q) => quantile(phase.calls[name], q).toFixed(0)).join(' / ');
  console.log(
    `  single calls, p50 / p90 / p99 / p99.9 µs: ` +
      VARIANTS.map((name) => `${SHORT[name]} ${percentiles(name)}`).join('; '),
  );
  console.log(
    `  CPU per call of the process the client talks to: ` +
      VARIANTS.map((name) => `${name === 'direct' ? 'server' : SHORT[name]} ${cpu(name)}`).join(', '),
  );
}

/**
 * Per phase: the proxy of this checkout against proxy@baseline, each round's figures of both taken in
 * the same rotation; new / baseline is the ratio of the medians over rounds with its p25–p75 over
 * bootstrap resamples of the rounds.
 */
function compareWithBaseline(
  builds: { current: string; baseline: string },
  phases: ReadonlyArray<[string, Phase]>,
): void {
  console.log(
    `\n══ mcpscope proxy, this build / proxy@baseline: µs per call, median [p25–p75] over rounds; ` +
      `new / baseline = ratio of medians [p25–p75 over bootstrap resamples of the rounds] ` +
      `(below 1: this build costs less) ══`,
  );
  const fmt = (values: readonly number[]): string => {
    const { median, p25, p75 } = spreadOf(values);
    return `${median.toFixed(1)} [${p25.toFixed(1)}–${p75.toFixed(1)}]`;
  };
  const rows: string[][] = [];
  for (const [name, phase] of phases) {
    const measures: Array<[string, number[], number[]]> = [
      ['added over direct', added(phase, 'proxy', 'direct'), added(phase, 'proxyBaseline', 'direct')],
      [
        'added over pass-through',
        added(phase, 'proxy', 'passThrough'),
        added(phase, 'proxyBaseline', 'passThrough'),
      ],
      ['proxy process CPU', phase.cpu.proxy, phase.cpu.proxyBaseline],
    ];
    for (const [measure, current, old] of measures) {
      if (current.length === 0 || old.length === 0) continue;
      rows.push([name, measure, fmt(current), fmt(old), fmtMedianRatio(ratioOfMedians(current, old))]);
    }
  }
  printTable(['phase', 'µs per call', 'this build', 'baseline', 'new / baseline'], rows);
  console.log(`this build: ${builds.current}`);
  console.log(`baseline (MCPSCOPE_BENCH_BASELINE_PROXY_CLI): ${builds.baseline}`);
}

await main();
