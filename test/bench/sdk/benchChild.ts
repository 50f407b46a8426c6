/**
 * One configuration of the SDK benchmark in a process of its own, driven by sdk.bench.ts over IPC:
 * `benchChild.ts <configuration> <in-memory|stdio>` (configurations: benchConfigs.ts).
 *
 * It connects an MCP client to the bench server (in this process over InMemoryTransport, or a child
 * process over stdio), installs the configuration's instrumentation, checks with a few calls that the
 * instrumentation really produces its spans, then runs the rounds of sequential calls it is asked for
 * and reports the time per call.
 */
import { parseConfig } from './benchConfigs.js';
import { connectBenchClient } from './connectBenchClient.js';
import { ECHO_TEXT } from './createBenchServer.js';
import { parseTransport, type Command, type Reply } from './messages.js';
import type { TelemetrySnapshot } from './tracePipeline.js';
import { verifySpans } from './verifySpans.js';

/** Calls checked before timing starts (their spans are all kept and inspected). */
const VERIFICATION_CALLS = 20;

const config = parseConfig(process.argv[2]);
const transport = parseTransport(process.argv[3]);

function send(reply: Reply): void {
  process.send?.(reply);
}

const { client, telemetry } = await connectBenchClient(config, transport);

/** tools/call requests made so far: the echo calls and, over stdio, the bench_stats / bench_cpu ones. */
let toolCalls = 0;
let serverSnapshot: ((retainNext: boolean) => Promise<TelemetrySnapshot>) | undefined;
/** CPU microseconds the server process has used (stdio only; in memory it is this process). */
let serverCpu: (() => Promise<number>) | undefined;
if (transport === 'stdio') {
  serverSnapshot = async (retainNext) => {
    toolCalls++;
    const result = await client.callTool({ name: 'bench_stats', arguments: { retain: retainNext } });
    const content = result.content as Array<{ type: string; text?: string }>;
    return JSON.parse(content[0]?.text ?? '{}') as TelemetrySnapshot;
  };
  serverCpu = async () => {
    toolCalls++;
    const result = await client.callTool({ name: 'bench_cpu', arguments: {} });
    const content = result.content as Array<{ type: string; text?: string }>;
    return cpuMicros(JSON.parse(content[0]?.text ?? '{}') as NodeJS.CpuUsage);
  };
}

function cpuMicros(usage: NodeJS.CpuUsage): number {
  return usage.user + usage.system;
}

async function echo(): Promise<void> {
  const result = await client.callTool({ name: 'echo', arguments: { text: ECHO_TEXT } });
  toolCalls++;
  const first = (result.content as Array<{ text?: string }>)[0];
  if (first?.text !== ECHO_TEXT) throw new Error(`unexpected echo result: ${JSON.stringify(result)}`);
}

/**
 * Runs `calls` sequential tools/call and returns the mean wall time and CPU time (this process plus,
 * over stdio, the server process) per call, in microseconds. The server's CPU is read outside the
 * timed loop.
 */
async function round(calls: number): Promise<{ wall: number; cpu: number }> {
  const serverBefore = (await serverCpu?.()) ?? 0;
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < calls; i++) {
    // Inline on purpose: the loop is the measured path, identical for every configuration.
    const result = await client.callTool({ name: 'echo', arguments: { text: ECHO_TEXT } });
    if (result.isError) throw new Error('echo failed');
  }
  const wall = ((performance.now() - start) * 1000) / calls;
  const clientCpu = cpuMicros(process.cpuUsage(cpuBefore));
  toolCalls += calls;
  const serverAfter = (await serverCpu?.()) ?? 0;
  return { wall, cpu: (clientCpu + serverAfter - serverBefore) / calls };
}

/** Both processes' snapshots in one, and the files each imported `@mcpscope/sdk` from. */
async function snapshots(retainNext: boolean): Promise<TelemetrySnapshot & { sdkModules: string[] }> {
  const local = await telemetry.snapshot(retainNext);
  const remote = await serverSnapshot?.(retainNext);
  const sdkModules: string[] = [];
  if (local.sdkModule !== undefined) sdkModules.push(`this process: ${local.sdkModule}`);
  if (remote?.sdkModule !== undefined) sdkModules.push(`server process: ${remote.sdkModule}`);
  return {
    counts: { ...local.counts, ...prefixed('server process: ', remote?.counts ?? {}) },
    spans: [...local.spans, ...(remote?.spans ?? [])],
    histograms: { ...local.histograms, ...remote?.histograms },
    sdkModules,
  };
}

function prefixed(prefix: string, counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([key, value]) => [prefix + key, value]));
}

async function handle(command: Command): Promise<void> {
  if (command.type === 'round') {
    const { wall, cpu } = await round(command.calls);
    send({ type: 'round', microsPerCall: wall, cpuMicrosPerCall: cpu });
    return;
  }
  const final = await snapshots(false);
  send({ type: 'finished', calls: toolCalls, counts: final.counts });
  await client.close();
  process.disconnect?.();
}

try {
  for (let i = 0; i < VERIFICATION_CALLS; i++) await echo();
  const verified = await snapshots(false);
  send({
    type: 'ready',
    config,
    verification: verifySpans(config, transport, VERIFICATION_CALLS, verified.spans, verified.histograms),
    sdkModules: verified.sdkModules,
  });
  // Commands arrive one at a time: the parent waits for each reply before sending the next.
  process.on('message', (command: Command) => {
    handle(command).catch((error: unknown) => {
      send({
        type: 'error',
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    });
  });
} catch (error) {
  send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  process.disconnect?.();
}
