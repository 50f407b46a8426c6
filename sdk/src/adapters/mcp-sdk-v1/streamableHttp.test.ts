import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instrumentClient } from '../../instrumentClient.js';
import { instrumentServer } from '../../instrumentServer.js';
import { createDemoClient } from '../../testing/demoClient.js';
import { createDemoServer } from '../../testing/demoServer.js';
import { onlySpan, setupTestTelemetry, waitFor, type TestTelemetry } from '../../testing/otel.js';

let telemetry: TestTelemetry;
let http: HttpServer;
let base: string;
const sessions = new Map<string, StreamableHTTPServerTransport>();

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

/** Stands in for HTTP auto-instrumentation: the request is handled inside an HTTP SERVER span. */
function withHttpSpan(req: IncomingMessage, handle: () => Promise<void>): Promise<void> {
  const span = trace.getTracer('http-auto').startSpan(`${req.method} ${req.url}`, { kind: SpanKind.SERVER });
  return context.with(trace.setSpan(context.active(), span), handle).finally(() => span.end());
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = req.method === 'POST' ? await readBody(req) : undefined;
  if (req.url === '/unavailable') {
    res.writeHead(503).end('down for maintenance');
    return;
  }
  if (req.url === '/broken') {
    res.writeHead(500).end('unhandled exception in the MCP endpoint');
    return;
  }
  if (req.url === '/stateless') {
    const server = instrumentServer(createDemoServer({ name: 'weather-stateless' }));
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on('close', () => void transport.close().then(() => server.close()));
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
    return;
  }
  const sessionId = req.headers['mcp-session-id'];
  let transport = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
  if (!transport) {
    if (sessionId !== undefined) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(
          JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: 'Session not found' }, id: null }),
        );
      return;
    }
    const created = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void sessions.set(id, created),
    });
    transport = created;
    await instrumentServer(createDemoServer({ name: 'weather-http' })).connect(created);
  }
  await transport.handleRequest(req, res, body);
}

beforeAll(async () => {
  telemetry = setupTestTelemetry();
  http = createServer((req, res) => {
    void withHttpSpan(req, () => route(req, res)).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const transport of sessions.values()) await transport.close();
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
});
afterEach(() => telemetry.reset());

describe('Streamable HTTP', () => {
  it('stateful: status, session id, address, parentage through _meta and a link to the HTTP span', async () => {
    const client = instrumentClient(createDemoClient());
    const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`));
    await client.connect(transport);
    telemetry.reset();
    await client.callTool({ name: 'get_weather', arguments: { city: 'Lyon' } });
    await waitFor(
      () => telemetry.spans().filter((span) => span.name === 'tools/call get_weather').length === 2,
    );
    const spans = telemetry.spans();
    const clientSpan = onlySpan(spans, 'tools/call get_weather', SpanKind.CLIENT);
    const wire = onlySpan(spans, 'streamable-http tools/call');
    const serverSpan = onlySpan(spans, 'tools/call get_weather', SpanKind.SERVER);
    expect(wire.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId);
    expect(serverSpan.parentSpanContext?.spanId).toBe(wire.spanContext().spanId);
    expect(wire.attributes['http.response.status_code']).toBe(200);
    expect(wire.attributes['network.transport']).toBe('tcp');
    expect(clientSpan.attributes['server.address']).toBe('127.0.0.1');
    expect(clientSpan.attributes['server.port']).toBe(Number(new URL(base).port));
    expect(clientSpan.attributes['mcp.session.id']).toBe(transport.sessionId);
    expect(serverSpan.attributes['mcp.session.id']).toBe(transport.sessionId);
    // The server side names itself as the client addressed it (so both sides name one server alike)
    // and its peer: the client's socket address and (ephemeral) port.
    expect(serverSpan.attributes['server.address']).toBe(clientSpan.attributes['server.address']);
    expect(serverSpan.attributes['server.port']).toBe(clientSpan.attributes['server.port']);
    expect(serverSpan.attributes['client.address']).toBe('127.0.0.1');
    const clientPort = serverSpan.attributes['client.port'];
    expect(
      typeof clientPort === 'number' && clientPort > 0 && clientPort !== Number(new URL(base).port),
    ).toBe(true);
    const httpSpan = spans.find(
      (span) =>
        span.name === 'POST /mcp' &&
        span.links.length === 0 &&
        span.spanContext().spanId === serverSpan.links[0]?.context.spanId,
    );
    expect(httpSpan).toBeDefined();
    await client.close();
  });

  it('stateless: a new server per request still joins the caller’s trace', async () => {
    const client = instrumentClient(createDemoClient());
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/stateless`)));
    telemetry.reset();
    await client.callTool({ name: 'failing_tool' });
    await client.getPrompt({ name: 'forecast', arguments: { city: 'Nice' } });
    await waitFor(
      () =>
        telemetry
          .spans()
          .filter(
            (span) =>
              span.kind === SpanKind.SERVER && span.name.includes(' ') && !span.name.startsWith('POST'),
          ).length === 2,
    );
    const spans = telemetry.spans();
    for (const name of ['tools/call failing_tool', 'prompts/get forecast']) {
      const clientSpan = onlySpan(spans, name, SpanKind.CLIENT);
      const serverSpan = onlySpan(spans, name, SpanKind.SERVER);
      expect(serverSpan.spanContext().traceId).toBe(clientSpan.spanContext().traceId);
      expect(serverSpan.attributes['mcpscope.server.name']).toBe('weather-stateless');
      expect(typeof serverSpan.attributes['mcp.protocol.version']).toBe('string');
    }
    expect(onlySpan(spans, 'tools/call failing_tool', SpanKind.SERVER).attributes['error.type']).toBe(
      'tool_error',
    );
    await client.close();
  });

  it('falls back to the HTTP traceparent header when _meta has none', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parentId = '00f067aa0ba902b7';
    const client = new Client({ name: 'uninstrumented', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/stateless`), {
        requestInit: { headers: { traceparent: `00-${traceId}-${parentId}-01` } },
      }),
    );
    telemetry.reset();
    await client.ping();
    await waitFor(() => telemetry.spans().some((span) => span.name === 'ping'));
    const serverSpan = onlySpan(telemetry.spans(), 'ping', SpanKind.SERVER);
    expect(serverSpan.spanContext().traceId).toBe(traceId);
    expect(serverSpan.parentSpanContext?.spanId).toBe(parentId);
    await client.close();
  });

  it('names the client behind a forwarding proxy, without the proxy’s port', async () => {
    const client = instrumentClient(new Client({ name: 'behind-proxy', version: '1.0.0' }));
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/stateless`), {
        requestInit: { headers: { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' } },
      }),
    );
    telemetry.reset();
    await client.ping();
    await waitFor(() =>
      telemetry.spans().some((span) => span.name === 'ping' && span.kind === SpanKind.SERVER),
    );
    const serverSpan = onlySpan(telemetry.spans(), 'ping', SpanKind.SERVER);
    expect(serverSpan.attributes['client.address']).toBe('203.0.113.7');
    expect(serverSpan.attributes['client.port']).toBeUndefined();
    await client.close();
  });

  it('attributes gateway statuses and an unknown session to the transport, a 500 to the server', async () => {
    const gone = instrumentClient(new Client({ name: 'agent', version: '1.0.0' }));
    await gone.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { sessionId: 'expired-session' }),
    );
    await expect(gone.ping()).rejects.toThrow(/Session not found/);
    await waitFor(() => telemetry.spans().some((span) => span.name === 'streamable-http ping'));
    const notFound = onlySpan(telemetry.spans(), 'streamable-http ping');
    expect(notFound.attributes['error.type']).toBe('session_not_found');
    expect(notFound.attributes['mcpscope.fault']).toBe('transport');
    expect(notFound.attributes['http.response.status_code']).toBe(404);
    expect(notFound.status.code).toBe(SpanStatusCode.ERROR);
    await gone.close();
    telemetry.reset();

    const down = instrumentClient(new Client({ name: 'agent', version: '1.0.0' }));
    await expect(
      down.connect(new StreamableHTTPClientTransport(new URL(`${base}/unavailable`))),
    ).rejects.toThrow(/down for maintenance/);
    await waitFor(() => telemetry.spans().some((span) => span.name === 'initialize'));
    const unavailable = onlySpan(telemetry.spans(), 'streamable-http initialize');
    expect(unavailable.attributes['error.type']).toBe('http_503');
    expect(unavailable.attributes['mcpscope.fault']).toBe('transport');
    expect(onlySpan(telemetry.spans(), 'initialize', SpanKind.CLIENT).attributes['error.type']).toBe(
      'http_503',
    );
    telemetry.reset();

    // The endpoint itself failed: the server's fault, on the transport span that saw the status and
    // on the client span.
    const broken = instrumentClient(new Client({ name: 'agent', version: '1.0.0' }));
    await expect(
      broken.connect(new StreamableHTTPClientTransport(new URL(`${base}/broken`))),
    ).rejects.toThrow(/unhandled exception/);
    await waitFor(() => telemetry.spans().some((span) => span.name === 'initialize'));
    const serverError = onlySpan(telemetry.spans(), 'streamable-http initialize');
    expect(serverError.attributes).toMatchObject({
      'error.type': 'http_500',
      'mcpscope.fault': 'server',
      'http.response.status_code': 500,
    });
    expect(serverError.status.code).toBe(SpanStatusCode.ERROR);
    const initialize = onlySpan(telemetry.spans(), 'initialize', SpanKind.CLIENT);
    expect(initialize.attributes).toMatchObject({ 'error.type': 'http_500', 'mcpscope.fault': 'server' });
  });
});
