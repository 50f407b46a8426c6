import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';
import type { BenchClient } from './benchTelemetry.js';
import type { BenchTool, HostSdk } from './hostSdk.js';

// MCP SDK 1.x (`@modelcontextprotocol/sdk`): zod input schemas, McpServer.connect on every transport.

const INPUTS = { text: { text: z.string() }, retain: { retain: z.boolean() }, none: undefined };

const asClient = (client: BenchClient): Client => client as unknown as Client;
const asServer = (server: object): McpServer => server as McpServer;

export const v1Host: HostSdk = {
  clientClass: Client,
  createClient: () => new Client({ name: 'bench-client', version: '1.0.0' }) as unknown as BenchClient,
  createServer: (tools: readonly BenchTool[]) => {
    const server = new McpServer({ name: 'bench-server', version: '1.0.0' });
    for (const tool of tools) {
      const inputSchema = INPUTS[tool.input];
      server.registerTool(
        tool.name,
        inputSchema ? { description: tool.description, inputSchema } : { description: tool.description },
        ((args: { text?: string; retain?: boolean }) => tool.run(args)) as never,
      );
    }
    return server;
  },
  connectInMemory: async (client, makeServer) => {
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await asServer(makeServer()).connect(serverTransport);
    await asClient(client).connect(clientTransport);
  },
  connectStdio: (client, params) =>
    asClient(client).connect(new StdioClientTransport({ ...params, stderr: 'inherit' })),
  serveStdio: (makeServer) => asServer(makeServer()).connect(new StdioServerTransport()),
};
