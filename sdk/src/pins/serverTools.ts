import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PaginatedResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { isSensitiveKey, REDACTED, redactString } from '../core/content/redact.js';
import { redactCommandLine } from '../core/transport/commandLine.js';
import type { PinnedServer } from './pinFile.js';

// `mcpscope pin` talks to the server with the MCP SDK's own client (the 2025 protocol era, which every
// server speaks) and lists its tools, every page, as they came over the wire.

/** The server to pin: a stdio command, or a Streamable HTTP endpoint. */
export type PinTarget =
  | { kind: 'stdio'; command: string; args: readonly string[] }
  | { kind: 'http'; url: URL; headers: Record<string, string> };

/** What a server lists: its identity and every tool of every page. */
export interface ServerTools {
  server: PinnedServer;
  tools: unknown[];
}

/** A server that could not be reached or listed; the message says why. */
export class ServerConnectionError extends Error {
  override readonly name = 'ServerConnectionError';
}

/** A URL as recorded in a pin file: user info dropped, credential-looking query values masked. */
export function redactUrl(url: URL): string {
  const copy = new URL(url);
  copy.username = '';
  copy.password = '';
  for (const key of [...copy.searchParams.keys()]) {
    if (isSensitiveKey(key)) copy.searchParams.set(key, REDACTED);
  }
  return redactString(copy.href);
}

/**
 * Connects, lists every page of tools and disconnects. The tools are taken from the raw results
 * (`PaginatedResultSchema` lets every field through): the MCP SDK's own `listTools` parses tools with
 * its schema, which drops annotation keys it does not know, and a pin must be of what the server sent
 * — what the proxy sees and fingerprints.
 */
export async function listServerTools(target: PinTarget): Promise<ServerTools> {
  const client = new Client({ name: 'mcpscope-pin', version: '1' });
  const server: PinnedServer = {};
  let transport: StdioClientTransport | StreamableHTTPClientTransport;
  if (target.kind === 'stdio') {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
    // The server gets the environment `mcpscope proxy` would give it (the whole of ours), not the MCP
    // SDK's short default list: a server whose tools depend on its environment is pinned as it runs.
    transport = new StdioClientTransport({
      command: target.command,
      args: [...target.args],
      env,
      stderr: 'inherit',
    });
    server.command = redactCommandLine(target.command, target.args);
  } else {
    transport = new StreamableHTTPClientTransport(target.url, { requestInit: { headers: target.headers } });
    server.url = redactUrl(target.url);
  }
  try {
    try {
      await client.connect(transport);
    } catch (error) {
      throw new ServerConnectionError(`cannot connect to the server: ${messageOf(error)}`);
    }
    const info = client.getServerVersion();
    if (typeof info?.name === 'string') server.name = info.name;
    if (typeof info?.version === 'string') server.version = info.version;
    const ordered: PinnedServer = {};
    for (const key of ['name', 'version', 'command', 'url'] as const)
      if (server[key] !== undefined) ordered[key] = server[key];
    return { server: ordered, tools: await listAllTools(client) };
  } finally {
    await client.close().catch(() => undefined);
  }
}

async function listAllTools(client: Client): Promise<unknown[]> {
  const tools: unknown[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    let result;
    try {
      result = await client.request(
        { method: 'tools/list', params: cursor === undefined ? {} : { cursor } },
        PaginatedResultSchema,
      );
    } catch (error) {
      throw new ServerConnectionError(`tools/list failed: ${messageOf(error)}`);
    }
    const page = (result as Record<string, unknown>)['tools'];
    if (!Array.isArray(page)) throw new ServerConnectionError('tools/list returned no "tools" array');
    tools.push(...(page as unknown[]));
    const next = result.nextCursor;
    if (typeof next !== 'string') return tools;
    // A server that hands out a cursor it handed out before would page forever.
    if (seen.has(next))
      throw new ServerConnectionError(`tools/list repeats the cursor ${JSON.stringify(next)}`);
    seen.add(next);
    cursor = next;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
