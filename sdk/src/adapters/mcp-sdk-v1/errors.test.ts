import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { instrumentClient } from '../../instrumentClient.js';
import { instrumentServer } from '../../instrumentServer.js';
import { createDemoClient } from '../../testing/demoClient.js';
import { createDemoServer } from '../../testing/demoServer.js';
import { onlySpan, setupTestTelemetry, waitFor, type TestTelemetry } from '../../testing/otel.js';
import { connectInMemory } from '../../testing/connectInMemory.js';

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());

async function connectedPair() {
  const server = instrumentServer(createDemoServer());
  const client = instrumentClient(createDemoClient());
  await connectInMemory(server, client);
  telemetry.reset();
  return { client, server };
}

/** A low-level Server whose tool breaks its own output schema, and which has no prompts handler. */
async function lowLevelPair() {
  const server = new Server({ name: 'raw', version: '0.1.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [
      {
        name: 'typed',
        inputSchema: { type: 'object' as const },
        outputSchema: { type: 'object' as const, properties: { n: { type: 'number' } }, required: ['n'] },
      },
      { name: 'crash', inputSchema: { type: 'object' as const } },
    ],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    if (request.params.name === 'crash') throw new Error('handler exploded');
    return { content: [], structuredContent: { n: 'not a number' } };
  });
  instrumentServer(server);
  const client = instrumentClient(new Client({ name: 'agent', version: '1.0.0' }));
  await connectInMemory(server, client);
  await client.listTools();
  telemetry.reset();
  return { client, server };
}

const attr = (span: ReadableSpan, key: string): unknown => span.attributes[key];
const pairOf = async (name: string) => {
  await waitFor(() => telemetry.spans().filter((span) => span.name === name).length >= 2);
  const spans = telemetry.spans();
  return {
    spans,
    client: onlySpan(spans, name, SpanKind.CLIENT),
    server: onlySpan(spans, name, SpanKind.SERVER),
  };
};

describe('error attribution', () => {
  it('isError results are tool errors on both sides', async () => {
    const { client, server } = await connectedPair();
    const result = await client.callTool({ name: 'failing_tool' });
    expect(result.isError).toBe(true);
    const spans = await pairOf('tools/call failing_tool');
    for (const span of [spans.client, spans.server]) {
      expect(attr(span, 'error.type')).toBe('tool_error');
      expect(attr(span, 'mcpscope.fault')).toBe('tool');
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'upstream API said no' });
    }
    expect(attr(onlySpan(spans.spans, 'in-memory tools/call'), 'error.type')).toBeUndefined();
    await client.close();
    await server.close();
  });

  it('without McpscopeSpanProcessor a failed downstream call leaves the fault with the tool', async () => {
    const server = new McpServer({ name: 'shop', version: '1.0.0' });
    server.registerTool('charge', { description: 'Fails after a failed HTTP call' }, async () => {
      trace.getTracer('x').startActiveSpan('GET downstream', { kind: SpanKind.CLIENT }, (span) => {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      return { isError: true, content: [{ type: 'text', text: 'payment provider said no' }] };
    });
    instrumentServer(server);
    const client = instrumentClient(new Client({ name: 'agent', version: '1.0.0' }));
    await connectInMemory(server, client);
    telemetry.reset();
    await client.callTool({ name: 'charge' });
    const spans = await pairOf('tools/call charge');
    expect(attr(spans.server, 'mcpscope.fault')).toBe('tool');
    expect(attr(spans.server, 'mcpscope.downstream.span_id')).toBeUndefined();
    await client.close();
    await server.close();
  });

  it('records the exception of a throwing tool with its stack on the server span', async () => {
    const { client, server } = await connectedPair();
    await client.callTool({ name: 'throwing_tool' });
    const spans = await pairOf('tools/call throwing_tool');
    expect(attr(spans.server, 'mcpscope.fault')).toBe('tool');
    const exception = spans.server.events.find((event) => event.name === 'exception');
    expect(exception?.attributes?.['exception.message']).toBe('database connection refused');
    expect(String(exception?.attributes?.['exception.stacktrace'])).toContain('demoServer');
    await client.close();
    await server.close();
  });

  it('McpServer’s isError-wrapped protocol errors are the caller’s fault on both sides', async () => {
    const { client, server } = await connectedPair();
    // McpServer answers both with an isError result `MCP error -32602: …`, not a JSON-RPC error.
    const unknown = await client.callTool({ name: 'no_such_tool' });
    expect(unknown.isError).toBe(true);
    const invalid = await client.callTool({ name: 'get_weather', arguments: { city: 42 } });
    expect(invalid.isError).toBe(true);
    for (const name of ['tools/call no_such_tool', 'tools/call get_weather']) {
      const spans = await pairOf(name);
      for (const span of [spans.client, spans.server]) {
        expect(attr(span, 'error.type'), name).toBe('-32602');
        expect(attr(span, 'mcpscope.fault'), name).toBe('caller');
        // A result, not a JSON-RPC error: no rpc.response.status_code.
        expect(attr(span, 'rpc.response.status_code'), name).toBeUndefined();
      }
      // Refusing a bad call is correct behaviour for the server; the client's call did fail.
      expect(spans.server.status.code).toBe(SpanStatusCode.UNSET);
      expect(spans.client.status.code).toBe(SpanStatusCode.ERROR);
      expect(spans.client.status.message).toMatch(/^MCP error -32602: /);
    }
    await client.close();
    await server.close();
  });

  it('JSON-RPC errors: caller-fault codes leave the server span OK, handler crashes are server faults', async () => {
    const { client, server } = await lowLevelPair();
    await expect(client.listPrompts()).rejects.toThrow(/Method not found/);
    const notFound = await pairOf('prompts/list');
    expect(attr(notFound.server, 'error.type')).toBe('-32601');
    expect(attr(notFound.server, 'rpc.response.status_code')).toBe('-32601');
    expect(attr(notFound.server, 'mcpscope.fault')).toBe('caller');
    expect(notFound.server.status.code).toBe(SpanStatusCode.UNSET);
    expect(attr(notFound.client, 'error.type')).toBe('-32601');
    expect(notFound.client.status.code).toBe(SpanStatusCode.ERROR);
    telemetry.reset();

    await expect(client.callTool({ name: 'crash' })).rejects.toThrow(/handler exploded/);
    const crash = await pairOf('tools/call crash');
    expect(attr(crash.server, 'error.type')).toBe('-32603');
    expect(attr(crash.server, 'mcpscope.fault')).toBe('server');
    expect(crash.server.status.code).toBe(SpanStatusCode.ERROR);
    expect(
      crash.server.events.find((event) => event.name === 'exception')?.attributes?.['exception.message'],
    ).toBe('handler exploded');
    expect(attr(crash.client, 'mcpscope.fault')).toBe('server');
    await client.close();
    await server.close();
  });

  it('an output-schema violation the client refuses is the tool’s fault', async () => {
    const { client, server } = await lowLevelPair();
    await expect(client.callTool({ name: 'typed' })).rejects.toThrow(/output schema/);
    const spans = await pairOf('tools/call typed');
    expect(attr(spans.client, 'error.type')).toBe('output_validation');
    expect(attr(spans.client, 'mcpscope.fault')).toBe('tool');
    expect(spans.client.status.code).toBe(SpanStatusCode.ERROR);
    const wire = onlySpan(spans.spans, 'in-memory tools/call');
    expect(wire.status.code).toBe(SpanStatusCode.UNSET);
    expect(attr(wire, 'error.type')).toBeUndefined();
    expect(spans.server.status.code).toBe(SpanStatusCode.UNSET);
    await client.close();
    await server.close();
  });

  it('an output-schema violation McpServer itself catches is the tool’s fault on both sides', async () => {
    const server = new McpServer({ name: 'typed', version: '1.0.0' });
    server.registerTool(
      'typed',
      { description: 'Breaks its own output schema', outputSchema: { n: z.number() } },
      async () => ({ content: [], structuredContent: { n: 'not a number' } }),
    );
    instrumentServer(server);
    const client = instrumentClient(new Client({ name: 'agent', version: '1.0.0' }));
    await connectInMemory(server, client);
    telemetry.reset();
    // McpServer checks the output before sending and answers `MCP error -32602: Output validation
    // error: …` as an isError result; the client library does not check isError results.
    expect((await client.callTool({ name: 'typed' })).isError).toBe(true);
    const spans = await pairOf('tools/call typed');
    for (const span of [spans.client, spans.server]) {
      expect(attr(span, 'error.type')).toBe('output_validation');
      expect(attr(span, 'mcpscope.fault')).toBe('tool');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
    }
    await client.close();
    await server.close();
  });

  it('tells a timeout from a user cancel on both sides, and ends the cancelled server span', async () => {
    const { client, server } = await connectedPair();
    await expect(
      client.callTool({ name: 'slow_tool', arguments: { ms: 2000 } }, undefined, { timeout: 100 }),
    ).rejects.toThrow(/timed out/);
    const timedOut = await pairOf('tools/call slow_tool');
    expect(attr(timedOut.client, 'error.type')).toBe('timeout');
    expect(attr(timedOut.client, 'mcpscope.fault')).toBe('server');
    // The server learns of the timeout from the cancel's reason: it was too slow.
    expect(attr(timedOut.server, 'error.type')).toBe('timeout');
    expect(attr(timedOut.server, 'mcpscope.fault')).toBe('server');
    expect(timedOut.server.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'The requester timed out waiting for the response',
    });
    expect(timedOut.server.events.some((event) => event.name === 'mcp.cancelled')).toBe(true);
    telemetry.reset();

    // A user's own reason, and the default one ("AbortError: This operation was aborted").
    for (const [reason, sent] of [
      ['user pressed stop', 'user pressed stop'],
      [undefined, 'AbortError'],
    ] as const) {
      const controller = new AbortController();
      const call = client.callTool({ name: 'slow_tool', arguments: { ms: 2000 } }, undefined, {
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(reason), 20);
      await expect(call).rejects.toThrow();
      const cancelled = await pairOf('tools/call slow_tool');
      expect(attr(cancelled.client, 'error.type')).toBe('cancelled');
      expect(attr(cancelled.client, 'mcpscope.fault')).toBe('caller');
      expect(attr(cancelled.server, 'error.type')).toBe('cancelled');
      expect(attr(cancelled.server, 'mcpscope.fault')).toBe('caller');
      expect(cancelled.server.status.code).toBe(SpanStatusCode.UNSET);
      const event = cancelled.server.events.find((e) => e.name === 'mcp.cancelled');
      expect(String(event?.attributes?.['mcp.cancel.reason'])).toContain(sent);
      telemetry.reset();
    }
    await client.close();
    await server.close();
  });

  it('a connection closed mid-call is the transport’s fault', async () => {
    const { client, server } = await connectedPair();
    const call = client.callTool({ name: 'slow_tool', arguments: { ms: 2000 } });
    setTimeout(() => void server.close(), 20);
    await expect(call).rejects.toThrow(/Connection closed/);
    await waitFor(
      () => telemetry.spans().filter((span) => span.name === 'tools/call slow_tool').length === 2,
    );
    const spans = telemetry.spans();
    const wire = onlySpan(spans, 'in-memory tools/call');
    expect(attr(wire, 'error.type')).toBe('connection_closed');
    expect(attr(wire, 'mcpscope.fault')).toBe('transport');
    expect(wire.status.code).toBe(SpanStatusCode.ERROR);
    const clientSpan = onlySpan(spans, 'tools/call slow_tool', SpanKind.CLIENT);
    expect(attr(clientSpan, 'error.type')).toBe('connection_closed');
    expect(attr(clientSpan, 'mcpscope.fault')).toBeUndefined();
    const serverSpan = onlySpan(spans, 'tools/call slow_tool', SpanKind.SERVER);
    expect(attr(serverSpan, 'error.type')).toBe('connection_closed');
    await client.close();
  });
});
