import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, InMemoryTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import {
  createMcpHandler,
  type McpHttpHandler,
  type McpServer,
  type Server,
} from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { instrumentClient } from '../instrumentClient.js';
import type { SpanRecord } from './jsonLinesSpanExporter.js';
import { createModernServer } from './v2ModernServer.js';

// Real MCP SDK 2.x clients connected in the 2026-07-28 era to the server of v2ModernServer.ts: in memory
// (served by `serveStdio` over the SDK's in-memory pair), over stdio (the server in a child process) and
// over Streamable HTTP (`createMcpHandler`, whose `fetch` the client's fetch calls directly: the HTTP
// exchange is real, the socket is not).

const FIXTURE = fileURLToPath(new URL('./v2ModernServerFixture.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** What the client's elicitation handler answers: accept with `confirm`, or throw. */
export type ElicitationAnswer = 'accept' | 'throw';

/** A connected modern client and how to close everything it was connected with. */
export interface ModernPair {
  client: Client;
  close(): Promise<void>;
}

/** An instrumented 2.x Client that negotiates the era and answers elicitations. */
export function modernClient(
  answer: ElicitationAnswer = 'accept',
  era: 'modern' | 'legacy' = 'modern',
): Client {
  const client = instrumentClient(
    new Client(
      { name: 'agent-v2', version: '1.2.3' },
      {
        ...(era === 'modern' ? { versionNegotiation: { mode: 'auto' as const } } : {}),
        capabilities: { elicitation: { form: {} } },
      },
    ),
  );
  client.setRequestHandler('elicitation/create', async () => {
    if (answer === 'throw') throw new Error('the user closed the dialog');
    return { action: 'accept', content: { confirm: true } };
  });
  return client;
}

/** A factory of instrumented server instances, as the 2.x serving entries take it. */
export type ServerFactory = () => McpServer | Server;

/** In memory: a server (v2ModernServer.ts's unless told) served by `serveStdio` over the SDK's linked pair. */
export async function connectInMemory(
  client: Client,
  factory: ServerFactory = () => createModernServer(),
): Promise<ModernPair> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const handle = serveStdio(factory, { transport: serverTransport });
  await client.connect(clientTransport);
  return {
    client,
    close: async () => {
      await client.close();
      await handle.close();
    },
  };
}

/** Over stdio: the server runs in a child process and appends its spans to `spansFile`. */
export async function connectStdio(client: Client, spansFile: string): Promise<ModernPair> {
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: ['--conditions=mcpscope-source', '--import', 'tsx', FIXTURE],
      env: { ...(process.env as Record<string, string>), MCPSCOPE_SPANS_FILE: spansFile },
      cwd: REPO_ROOT,
      stderr: 'inherit',
    }),
  );
  return { client, close: () => client.close() };
}

/** Over Streamable HTTP: a `createMcpHandler` serving a new server per request. */
export async function connectHttp(
  client: Client,
  handler?: McpHttpHandler,
): Promise<ModernPair & { handler: McpHttpHandler }> {
  const mcp = handler ?? createMcpHandler(() => createModernServer('files-v2-http'));
  await client.connect(
    new StreamableHTTPClientTransport(new URL('http://mcp.test/mcp'), {
      fetch: (url, init) => mcp.fetch(new Request(url, init)),
    }),
  );
  return {
    client,
    handler: mcp,
    close: async () => {
      await client.close();
      await mcp.close();
    },
  };
}

/** The spans a server process appended to `file` so far. */
export function spansInFile(file: string): SpanRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SpanRecord);
}
