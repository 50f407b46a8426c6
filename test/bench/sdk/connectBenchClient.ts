import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { setupTelemetry, type BenchConfig, type BenchTelemetry } from './benchTelemetry.js';
import { createBenchServer } from './createBenchServer.js';
import type { BenchTransport } from './messages.js';

/**
 * Installs configuration `config` in this process and connects an instrumented MCP client to the bench
 * server: in this process over InMemoryTransport, or a child process over stdio (started with this
 * process's loader and export conditions, so it runs the same SDK build, after `serverNodeArgs`).
 */
export async function connectBenchClient(
  config: BenchConfig,
  transport: BenchTransport,
  serverNodeArgs: readonly string[] = [],
): Promise<{ client: Client; telemetry: BenchTelemetry }> {
  const telemetry = await setupTelemetry(config, { client: true, server: transport === 'in-memory' }, Client);
  const client = new Client({ name: 'bench-client', version: '1.0.0' });
  telemetry.instrumentClient(client);
  if (transport === 'in-memory') {
    const server = createBenchServer();
    telemetry.instrumentServer(server);
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
  } else {
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [
          ...serverNodeArgs,
          ...process.execArgv,
          fileURLToPath(new URL('./stdioServer.ts', import.meta.url)),
        ],
        env: { ...process.env, MCPSCOPE_BENCH_CONFIG: config } as Record<string, string>,
        stderr: 'inherit',
      }),
    );
  }
  return { client, telemetry };
}
