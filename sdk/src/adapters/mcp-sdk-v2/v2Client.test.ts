import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Client, InMemoryTransport } from '@modelcontextprotocol/client';
import { McpServer, Server } from '@modelcontextprotocol/server';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
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

// MCP SDK 2.x (`@modelcontextprotocol/client` and `/server`) through the same public entry points as
// 1.x: a real Client and McpServer over the SDK's in-memory transport pair.

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());

function createServer(): McpServer {
  const server = new McpServer({ name: 'weather-v2', version: '2.1.0' });
  server.registerTool('get_weather', { description: 'Weather' }, async () => ({
    content: [{ type: 'text', text: 'sunny' }],
  }));
  server.registerTool('explode', { description: 'Throws' }, async () => {
    throw new Error('tool exploded');
  });
  server.registerTool('slow', { description: 'Answers late' }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return { content: [{ type: 'text', text: 'late' }] };
  });
  return server;
}

async function connectedPair() {
  const server = instrumentServer(createServer());
  const client = instrumentClient(new Client({ name: 'agent-v2', version: '1.2.3' }));
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  await client.connect(clientTransport);
  telemetry.reset();
  return { client, server };
}

const attr = (span: ReadableSpan, key: string): unknown => span.attributes[key];

async function threeSpans(name: string) {
  await waitFor(() => telemetry.spans().filter((span) => span.name === name).length >= 2);
  const spans = telemetry.spans();
  return {
    spans,
    client: onlySpan(spans, name, SpanKind.CLIENT),
    server: onlySpan(spans, name, SpanKind.SERVER),
  };
}

describe('MCP SDK 2.x', () => {
  it('one tools/call is one CLIENT, one transport and one SERVER span in one trace', async () => {
    const { client, server } = await connectedPair();
    const result = await client.callTool({ name: 'get_weather', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'sunny' }]);
    const { spans, client: clientSpan, server: serverSpan } = await threeSpans('tools/call get_weather');
    const transportSpan = onlySpan(spans, 'in-memory tools/call');
    expect(spans.filter((span) => span.kind === SpanKind.CLIENT)).toHaveLength(1);
    const traceId = clientSpan.spanContext().traceId;
    expect(transportSpan.spanContext().traceId).toBe(traceId);
    expect(serverSpan.spanContext().traceId).toBe(traceId);
    expect(parentSpanId(transportSpan)).toBe(clientSpan.spanContext().spanId);
    expect(parentSpanId(serverSpan)).toBe(transportSpan.spanContext().spanId);
    for (const span of [clientSpan, serverSpan]) {
      expect(attr(span, 'mcp.method.name')).toBe('tools/call');
      expect(attr(span, 'gen_ai.tool.name')).toBe('get_weather');
      expect(attr(span, 'gen_ai.operation.name')).toBe('execute_tool');
      expect(attr(span, 'jsonrpc.request.id')).toBe(attr(transportSpan, 'jsonrpc.request.id'));
      expect(span.status.code).not.toBe(SpanStatusCode.ERROR);
    }
    expect(attr(clientSpan, 'mcpscope.layer')).toBe('client');
    expect(attr(transportSpan, 'mcpscope.layer')).toBe('transport');
    expect(attr(serverSpan, 'mcpscope.layer')).toBe('server');
    await client.close();
    await server.close();
  });

  it('a tool that throws is the tool’s fault, with ERROR status and the exception', async () => {
    const { client, server } = await connectedPair();
    const result = await client.callTool({ name: 'explode', arguments: {} });
    expect(result.isError).toBe(true);
    const { client: clientSpan, server: serverSpan } = await threeSpans('tools/call explode');
    for (const span of [clientSpan, serverSpan]) {
      expect(attr(span, 'mcpscope.fault')).toBe('tool');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
    }
    expect(serverSpan.events.some((event) => event.name === 'exception')).toBe(true);
    await client.close();
    await server.close();
  });

  it('an unknown tool is the caller’s fault, -32602', async () => {
    const { client, server } = await connectedPair();
    await expect(client.callTool({ name: 'nope', arguments: {} })).rejects.toThrow();
    const { client: clientSpan, server: serverSpan } = await threeSpans('tools/call nope');
    for (const span of [clientSpan, serverSpan]) {
      expect(attr(span, 'mcpscope.fault')).toBe('caller');
      expect(attr(span, 'error.type')).toBe('-32602');
      expect(attr(span, 'rpc.response.status_code')).toBe('-32602');
    }
    expect(clientSpan.status.code).toBe(SpanStatusCode.ERROR);
    expect(serverSpan.status.code).not.toBe(SpanStatusCode.ERROR);
    await client.close();
    await server.close();
  });

  it('a caller’s AbortSignal is a cancel by the caller', async () => {
    const { client, server } = await connectedPair();
    const controller = new AbortController();
    const call = client.callTool({ name: 'slow', arguments: {} }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(call).rejects.toThrow();
    await waitFor(() => telemetry.spans().some((span) => span.kind === SpanKind.CLIENT));
    const clientSpan = onlySpan(telemetry.spans(), 'tools/call slow', SpanKind.CLIENT);
    expect(attr(clientSpan, 'error.type')).toBe('cancelled');
    expect(attr(clientSpan, 'mcpscope.fault')).toBe('caller');
    await client.close();
    await server.close();
  });

  it('a caller’s { timeout } is a timeout of the server', async () => {
    const { client, server } = await connectedPair();
    await expect(client.callTool({ name: 'slow', arguments: {} }, { timeout: 20 })).rejects.toThrow();
    await waitFor(() => telemetry.spans().some((span) => span.kind === SpanKind.CLIENT));
    const clientSpan = onlySpan(telemetry.spans(), 'tools/call slow', SpanKind.CLIENT);
    expect(attr(clientSpan, 'error.type')).toBe('timeout');
    expect(attr(clientSpan, 'mcpscope.fault')).toBe('server');
    await client.close();
    await server.close();
  });

  it('a low-level Server whose handler throws is the server’s fault, -32603, with the exception', async () => {
    const server = new Server({ name: 'raw-v2', version: '0.1.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler('tools/list', () => ({ tools: [] }));
    server.setRequestHandler('tools/call', () => {
      throw new Error('handler exploded');
    });
    instrumentServer(server);
    const client = instrumentClient(new Client({ name: 'agent-v2', version: '1.2.3' }));
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    telemetry.reset();
    await expect(client.callTool({ name: 'crash', arguments: {} })).rejects.toThrow(/handler exploded/);
    const { client: clientSpan, server: serverSpan } = await threeSpans('tools/call crash');
    for (const span of [clientSpan, serverSpan]) {
      expect(attr(span, 'error.type')).toBe('-32603');
      expect(attr(span, 'mcpscope.fault')).toBe('server');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
    }
    expect(serverSpan.events.some((event) => event.name === 'exception')).toBe(true);
    await client.close();
    await server.close();
  });
});
