/**
 * The stdio server of the benchmark, started by benchChild.ts as a child process with
 * MCPSCOPE_BENCH_CONFIG naming the configuration. Besides `echo` it has `bench_stats`, through which
 * the client reads what this process's instrumentation recorded (the counts and span summaries the
 * benchmark verifies), and `bench_cpu`, the CPU time this process has used.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import { parseConfig, setupTelemetry } from './benchTelemetry.js';
import { createBenchServer } from './createBenchServer.js';

const config = parseConfig(process.env['MCPSCOPE_BENCH_CONFIG']);
const telemetry = await setupTelemetry(config, { client: false, server: true });
const server = createBenchServer();
server.registerTool(
  'bench_stats',
  { description: 'What the instrumentation of this process recorded', inputSchema: { retain: z.boolean() } },
  async ({ retain }) => ({
    content: [{ type: 'text', text: JSON.stringify(await telemetry.snapshot(retain)) }],
  }),
);
// CPU time of this process, read before and after each timed round: with the client's own CPU time it
// gives the CPU cost of a call over stdio, which other processes on the machine disturb far less than
// wall time.
server.registerTool('bench_cpu', { description: 'process.cpuUsage() of this process' }, async () => ({
  content: [{ type: 'text', text: JSON.stringify(process.cpuUsage()) }],
}));
telemetry.instrumentServer(server);
await server.connect(new StdioServerTransport());
