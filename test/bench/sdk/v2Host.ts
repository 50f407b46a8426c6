import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { fromJsonSchema, McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { BenchClient, BenchServer } from './benchTelemetry.js';
import type { BenchTool, HostSdk } from './hostSdk.js';

// MCP SDK 2.x (`@modelcontextprotocol/client` + `/server`) in one protocol era. 2025 era: the Client's
// default (initialize), McpServer.connect in memory. 2026-07-28 era: the Client negotiates it with
// `server/discover` (`versionNegotiation: auto`), the server is served by `serveStdio`, which picks the
// era per connection. Over stdio `serveStdio` serves both eras, as a 2.x server would be written.

const INPUTS = {
  text: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  retain: { type: 'object', properties: { retain: { type: 'boolean' } }, required: ['retain'] },
  none: undefined,
} as const;

const asClient = (client: BenchClient): Client => client as unknown as Client;
const asServer = (server: BenchServer): McpServer => server as unknown as McpServer;

export function v2Host(era: 'legacy' | 'modern'): HostSdk {
  const connect = async (client: BenchClient, transport: InMemoryTransport | StdioClientTransport) => {
    await asClient(client).connect(transport);
    const negotiated = asClient(client).getProtocolEra();
    if (negotiated !== era) throw new Error(`the 2.x client negotiated the ${negotiated} era, not ${era}`);
  };
  return {
    clientClass: undefined,
    createClient: () =>
      new Client(
        { name: 'bench-client', version: '1.0.0' },
        era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : undefined,
      ) as unknown as BenchClient,
    createServer: (tools: readonly BenchTool[]) => {
      const server = new McpServer({ name: 'bench-server', version: '1.0.0' });
      for (const tool of tools) {
        const schema = INPUTS[tool.input];
        const config = schema
          ? { description: tool.description, inputSchema: fromJsonSchema<Record<string, unknown>>(schema) }
          : { description: tool.description };
        server.registerTool(tool.name, config, ((args: { text?: string; retain?: boolean }) =>
          tool.run(args)) as never);
      }
      return server as unknown as BenchServer;
    },
    connectInMemory: async (client, makeServer) => {
      const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
      if (era === 'modern') serveStdio(() => asServer(makeServer()), { transport: serverTransport });
      else await asServer(makeServer()).connect(serverTransport);
      await connect(client, clientTransport);
    },
    connectStdio: (client, params) =>
      connect(client, new StdioClientTransport({ ...params, stderr: 'inherit' })),
    serveStdio: (makeServer) => {
      serveStdio(() => asServer(makeServer()));
      return Promise.resolve();
    },
  };
}
