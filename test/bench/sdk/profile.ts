/**
 * A plain call loop for profiling one configuration (no IPC, no verification):
 *
 *   node --import tsx test/bench/sdk/profile.ts <configuration> <in-memory|stdio> [calls] [out-dir]
 *
 * (add `--conditions=mcpscope-source` before `--import` to profile the TypeScript sources instead of
 * the build). The first half of the calls warms up; the second half is timed and, when an output
 * directory is given, CPU-profiled through the inspector (100 µs sampling) into `<out-dir>/client.cpuprofile`,
 * so the profile holds the steady state only. Over stdio the server process is started with
 * `--cpu-prof` into the same directory (its profile covers its whole life, start-up included).
 * Summarize a profile with sdk/summarizeProfile.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { parseConfig } from './benchConfigs.js';
import { connectBenchClient } from './connectBenchClient.js';
import { ECHO_TEXT } from './createBenchServer.js';
import { parseTransport } from './messages.js';

const config = parseConfig(process.argv[2] ?? 'mcpscope');
const transport = parseTransport(process.argv[3] ?? 'in-memory');
const calls = Number(process.argv[4] ?? 20_000);
const outDir = process.argv[5];
if (outDir) await mkdir(outDir, { recursive: true });

// Over stdio the server process profiles itself from start to exit.
const serverProfileArgs = outDir
  ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(outDir)}`, '--cpu-prof-name=server.cpuprofile']
  : [];
const { client, telemetry } = await connectBenchClient(config, transport, serverProfileArgs);
await telemetry.snapshot(false);

const half = Math.floor(calls / 2);
for (let i = 0; i < half; i++) await client.callTool({ name: 'echo', arguments: { text: ECHO_TEXT } });
const session = outDir ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
}
const start = performance.now();
for (let i = half; i < calls; i++) await client.callTool({ name: 'echo', arguments: { text: ECHO_TEXT } });
const micros = ((performance.now() - start) * 1000) / (calls - half);
if (session && outDir) {
  const { profile } = await session.post('Profiler.stop');
  await writeFile(path.join(outDir, 'client.cpuprofile'), JSON.stringify(profile));
  session.disconnect();
}
console.log(`${config} ${transport}: ${micros.toFixed(1)} µs/call over ${calls - half} calls`);
await client.close();
