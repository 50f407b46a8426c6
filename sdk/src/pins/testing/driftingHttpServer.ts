import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createDriftingServer, type DriftStage } from './driftingServer.js';

/** Options of {@link startDriftingHttpServer}. */
export interface DriftingHttpOptions {
  /** The tool set, shared by every session; the test (or `set_stage`) switches it. */
  stage: { current: DriftStage };
  /** Answer POSTs with one JSON body instead of an SSE stream. Defaults to false (SSE). */
  jsonResponse?: boolean;
  pageSize?: number;
}

/** The drifting fixture behind a real Streamable HTTP endpoint (`/mcp`) on 127.0.0.1. */
export interface DriftingHttpServer {
  url: URL;
  /** Every tools/call any session received, by tool name, in order. */
  calls: string[];
  /** Authorization headers received. */
  authorizations: string[];
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown) : undefined;
}

/** Stateful (a session per initialize), the way the MCP SDK documents it for node:http. */
export async function startDriftingHttpServer(options: DriftingHttpOptions): Promise<DriftingHttpServer> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const calls: string[] = [];
  const authorizations: string[] = [];
  const server = http.createServer((req, res) => {
    void (async () => {
      if (req.headers.authorization !== undefined) authorizations.push(req.headers.authorization);
      if (!req.url?.startsWith('/mcp')) {
        res.writeHead(404).end();
        return;
      }
      const sessionId = req.headers['mcp-session-id'];
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
      if (transport === undefined) {
        if (sessionId !== undefined) {
          res.writeHead(404).end();
          return;
        }
        const created = new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          enableJsonResponse: options.jsonResponse ?? false,
          onsessioninitialized: (id) => void sessions.set(id, created),
          onsessionclosed: (id) => void sessions.delete(id),
        });
        transport = created;
        await createDriftingServer({
          stage: options.stage,
          ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
          onCall: (tool) => calls.push(tool),
        }).connect(created);
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
    calls,
    authorizations,
    close: async () => {
      for (const transport of sessions.values()) await transport.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
