/**
 * The stdio server of the benchmark, started by benchChild.ts as a child process with
 * MCPSCOPE_BENCH_CONFIG naming the configuration (which also says the MCP SDK it is built with). Besides
 * `echo` it has `bench_stats`, through which the client reads what this process's instrumentation
 * recorded (the counts and span summaries the benchmark verifies), and `bench_cpu`, the CPU time this
 * process has used.
 */
import { hostOf, instrumentationOf, parseConfig } from './benchConfigs.js';
import { setupTelemetry } from './benchTelemetry.js';
import { createBenchServer } from './createBenchServer.js';
import { loadHostSdk, type BenchTool } from './hostSdk.js';

const config = parseConfig(process.env['MCPSCOPE_BENCH_CONFIG']);
const sdk = await loadHostSdk(hostOf(config));
const telemetry = await setupTelemetry(instrumentationOf(config), { client: false, server: true });
const tools: BenchTool[] = [
  {
    name: 'bench_stats',
    description: 'What the instrumentation of this process recorded',
    input: 'retain',
    run: async ({ retain }) => ({
      content: [{ type: 'text', text: JSON.stringify(await telemetry.snapshot(retain === true)) }],
    }),
  },
  // CPU time of this process, read before and after each timed round: with the client's own CPU time it
  // gives the CPU cost of a call over stdio, which other processes on the machine disturb far less than
  // wall time.
  {
    name: 'bench_cpu',
    description: 'process.cpuUsage() of this process',
    input: 'none',
    run: () => Promise.resolve({ content: [{ type: 'text', text: JSON.stringify(process.cpuUsage()) }] }),
  },
];
await sdk.serveStdio(() => {
  const server = createBenchServer(sdk, tools);
  telemetry.instrumentServer(server);
  return server;
});
