/**
 * `npm run bench:sdk` — the time mcpscope adds to an MCP tools/call, against the bare MCP SDK and
 * against the peers (Sentry's `wrapMcpServerWithSentry` on the server + `@traceloop/instrumentation-mcp`
 * on the client), over InMemoryTransport and over stdio (a real child-process server). Two reference
 * rows use the same OpenTelemetry setup and no mcpscope code: `two-span`, the minimal two-span wrapper
 * the design's target is anchored on, and `three-span`, the least any implementation of the
 * requirement must do (CLIENT, transport and SERVER spans, W3C context injected into `params._meta`
 * and extracted by the server, the handler in the server span's context; see benchTelemetry.ts). At
 * the end, sdk/otelFloor.ts measures the OpenTelemetry SDK work alone that one mcpscope call needs
 * (no MCP, tight loop).
 *
 * Method. Each configuration runs in a process of its own (sdk/benchChild.ts; over stdio it starts its
 * own server process), because Sentry, traceloop and OpenTelemetry install process-wide state
 * (globals, context manager, module patches) that would otherwise leak between configurations. The
 * processes live for the whole run of a transport, so each is warmed up once and the JIT state of one
 * configuration never affects another. This process drives them over IPC one round at a time, strictly
 * alternating (the order rotated every round) and only one at a time, so they never compete for the 2
 * CPUs and a slow phase of the machine (other processes) hits all configurations alike. A round is N
 * sequential awaited `client.callTool` calls; the figure per configuration is the median over the
 * rounds of the mean µs per call, with p25–p75 across rounds as the spread. The added time is the
 * median (and p25–p75) of the per-round differences to the bare round of the same rotation.
 *
 * Two times per round: wall time (the latency a caller sees) and CPU time (user + system of the
 * process, plus the server process over stdio, read outside the timed loop). On a shared 2-core
 * machine the CPU time is the steadier estimate of cost: it does not count the time the processes wait
 * for a CPU. Over stdio the wall time also carries the cost of waking the other process up: a few µs
 * more work between calls can let the peer fall asleep, and each wake-up costs tens of µs on a VM.
 *
 * Before timing, every process checks its instrumentation with a few calls (sdk/verifySpans.ts) and the
 * run stops if a configuration does not produce its spans; at the end the span counts per call are
 * printed.
 *
 * By default the children import `@mcpscope/sdk` from its build (dist/, what users run; the npm script
 * builds it first). `--source` runs the TypeScript sources instead (tsx adds `__name` helpers, so a
 * little slower). Environment overrides: MCPSCOPE_BENCH_ROUNDS (40), MCPSCOPE_BENCH_WARMUP_ROUNDS (6),
 * MCPSCOPE_BENCH_CALLS_IN_MEMORY (500), MCPSCOPE_BENCH_CALLS_STDIO (200), MCPSCOPE_BENCH_TRANSPORTS
 * (in-memory,stdio), MCPSCOPE_BENCH_CONFIGS (mcpscope,mcpscope-traces,peers,two-span,three-span;
 * bare is always included).
 * Profiling: sdk/profile.ts.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BENCH_CONFIGS, parseConfig, type BenchConfig } from './sdk/benchTelemetry.js';
import {
  BENCH_TRANSPORTS,
  parseTransport,
  type BenchTransport,
  type Command,
  type Reply,
} from './sdk/messages.js';
import { spread, type Spread } from './sdk/stats.js';

/** The per-call target for mcpscope's added time in memory (all three layers and propagation). */
const TARGET_ADDED_MICROS = 10;

const useSource = process.argv.includes('--source');
const rounds = envInt('MCPSCOPE_BENCH_ROUNDS', 40);
const warmupRounds = envInt('MCPSCOPE_BENCH_WARMUP_ROUNDS', 6);
const callsPerRound: Record<BenchTransport, number> = {
  'in-memory': envInt('MCPSCOPE_BENCH_CALLS_IN_MEMORY', 500),
  stdio: envInt('MCPSCOPE_BENCH_CALLS_STDIO', 200),
};
const transports = envList('MCPSCOPE_BENCH_TRANSPORTS', BENCH_TRANSPORTS).map(parseTransport);
const configs: BenchConfig[] = [
  'bare',
  ...envList('MCPSCOPE_BENCH_CONFIGS', BENCH_CONFIGS)
    .map(parseConfig)
    .filter((config) => config !== 'bare'),
];

const childEntry = fileURLToPath(new URL('./sdk/benchChild.ts', import.meta.url));
const floorEntry = fileURLToPath(new URL('./sdk/otelFloor.ts', import.meta.url));
const childExecArgv = [...(useSource ? ['--conditions=mcpscope-source'] : []), '--import', 'tsx'];

/** One configuration's process: one command in flight at a time. */
class BenchChild {
  private readonly process: ChildProcess;
  private pending: { resolve(reply: Reply): void; reject(error: Error): void } | undefined;
  private readonly early: Reply[] = [];
  private exited: Error | undefined;

  constructor(
    readonly config: BenchConfig,
    transport: BenchTransport,
  ) {
    this.process = fork(childEntry, [config, transport], {
      execArgv: childExecArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.process.on('message', (reply: Reply) => {
      const pending = this.pending;
      this.pending = undefined;
      if (!pending) this.early.push(reply);
      else if (reply.type === 'error') pending.reject(new Error(`${config}: ${reply.message}`));
      else pending.resolve(reply);
    });
    this.process.on('exit', (code, signal) => {
      this.exited = new Error(`${config} child exited (code ${code}, signal ${signal})`);
      this.pending?.reject(this.exited);
      this.pending = undefined;
    });
  }

  /** The next reply (the first one, `ready`, comes unasked). */
  next(): Promise<Reply> {
    const early = this.early.shift();
    if (early) {
      return early.type === 'error'
        ? Promise.reject(new Error(`${this.config}: ${early.message}`))
        : Promise.resolve(early);
    }
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
    });
  }

  command(command: Command): Promise<Reply> {
    const reply = this.next();
    this.process.send(command);
    return reply;
  }

  async round(calls: number): Promise<{ wall: number; cpu: number }> {
    const reply = await this.command({ type: 'round', calls });
    if (reply.type !== 'round') throw new Error(`${this.config}: unexpected reply ${reply.type}`);
    return { wall: reply.microsPerCall, cpu: reply.cpuMicrosPerCall };
  }

  kill(): void {
    if (this.process.exitCode === null) this.process.kill();
  }
}

/** One measure (wall or CPU time) of one configuration. */
interface Measure {
  perCall: Spread;
  /** Undefined for bare. */
  added: Spread | undefined;
}

interface ConfigResult {
  config: BenchConfig;
  wall: Measure;
  cpu: Measure;
  /** Spans per tools/call, by category, from the final counts. */
  spansPerCall: Record<string, number>;
}

interface TransportResult {
  transport: BenchTransport;
  calls: number;
  results: ConfigResult[];
}

async function benchTransport(transport: BenchTransport): Promise<TransportResult> {
  const calls = callsPerRound[transport];
  console.log(`\n── ${transport}: starting ${configs.join(', ')} (one process each) ──`);
  const children: BenchChild[] = [];
  try {
    let verified = true;
    for (const config of configs) {
      const child = new BenchChild(config, transport);
      children.push(child);
      const ready = await child.next();
      if (ready.type !== 'ready') throw new Error(`${config}: expected ready, got ${ready.type}`);
      console.log(`${config}: span check`);
      for (const line of ready.verification.lines) console.log(`  ${line}`);
      verified &&= ready.verification.ok;
    }
    if (!verified) throw new Error('a configuration did not produce the spans it should; not timing it');

    const wall = new Map<BenchConfig, number[]>(configs.map((config) => [config, []]));
    const cpu = new Map<BenchConfig, number[]>(configs.map((config) => [config, []]));
    for (let r = 0; r < warmupRounds + rounds; r++) {
      for (let k = 0; k < children.length; k++) {
        const child = children[(r + k) % children.length] as BenchChild;
        const micros = await child.round(calls);
        if (r < warmupRounds) continue;
        wall.get(child.config)?.push(micros.wall);
        cpu.get(child.config)?.push(micros.cpu);
      }
      if (r === warmupRounds - 1) process.stdout.write(`warm-up done (${warmupRounds} rounds); timing `);
      else if (r >= warmupRounds) process.stdout.write('.');
    }
    process.stdout.write('\n');

    const results: ConfigResult[] = [];
    for (const child of children) {
      const finished = await child.command({ type: 'finish' });
      if (finished.type !== 'finished') throw new Error(`${child.config}: expected finished`);
      results.push({
        config: child.config,
        wall: measure(child.config, wall),
        cpu: measure(child.config, cpu),
        spansPerCall: perCall(finished.counts, finished.calls),
      });
    }
    printTransport(transport, calls, results);
    return { transport, calls, results };
  } finally {
    for (const child of children) child.kill();
  }
}

/**
 * Median and spread of a configuration's rounds. The added time is paired: each round is compared with
 * the bare round of the same rotation (run right next to it), and the median and p25–p75 are taken over
 * those differences, so a slow phase of the machine cancels out instead of widening the figure.
 */
function measure(config: BenchConfig, samples: Map<BenchConfig, number[]>): Measure {
  const own = samples.get(config) ?? [];
  const bare = samples.get('bare') ?? [];
  const perCall = spread(own);
  if (config === 'bare') return { perCall, added: undefined };
  return { perCall, added: spread(own.map((value, i) => value - (bare[i] ?? Number.NaN))) };
}

/** Final span counts per tools/call, by category (the part of the count key before ` | `). */
function perCall(counts: Record<string, number>, calls: number): Record<string, number> {
  const byCategory: Record<string, number> = {};
  for (const [key, count] of Object.entries(counts)) {
    const category = key.replace(/^server process: /, '').split(' | ')[0] ?? key;
    byCategory[category] = (byCategory[category] ?? 0) + count;
  }
  return Object.fromEntries(Object.entries(byCategory).map(([key, count]) => [key, count / calls]));
}

function printTransport(transport: BenchTransport, calls: number, results: ConfigResult[]): void {
  console.log(
    `\n${transport} tools/call — ${rounds} rounds × ${calls} sequential calls per configuration ` +
      '(median of rounds, [p25–p75] across rounds)',
  );
  const rows = results.map((result) => [
    result.config,
    fmtSpread(result.wall.perCall),
    result.wall.added ? fmtSpread(result.wall.added) : '—',
    fmtSpread(result.cpu.perCall),
    result.cpu.added ? fmtSpread(result.cpu.added) : '—',
    Object.entries(result.spansPerCall)
      .map(([category, count]) => `${category} ${count.toFixed(2)}`)
      .join(', ') || 'none',
  ]);
  printTable(
    ['config', 'wall µs/call', 'added wall µs', 'CPU µs/call', 'added CPU µs', 'spans per call'],
    rows,
  );
  for (const which of ['wall', 'cpu'] as const) printRatios(`${transport} (${which})`, results, which);
}

function printRatios(label: string, results: ConfigResult[], which: 'wall' | 'cpu'): void {
  const mcpscope = results.find((result) => result.config === 'mcpscope')?.[which].added?.median;
  const peers = results.find((result) => result.config === 'peers')?.[which].added?.median;
  const minimal = results.find((result) => result.config === 'three-span')?.[which].added?.median;
  const tracesOnly = results.find((result) => result.config === 'mcpscope-traces')?.[which].added?.median;
  if (mcpscope === undefined) return;
  const parts = [
    `mcpscope added / ${TARGET_ADDED_MICROS} µs target = ${ratio(mcpscope, TARGET_ADDED_MICROS)}`,
  ];
  if (peers !== undefined) parts.push(`mcpscope added / peers added = ${ratio(mcpscope, peers)}`);
  if (tracesOnly !== undefined) {
    parts.push(
      `mcpscope-traces added / ${TARGET_ADDED_MICROS} µs target = ${ratio(tracesOnly, TARGET_ADDED_MICROS)}`,
    );
  }
  if (minimal !== undefined) {
    parts.push(`mcpscope added / three-span added = ${ratio(mcpscope, minimal)}`);
    parts.push(`three-span added / target = ${ratio(minimal, TARGET_ADDED_MICROS)}`);
  }
  console.log(`${label}: ${parts.join('; ')}`);
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(2)}×`;
}

function fmtSpread(s: Spread): string {
  return `${s.median.toFixed(1)} [${s.p25.toFixed(1)}–${s.p75.toFixed(1)}]`;
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(line(widths.map((width) => '─'.repeat(width))));
  for (const row of rows) console.log(line(row));
}

function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

function envList<T extends string>(name: string, fallback: readonly T[]): string[] {
  const value = process.env[name];
  return value ? value.split(',').map((item) => item.trim()) : [...fallback];
}

console.log(
  `mcpscope SDK benchmark — node ${process.version}, ${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'}, ` +
    `load ${os
      .loadavg()
      .map((load) => load.toFixed(2))
      .join(' ')}; @mcpscope/sdk from ${useSource ? 'src (TypeScript)' : 'dist (build)'}`,
);
const all: TransportResult[] = [];
for (const transport of transports) all.push(await benchTransport(transport));

const floor = await otelFloor();

console.log(
  `\n══ Summary: time added per tools/call, µs, median [p25–p75] over rounds; ` +
    `target for mcpscope in memory ≤ ${TARGET_ADDED_MICROS} µs ══`,
);
const summaryRows: string[][] = [];
for (const { transport, results } of all) {
  const byConfig = (config: BenchConfig): ConfigResult | undefined =>
    results.find((result) => result.config === config);
  for (const which of ['wall', 'cpu'] as const) {
    const ours = byConfig('mcpscope')?.[which].added;
    const theirs = byConfig('peers')?.[which].added;
    const reference = byConfig('two-span')?.[which].added;
    const minimal = byConfig('three-span')?.[which].added;
    const tracesOnly = byConfig('mcpscope-traces')?.[which].added;
    summaryRows.push([
      transport,
      which === 'wall' ? 'wall' : 'CPU',
      byConfig('bare')?.[which].perCall.median.toFixed(1) ?? '—',
      ours ? fmtSpread(ours) : '—',
      tracesOnly ? fmtSpread(tracesOnly) : '—',
      theirs ? fmtSpread(theirs) : '—',
      reference ? fmtSpread(reference) : '—',
      minimal ? fmtSpread(minimal) : '—',
      ours ? ratio(ours.median, TARGET_ADDED_MICROS) : '—',
      ours && theirs ? ratio(ours.median, theirs.median) : '—',
      ours && minimal ? ratio(ours.median, minimal.median) : '—',
    ]);
  }
}
printTable(
  [
    'transport',
    'time',
    'bare µs/call',
    'mcpscope added',
    'traces-only added',
    'peers added',
    'two-span added',
    'three-span added',
    'mcpscope / target',
    'mcpscope / peers',
    'mcpscope / three-span',
  ],
  summaryRows,
);
console.log(
  `\nOpenTelemetry SDK work of one mcpscope call alone (3 spans with their attributes, inject + extract, ` +
    `handler context, 2 histograms; no MCP, tight loop): ${floor.toFixed(1)} µs ` +
    `= ${ratio(floor, TARGET_ADDED_MICROS)} the target — the floor of mcpscope's added time on this machine.`,
);
console.log(
  'traces-only = mcpscope with no MeterProvider (three layers and propagation, no histograms); ' +
    'peers = Sentry wrapMcpServerWithSentry (server) + @traceloop/instrumentation-mcp (client); ' +
    'two-span = a minimal CLIENT + SERVER span wrapper (no transport span, propagation, attributes or metrics); ' +
    'three-span = the least the requirement needs: CLIENT, transport and SERVER spans with W3C context ' +
    'through params._meta and the handler in the server span (two attributes each, no metrics, no error ' +
    'handling): with this OpenTelemetry setup, no implementation of all three layers with propagation adds less.',
);

/** Runs sdk/otelFloor.ts in a process of its own (it installs OpenTelemetry globals). */
async function otelFloor(): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, [...childExecArgv, floorEntry]);
  const last = stdout.trim().split('\n').pop() ?? '{}';
  return (JSON.parse(last) as { microsPerCall: number }).microsPerCall;
}
