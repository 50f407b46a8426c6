import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentClient } from '../instrumentClient.js';
import { instrumentServer } from '../instrumentServer.js';
import { parentSpanId, setupTestTelemetry, waitFor, type TestTelemetry } from '../testing/otel.js';
import { serveWebHandler, type WebHandlerServer } from '../testing/webHandlerServer.js';
import { startHttpProxy, type HttpProxyHandle } from './httpProxy.js';

// One HTTP proxy in front of a real sessionless MCP SDK 2.x server (`createMcpHandler` on a real socket,
// serving both protocol eras), and real 2.x clients of both eras taking turns through it. A sessionless
// server gives the proxy no session to keep identity in: every request must carry its own client's
// name and protocol version, never the previous client's (issue #10).

let telemetry: TestTelemetry;
let upstream: WebHandlerServer;
let proxy: HttpProxyHandle;
let instrumentedUpstream = false;

beforeAll(async () => {
  telemetry = setupTestTelemetry();
  const handler = createMcpHandler(() => {
    const server = new McpServer({ name: 'weather-http', version: '3.1.0' });
    server.registerTool('get_weather', { description: 'Weather' }, async () => ({
      content: [{ type: 'text', text: 'sunny' }],
    }));
    return instrumentedUpstream ? instrumentServer(server) : server;
  });
  upstream = await serveWebHandler((request) => handler.fetch(request));
  proxy = await startHttpProxy({
    upstream: upstream.url,
    tracer: telemetry.provider.getTracer('proxy'),
    port: 0,
  });
});

afterAll(async () => {
  await proxy?.close();
  await upstream?.close();
});

type Era = 'legacy' | 'modern';

async function connect(name: string, era: Era, instrumented = false): Promise<Client> {
  const client = new Client(
    { name, version: era === 'modern' ? '2.0.0' : '1.0.0' },
    era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : undefined,
  );
  await (instrumented ? instrumentClient(client) : client).connect(
    new StreamableHTTPClientTransport(proxy.url),
  );
  expect(client.getProtocolEra()).toBe(era);
  return client;
}

const proxySpans = (): ReadableSpan[] =>
  telemetry.spans().filter((span) => span.attributes['mcpscope.source'] === 'proxy');

/** The proxy's span of the next `tools/call get_weather` the client makes. */
async function callThroughProxy(client: Client): Promise<ReadableSpan> {
  const before = new Set(proxySpans());
  await client.callTool({ name: 'get_weather', arguments: {} });
  let found: ReadableSpan | undefined;
  await waitFor(() => {
    found = proxySpans().find((span) => !before.has(span) && span.name === 'tools/call get_weather');
    return found !== undefined;
  });
  return found!;
}

describe('HTTP proxy in front of a sessionless server, clients of both eras in turn', () => {
  it('keeps each request to its own client and protocol version', async () => {
    const legacy = await connect('agent-legacy', 'legacy');
    const modern = await connect('agent-modern', 'modern');

    const first = await callThroughProxy(legacy);
    const second = await callThroughProxy(modern);
    const third = await callThroughProxy(legacy);

    // The 2026-07-28 era names its client in every request's _meta, and mirrors the method and the
    // tool into the Mcp-Method and Mcp-Name headers.
    expect(second.attributes).toMatchObject({
      'mcpscope.client.name': 'agent-modern',
      'mcpscope.client.version': '2.0.0',
      'mcp.protocol.version': '2026-07-28',
      'mcpscope.server.name': 'weather-http',
      'http.request.header.mcp-method': ['tools/call'],
      'http.request.header.mcp-name': ['get_weather'],
    });
    // A 2025-era request to a sessionless server says only its protocol version (the header): its
    // client's name was in an initialize the proxy cannot tie it to, and is never borrowed from the
    // client that came before.
    for (const span of [first, third]) {
      expect(span.attributes['mcp.protocol.version']).toBe('2025-11-25');
      expect(span.attributes['mcpscope.client.name']).toBeUndefined();
      expect(span.attributes['mcpscope.server.name']).toBe('weather-http');
      expect(span.attributes['http.request.header.mcp-method']).toBeUndefined();
    }
    // The legacy client's own handshake names it.
    const initialize = proxySpans().find(
      (span) => span.name === 'initialize' && span.attributes['mcpscope.client.name'] === 'agent-legacy',
    );
    expect(initialize?.attributes['mcpscope.server.name']).toBe('weather-http');
    expect(
      proxySpans().filter((span) => span.attributes['mcpscope.client.name'] === 'agent-modern'),
    ).not.toHaveLength(0);
    expect(
      proxySpans().filter(
        (span) =>
          span.attributes['mcpscope.client.name'] === 'agent-modern' &&
          span.attributes['mcp.protocol.version'] !== '2026-07-28',
      ),
    ).toEqual([]);

    await legacy.close();
    await modern.close();
  });

  it('joins a modern v2 client, the proxy and a v2 server into one trace', async () => {
    instrumentedUpstream = true;
    try {
      const client = await connect('agent-traced', 'modern', true);
      telemetry.reset();
      await client.callTool({ name: 'get_weather', arguments: {} });
      const name = 'tools/call get_weather';
      await waitFor(() => telemetry.spans().filter((span) => span.name === name).length >= 3);
      const spans = telemetry.spans().filter((span) => span.name === name);
      const clientSpan = spans.find(
        (span) => span.kind === SpanKind.CLIENT && span.attributes['mcpscope.source'] !== 'proxy',
      )!;
      const proxySpan = spans.find((span) => span.attributes['mcpscope.source'] === 'proxy')!;
      const serverSpan = spans.find(
        (span) => span.kind === SpanKind.SERVER && span.attributes['mcpscope.source'] !== 'proxy',
      )!;
      const traceId = clientSpan.spanContext().traceId;
      expect(proxySpan.spanContext().traceId).toBe(traceId);
      expect(serverSpan.spanContext().traceId).toBe(traceId);
      // client → (its transport span) → proxy → server
      expect(parentSpanId(serverSpan)).toBe(proxySpan.spanContext().spanId);
      for (const span of [clientSpan, proxySpan, serverSpan]) {
        expect(span.attributes['mcpscope.client.name']).toBe('agent-traced');
        expect(span.attributes['mcp.protocol.version']).toBe('2026-07-28');
        expect(span.attributes['mcpscope.server.name']).toBe('weather-http');
      }
      await client.close();
    } finally {
      instrumentedUpstream = false;
    }
  });
});
