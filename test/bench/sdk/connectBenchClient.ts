import { fileURLToPath } from 'node:url';
import { hostOf, instrumentationOf, type BenchConfig } from './benchConfigs.js';
import { setupTelemetry, type BenchClient, type BenchTelemetry } from './benchTelemetry.js';
import { createBenchServer } from './createBenchServer.js';
import { loadHostSdk } from './hostSdk.js';
import type { BenchTransport } from './messages.js';

/**
 * Installs configuration `config` in this process and connects an instrumented MCP client of its SDK to
 * the bench server: in this process over the SDK's InMemoryTransport, or a child process over stdio
 * (started with this process's loader and export conditions, so it runs the same SDK build, after
 * `serverNodeArgs`).
 */
export async function connectBenchClient(
  config: BenchConfig,
  transport: BenchTransport,
  serverNodeArgs: readonly string[] = [],
): Promise<{ client: BenchClient; telemetry: BenchTelemetry }> {
  const sdk = await loadHostSdk(hostOf(config));
  const telemetry = await setupTelemetry(
    instrumentationOf(config),
    { client: true, server: transport === 'in-memory' },
    sdk.clientClass,
  );
  const client = sdk.createClient();
  telemetry.instrumentClient(client);
  if (transport === 'in-memory') {
    await sdk.connectInMemory(client, () => {
      const server = createBenchServer(sdk);
      telemetry.instrumentServer(server);
      return server;
    });
  } else {
    await sdk.connectStdio(client, {
      command: process.execPath,
      args: [
        ...serverNodeArgs,
        ...process.execArgv,
        fileURLToPath(new URL('./stdioServer.ts', import.meta.url)),
      ],
      env: { ...process.env, MCPSCOPE_BENCH_CONFIG: config } as Record<string, string>,
    });
  }
  return { client, telemetry };
}
