import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createFixtureServer, type FixtureServerOptions } from './fixtureServer.js';

/** Options of {@link startHttpFixture}. */
export interface HttpFixtureOptions extends FixtureServerOptions {
  /** Answer POSTs with one JSON body instead of an SSE stream. Defaults to false (SSE), the SDK default. */
  jsonResponse?: boolean;
  /** No sessions: a new transport and server for every request. Defaults to false. */
  stateless?: boolean;
}

/** The fixture server behind a real Streamable HTTP endpoint. */
export interface HttpFixture {
  /** The MCP endpoint (`/mcp`). */
  url: URL;
  /** Authorization headers the server received, to check the proxy forwards them. */
  authorizations: string[];
  /** Sessions currently open. */
  sessions: Map<string, StreamableHTTPServerTransport>;
  /**
   * Sessions whose client has its GET stream open: the only way to the client for server messages that
   * belong to no request (the SDK client opens it after initialize without waiting for it).
   */
  standaloneStreams: Set<string>;
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
}

/**
 * Stateful Streamable HTTP server on 127.0.0.1 (a session per initialize, one McpServer per session),
 * the way the MCP SDK documents it for node:http.
 */
export function startHttpFixture(options: HttpFixtureOptions = {}): Promise<HttpFixture> {
  return startMcpHttpServer(options, () => createFixtureServer(options));
}

/** What {@link startMcpHttpServer} serves: a new MCP server (1.x McpServer or Server) per session. */
export type McpServerFactory = () => {
  connect(transport: StreamableHTTPServerTransport): Promise<void>;
};

/**
 * Serves the MCP servers `createServer` makes behind a real Streamable HTTP endpoint (`/mcp`) on
 * 127.0.0.1: stateful (a session per initialize, one server per session), the way the MCP SDK documents
 * it for node:http, or stateless (a transport and a server per request).
 */
export async function startMcpHttpServer(
  options: { jsonResponse?: boolean; stateless?: boolean },
  createServer: McpServerFactory,
): Promise<HttpFixture> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const authorizations: string[] = [];
  const standaloneStreams = new Set<string>();
  const server = http.createServer((req, res) => {
    void (async () => {
      if (req.headers.authorization !== undefined) authorizations.push(req.headers.authorization);
      if (!req.url?.startsWith('/mcp')) {
        res.writeHead(404).end();
        return;
      }
      const sessionId = req.headers['mcp-session-id'];
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      if (options.stateless) {
        if (req.method !== 'POST') {
          res.writeHead(405).end();
          return;
        }
        const oneShot = new StreamableHTTPServerTransport({
          sessionIdGenerator: undefined,
          enableJsonResponse: options.jsonResponse ?? false,
        });
        res.on('close', () => void oneShot.close());
        await createServer().connect(oneShot);
        await oneShot.handleRequest(req, res, body);
        return;
      }
      let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
      if (transport === undefined) {
        if (sessionId !== undefined) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              jsonrpc: '2.0',
              error: { code: -32001, message: 'Session not found' },
              id: null,
            }),
          );
          return;
        }
        const created = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          enableJsonResponse: options.jsonResponse ?? false,
          onsessioninitialized: (id) => void sessions.set(id, created),
          onsessionclosed: (id) => void sessions.delete(id),
        });
        transport = created;
        await createServer().connect(created);
      }
      if (req.method === 'GET' && typeof sessionId === 'string') {
        standaloneStreams.add(sessionId);
        res.on('close', () => standaloneStreams.delete(sessionId));
      }
      await transport.handleRequest(req, res, body);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/mcp`),
    authorizations,
    sessions,
    standaloneStreams,
    close: async () => {
      for (const transport of sessions.values()) await transport.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
