import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { BenchHost } from './benchConfigs.js';
import type { BenchClient, BenchServer } from './benchTelemetry.js';

/** A tool result of the benchmark's tools. */
export interface ToolResult {
  content: Array<{ type: 'text'; text: string }>;
}

/** A tool of the bench server, declared once for both SDKs (each maps `input` to its own schema type). */
export interface BenchTool {
  name: string;
  description: string;
  /** The tool's arguments: `{ text: string }`, `{ retain: boolean }` or none. */
  input: 'text' | 'retain' | 'none';
  run(args: { text?: string; retain?: boolean }): Promise<ToolResult>;
}

/** How to stand up the benchmark's client and server on one MCP SDK (and, for 2.x, one era). */
export interface HostSdk {
  /** The 1.x Client class, which traceloop patches (peers only); undefined on 2.x. */
  clientClass: typeof Client | undefined;
  createClient(): BenchClient;
  createServer(tools: readonly BenchTool[]): BenchServer;
  /**
   * Connects `client` to a server made by `makeServer` (already instrumented) in this process. 2.x in
   * the 2026-07-28 era serves it with `serveStdio` on the in-memory pair (the entry that negotiates the
   * era), so mcpscope sees that server end as stdio and measures its message sizes.
   */
  connectInMemory(client: BenchClient, makeServer: () => BenchServer): Promise<void>;
  /** Connects `client` to a server process started from these parameters. */
  connectStdio(
    client: BenchClient,
    params: { command: string; args: string[]; env: Record<string, string> },
  ): Promise<void>;
  /** Serves this process's stdin/stdout with servers made by `makeServer`. */
  serveStdio(makeServer: () => BenchServer): Promise<void>;
}

/** The host SDK of a configuration, loaded on demand so a process loads only the SDK it runs. */
export async function loadHostSdk(host: BenchHost): Promise<HostSdk> {
  if (host === 'v1') return (await import('./v1Host.js')).v1Host;
  return (await import('./v2Host.js')).v2Host(host === 'v2-modern' ? 'modern' : 'legacy');
}
