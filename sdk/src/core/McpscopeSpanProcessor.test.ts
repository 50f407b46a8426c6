import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instrumentClient } from '../instrumentClient.js';
import { instrumentServer } from '../instrumentServer.js';
import { connectInMemory } from '../testing/connectInMemory.js';
import {
  inMemoryTracing,
  onlySpan,
  setupTestTelemetry,
  waitFor,
  type TestTelemetry,
} from '../testing/otel.js';
import {
  McpscopeSpanProcessor,
  withDownstreamRecord,
  type DownstreamRecord,
} from './McpscopeSpanProcessor.js';

// The test process's provider has the processor, as `startTracing` sets it up.
let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry([new McpscopeSpanProcessor()]);
});
afterEach(() => telemetry.reset());

/**
 * A call out of the process the way HTTP or database instrumentation records it: a span of `kind` in
 * the active context, ended with `status`. Returns its span id.
 */
function downstreamCall(status: SpanStatusCode, kind = SpanKind.CLIENT): string {
  return trace.getTracer('x').startActiveSpan('GET downstream', { kind }, (span) => {
    span.setStatus({ code: status });
    span.end();
    return span.spanContext().spanId;
  });
}

const failed = { isError: true, content: [{ type: 'text' as const, text: 'payment provider said no' }] };

/** An McpServer whose tools fail after downstream calls of each kind, and the ids of those calls. */
async function mcpServerPair() {
  const calls: Record<string, string> = {};
  const server = new McpServer({ name: 'shop', version: '1.0.0' });
  server.registerTool('charge', { description: 'Fails after a failed HTTP call' }, async () => {
    calls['charge'] = downstreamCall(SpanStatusCode.ERROR);
    return failed;
  });
  server.registerTool('charge_throws', { description: 'Throws after a failed call' }, async () => {
    calls['charge_throws'] = downstreamCall(SpanStatusCode.ERROR);
    throw new Error('payment failed');
  });
  server.registerTool('charge_ok_call', { description: 'Fails after a good call' }, async () => {
    downstreamCall(SpanStatusCode.OK);
    return failed;
  });
  server.registerTool('own_code_fails', { description: 'Fails in an INTERNAL span of its own' }, async () => {
    downstreamCall(SpanStatusCode.ERROR, SpanKind.INTERNAL);
    return failed;
  });
  server.registerTool('recovers', { description: 'Retries past a failed call' }, async () => {
    downstreamCall(SpanStatusCode.ERROR);
    downstreamCall(SpanStatusCode.OK);
    return { content: [{ type: 'text' as const, text: 'charged' }] };
  });
  instrumentServer(server);
  const client = instrumentClient(new Client({ name: 'agent', version: '1.0.0' }));
  await connectInMemory(server, client);
  telemetry.reset();
  return { client, server, calls };
}

const attr = (span: ReadableSpan, key: string): unknown => span.attributes[key];
async function spansOf(name: string) {
  await waitFor(() => telemetry.spans().filter((span) => span.name === name).length >= 2);
  const spans = telemetry.spans();
  return {
    client: onlySpan(spans, name, SpanKind.CLIENT),
    server: onlySpan(spans, name, SpanKind.SERVER),
  };
}

describe('downstream failures on SERVER spans', () => {
  it('a tool that fails after a failed downstream call points at that call', async () => {
    const { client, server, calls } = await mcpServerPair();
    for (const tool of ['charge', 'charge_throws']) {
      expect((await client.callTool({ name: tool })).isError).toBe(true);
      const spans = await spansOf(`tools/call ${tool}`);
      expect(attr(spans.server, 'error.type'), tool).toBe('tool_error');
      expect(attr(spans.server, 'mcpscope.fault'), tool).toBe('downstream');
      expect(attr(spans.server, 'mcpscope.downstream.span_id'), tool).toBe(calls[tool]);
      expect(spans.server.status.code).toBe(SpanStatusCode.ERROR);
      // The failed call is the server span's child, in the same trace.
      const call = telemetry.spans().find((span) => span.spanContext().spanId === calls[tool])!;
      expect(call.parentSpanContext?.spanId).toBe(spans.server.spanContext().spanId);
      // The client cannot see the downstream call: its view stays the tool's.
      expect(attr(spans.client, 'mcpscope.fault'), tool).toBe('tool');
      telemetry.reset();
    }
    await client.close();
    await server.close();
  });

  it('leaves the fault with the tool when no downstream call failed, or only its own code did', async () => {
    const { client, server } = await mcpServerPair();
    for (const tool of ['charge_ok_call', 'own_code_fails']) {
      await client.callTool({ name: tool });
      const spans = await spansOf(`tools/call ${tool}`);
      expect(attr(spans.server, 'mcpscope.fault'), tool).toBe('tool');
      expect(attr(spans.server, 'mcpscope.downstream.span_id'), tool).toBeUndefined();
      telemetry.reset();
    }
    // A failed call the tool recovered from does not make a successful call fail.
    await client.callTool({ name: 'recovers' });
    const spans = await spansOf('tools/call recovers');
    expect(spans.server.status.code).toBe(SpanStatusCode.UNSET);
    expect(attr(spans.server, 'mcpscope.fault')).toBeUndefined();
    await client.close();
    await server.close();
  });

  it('a low-level Server handler that throws (-32603) after a failed call points at that call', async () => {
    let failedCall = '';
    const server = new Server({ name: 'raw', version: '0.1.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(CallToolRequestSchema, async () => {
      failedCall = downstreamCall(SpanStatusCode.ERROR);
      throw new Error('database unavailable');
    });
    instrumentServer(server);
    const client = instrumentClient(new Client({ name: 'agent', version: '1.0.0' }));
    await connectInMemory(server, client);
    telemetry.reset();
    await expect(client.callTool({ name: 'query' })).rejects.toThrow(/database unavailable/);
    const spans = await spansOf('tools/call query');
    expect(attr(spans.server, 'error.type')).toBe('-32603');
    expect(attr(spans.server, 'mcpscope.fault')).toBe('downstream');
    expect(attr(spans.server, 'mcpscope.downstream.span_id')).toBe(failedCall);
    expect(attr(spans.client, 'mcpscope.fault')).toBe('server');
    await client.close();
    await server.close();
  });
});

describe('McpscopeSpanProcessor', () => {
  const processor = new McpscopeSpanProcessor();
  const tracer = inMemoryTracing([processor]).provider.getTracer('unit');
  const record = (): DownstreamRecord => ({ downstreamFailure: undefined, ended: false });
  const failedSpan = (ctx = ROOT_CONTEXT, kind = SpanKind.CLIENT, attributes = {}): string => {
    const span = tracer.startSpan('call', { kind, attributes }, ctx);
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    return span.spanContext().spanId;
  };

  it('records the first failed CLIENT or PRODUCER span started in the record’s context', () => {
    const first = record();
    const ctx = withDownstreamRecord(ROOT_CONTEXT, first);
    failedSpan(ROOT_CONTEXT);
    expect(first.downstreamFailure).toBeUndefined();
    failedSpan(ctx, SpanKind.INTERNAL);
    failedSpan(ctx, SpanKind.CLIENT, { 'mcpscope.layer': 'client' });
    expect(first.downstreamFailure).toBeUndefined();
    const id = failedSpan(ctx);
    failedSpan(ctx);
    expect(first.downstreamFailure).toBe(id);

    const producer = record();
    const queued = failedSpan(withDownstreamRecord(ROOT_CONTEXT, producer), SpanKind.PRODUCER);
    expect(producer.downstreamFailure).toBe(queued);
  });

  it('ignores failures that end after the request ended', () => {
    const late = record();
    const ctx = withDownstreamRecord(ROOT_CONTEXT, late);
    const span = tracer.startSpan('call', { kind: SpanKind.CLIENT }, ctx);
    late.ended = true;
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    failedSpan(ctx);
    expect(late.downstreamFailure).toBeUndefined();
  });
});
