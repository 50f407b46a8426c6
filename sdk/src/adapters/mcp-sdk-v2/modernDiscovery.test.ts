import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InMemoryTransport as V1InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer as V1McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instrumentServer } from '../../instrumentServer.js';
import {
  onlySpan,
  parentSpanId,
  setupTestTelemetry,
  waitFor,
  type TestTelemetry,
} from '../../testing/otel.js';
import { connectHttp, connectInMemory, modernClient } from '../../testing/v2Modern.js';
import { TOOLS_LIST_CACHE_HINT } from '../../testing/v2ModernServer.js';

// 2026-07-28 era with real MCP SDK 2.x clients and servers: `server/discover` gets its spans and names
// the server for every later span, cacheable results carry their cache hints, and the Streamable HTTP
// routing headers (`Mcp-Method`, `Mcp-Name`) are recorded where they travel. (Over stdio:
// modernStdio.test.ts.)

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());

const attr = (span: ReadableSpan, key: string): unknown => span.attributes[key];
const spansNamed = (name: string, kind?: SpanKind): ReadableSpan[] =>
  telemetry.spans().filter((span) => span.name === name && (kind === undefined || span.kind === kind));

/** The CLIENT, transport and SERVER span of one exchange, checked to be one chain in one trace. */
function chain(name: string, transportName: string): Record<'client' | 'transport' | 'server', ReadableSpan> {
  const spans = telemetry.spans();
  const client = onlySpan(spans, name, SpanKind.CLIENT);
  const transport = onlySpan(spans, transportName);
  const server = onlySpan(spans, name, SpanKind.SERVER);
  expect(parentSpanId(transport)).toBe(client.spanContext().spanId);
  expect(parentSpanId(server)).toBe(transport.spanContext().spanId);
  expect(server.spanContext().traceId).toBe(client.spanContext().traceId);
  return { client, transport, server };
}

describe('server/discover', () => {
  it('the connect-time probe is a CLIENT span whose result names the server, for it and later spans', async () => {
    const pair = await connectInMemory(modernClient());
    expect(pair.client.getProtocolEra()).toBe('modern');
    await waitFor(() => spansNamed('server/discover').length === 2);
    const discover = chain('server/discover', 'in-memory server/discover');
    for (const span of [discover.client, discover.server]) {
      expect(attr(span, 'mcp.method.name')).toBe('server/discover');
      expect(attr(span, 'mcp.protocol.version')).toBe('2026-07-28');
      expect(attr(span, 'mcpscope.client.name')).toBe('agent-v2');
      expect(attr(span, 'mcpscope.server.name')).toBe('files-v2');
      expect(attr(span, 'mcpscope.server.version')).toBe('2.3.0');
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
    // The probe's id is a string of the SDK's own; the server's answer carries the default cache hints.
    expect(attr(discover.client, 'jsonrpc.request.id')).toBe('server-discover-probe-1');
    expect(attr(discover.client, 'mcpscope.list.ttl_ms')).toBe(0);
    expect(attr(discover.client, 'mcpscope.list.cache_scope')).toBe('private');

    telemetry.reset();
    await pair.client.listTools();
    await waitFor(() => spansNamed('tools/list').length === 2);
    const list = chain('tools/list', 'in-memory tools/list');
    for (const span of [list.client, list.transport, list.server])
      expect(attr(span, 'mcpscope.server.name')).toBe('files-v2');
    for (const span of [list.client, list.server]) {
      expect(attr(span, 'mcpscope.list.ttl_ms')).toBe(TOOLS_LIST_CACHE_HINT.ttlMs);
      expect(attr(span, 'mcpscope.list.cache_scope')).toBe(TOOLS_LIST_CACHE_HINT.cacheScope);
    }
    await pair.close();
  });

  it('Client.discover() is a CLIENT span that its response ends', async () => {
    const pair = await connectInMemory(modernClient());
    telemetry.reset();
    const result = await pair.client.discover();
    expect(result.supportedVersions).toContain('2026-07-28');
    await waitFor(() => spansNamed('server/discover').length === 2);
    const discover = chain('server/discover', 'in-memory server/discover');
    expect(attr(discover.client, 'jsonrpc.request.id')).toBe(attr(discover.server, 'jsonrpc.request.id'));
    expect(attr(discover.client, 'mcpscope.server.name')).toBe('files-v2');
    await pair.close();
  });
});

describe('server/discover to a 2025 server', () => {
  it('a 1.x server refuses the probe: recorded as the caller’s, not an error, then initialize', async () => {
    const server = new V1McpServer({ name: 'weather-v1', version: '1.9.0' });
    server.registerTool('get_weather', { description: 'Weather' }, async () => ({
      content: [{ type: 'text', text: 'sunny' }],
    }));
    instrumentServer(server);
    const client = modernClient();
    const [clientTransport, serverTransport] = V1InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    expect(client.getProtocolEra()).toBe('legacy');
    await waitFor(() => spansNamed('initialize').length === 2);
    const probe = chain('server/discover', 'in-memory server/discover');
    for (const span of [probe.client, probe.server]) {
      expect(attr(span, 'error.type')).toBe('-32601');
      expect(attr(span, 'mcpscope.fault')).toBe('caller');
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
    expect(attr(probe.client, 'rpc.response.status_code')).toBe('-32601');
    // The version the probe offered is not the session's: initialize names the one agreed.
    const initialize = onlySpan(telemetry.spans(), 'initialize', SpanKind.CLIENT);
    expect(attr(initialize, 'mcp.protocol.version')).toBe('2025-11-25');

    telemetry.reset();
    await client.callTool({ name: 'get_weather', arguments: {} });
    await waitFor(() => spansNamed('tools/call get_weather').length === 2);
    const call = chain('tools/call get_weather', 'in-memory tools/call');
    for (const span of [call.client, call.server]) {
      expect(attr(span, 'mcp.protocol.version')).toBe('2025-11-25');
      expect(attr(span, 'mcpscope.server.name')).toBe('weather-v1');
      expect(attr(span, 'mcpscope.client.name')).toBe('agent-v2');
    }
    await client.close();
    await server.close();
  });
});

describe('Streamable HTTP routing headers', () => {
  it('modern era: Mcp-Method and Mcp-Name on the client transport span and the SERVER span', async () => {
    const pair = await connectHttp(modernClient());
    await waitFor(() => spansNamed('server/discover').length === 2);
    const discover = chain('server/discover', 'streamable-http server/discover');
    expect(attr(discover.transport, 'http.response.status_code')).toBe(200);
    for (const span of [discover.transport, discover.server]) {
      expect(attr(span, 'http.request.header.mcp-method')).toEqual(['server/discover']);
      expect(attr(span, 'http.request.header.mcp-name')).toBeUndefined();
    }
    expect(attr(discover.client, 'mcpscope.server.name')).toBe('files-v2-http');

    telemetry.reset();
    await pair.client.callTool({ name: 'get_weather', arguments: {} });
    await waitFor(() => spansNamed('tools/call get_weather').length === 2);
    const call = chain('tools/call get_weather', 'streamable-http tools/call');
    for (const span of [call.transport, call.server]) {
      expect(attr(span, 'http.request.header.mcp-method')).toEqual(['tools/call']);
      expect(attr(span, 'http.request.header.mcp-name')).toEqual(['get_weather']);
    }
    // The server learns the client and the protocol version from the request's own `_meta`.
    expect(attr(call.server, 'mcpscope.client.name')).toBe('agent-v2');
    expect(attr(call.server, 'mcp.protocol.version')).toBe('2026-07-28');
    await pair.close();
  });

  it('2025 era: no routing headers', async () => {
    const pair = await connectHttp(modernClient('accept', 'legacy'));
    expect(pair.client.getProtocolEra()).toBe('legacy');
    telemetry.reset();
    await pair.client.callTool({ name: 'get_weather', arguments: {} });
    await waitFor(() => spansNamed('tools/call get_weather').length === 2);
    const call = chain('tools/call get_weather', 'streamable-http tools/call');
    for (const span of [call.transport, call.server]) {
      expect(attr(span, 'http.request.header.mcp-method')).toBeUndefined();
      expect(attr(span, 'http.request.header.mcp-name')).toBeUndefined();
    }
    await pair.close();
  });
});
