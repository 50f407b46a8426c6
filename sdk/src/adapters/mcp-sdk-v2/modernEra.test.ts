import { SpanKind } from '@opentelemetry/api';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instrumentClient } from '../../instrumentClient.js';
import { instrumentServer } from '../../instrumentServer.js';
import { onlySpan, setupTestTelemetry, waitFor, type TestTelemetry } from '../../testing/otel.js';

// The 2026-07-28 era (no initialize): a real 2.x Client negotiating the modern era with `server/discover`
// and a real McpServer served by `serveStdio` (which decides the era per connection) over the SDK's
// in-memory transport. Identity comes only from each message's `_meta`.

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());

describe('MCP SDK 2.x, 2026-07-28 era', () => {
  it('spans carry the protocol version and both implementations from _meta', async () => {
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const handle = serveStdio(
      () => {
        const server = new McpServer({ name: 'weather-v2', version: '2.1.0' });
        server.registerTool('get_weather', { description: 'Weather' }, async () => ({
          content: [{ type: 'text', text: 'sunny' }],
        }));
        return instrumentServer(server);
      },
      { transport: serverTransport },
    );
    const client = instrumentClient(
      new Client({ name: 'agent-v2', version: '1.2.3' }, { versionNegotiation: { mode: 'auto' } }),
    );
    await client.connect(clientTransport);
    expect(client.getProtocolEra()).toBe('modern');
    telemetry.reset();

    await client.callTool({ name: 'get_weather', arguments: {} });
    const name = 'tools/call get_weather';
    await waitFor(() => telemetry.spans().filter((span) => span.name === name).length >= 2);
    const spans = telemetry.spans();
    const clientSpan = onlySpan(spans, name, SpanKind.CLIENT);
    const serverSpan = onlySpan(spans, name, SpanKind.SERVER);
    expect(serverSpan.spanContext().traceId).toBe(clientSpan.spanContext().traceId);
    for (const span of [clientSpan, serverSpan]) {
      expect(span.attributes['mcp.protocol.version']).toBe('2026-07-28');
      expect(span.attributes['mcpscope.client.name']).toBe('agent-v2');
      expect(span.attributes['mcpscope.client.version']).toBe('1.2.3');
      expect(span.attributes['mcpscope.server.name']).toBe('weather-v2');
      expect(span.attributes['mcpscope.server.version']).toBe('2.1.0');
    }
    await client.close();
    await handle.close();
  });
});
