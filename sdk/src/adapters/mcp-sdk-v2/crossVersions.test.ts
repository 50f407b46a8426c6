import { SpanKind } from '@opentelemetry/api';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/server';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instrumentClient } from '../../instrumentClient.js';
import { instrumentServer } from '../../instrumentServer.js';
import {
  onlySpan,
  parentSpanId,
  setupTestTelemetry,
  waitFor,
  type TestTelemetry,
} from '../../testing/otel.js';

// Both SDK majors in one process, each instrumented through the same public functions: a 1.x Client
// calling a 2.x McpServer.

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());

describe('MCP SDK 1.x client, 2.x server', () => {
  it('one tools/call is one trace with the three spans', async () => {
    const server = new McpServer({ name: 'weather-v2', version: '2.1.0' });
    server.registerTool('get_weather', { description: 'Weather' }, async () => ({
      content: [{ type: 'text', text: 'sunny' }],
    }));
    instrumentServer(server);
    const client = instrumentClient(new V1Client({ name: 'agent-v1', version: '1.0.0' }));
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    telemetry.reset();

    await client.callTool({ name: 'get_weather', arguments: {} });
    const name = 'tools/call get_weather';
    await waitFor(() => telemetry.spans().filter((span) => span.name === name).length >= 2);
    const spans = telemetry.spans();
    const clientSpan = onlySpan(spans, name, SpanKind.CLIENT);
    const transportSpan = onlySpan(spans, 'in-memory tools/call');
    const serverSpan = onlySpan(spans, name, SpanKind.SERVER);
    expect(parentSpanId(serverSpan)).toBe(transportSpan.spanContext().spanId);
    expect(serverSpan.spanContext().traceId).toBe(clientSpan.spanContext().traceId);
    expect(serverSpan.attributes['mcpscope.client.name']).toBe('agent-v1');
    expect(clientSpan.attributes['mcpscope.server.name']).toBe('weather-v2');
    await client.close();
    await server.close();
  });
});
