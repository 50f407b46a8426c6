import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

// Serves a web-standard fetch handler (`(Request) => Promise<Response>`, what MCP SDK 2.x's
// `createMcpHandler` returns) on a real node:http socket, so a proxy in front of it talks real HTTP.
// Bodies stream both ways: an SSE response reaches the client event by event.

/** A running server; `url` is its MCP endpoint. */
export interface WebHandlerServer {
  url: URL;
  close(): Promise<void>;
}

export async function serveWebHandler(
  handle: (request: Request) => Promise<Response>,
  path = '/mcp',
): Promise<WebHandlerServer> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers.set(name, value);
        else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      }
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      const response = await handle(
        new Request(new URL(req.url ?? '/', 'http://localhost'), {
          method: req.method ?? 'GET',
          headers,
          ...(body !== undefined && req.method !== 'GET' && req.method !== 'HEAD' ? { body } : {}),
        }),
      );
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      if (response.body === null) res.end();
      else Readable.fromWeb(response.body as import('node:stream/web').ReadableStream).pipe(res);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: new URL(`http://127.0.0.1:${port}${path}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
