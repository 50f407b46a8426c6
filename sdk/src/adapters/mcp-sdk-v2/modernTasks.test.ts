import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { createMcpHandler } from '@modelcontextprotocol/server';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  onlySpan,
  parentSpanId,
  setupTestTelemetry,
  waitFor,
  type TestTelemetry,
} from '../../testing/otel.js';
import { connectHttp, connectInMemory, modernClient, type ModernPair } from '../../testing/v2Modern.js';
import { createTaskServer, TASK_ID } from '../../testing/v2TaskServer.js';

// The Tasks extension of 2026-07-28 (SEP-2663: a tools/call answered with a task handle, then tasks/get,
// tasks/update and tasks/cancel naming it) with real MCP SDK 2.x objects. What 2.4.0 implements: no task
// runtime, but a low-level Server can answer a tools/call with a task handle (the SDK passes a handler's
// `resultType` through) and serve the three methods with explicit schemas, and a Client can send them the
// same way. Its Client refuses the handle itself (UnsupportedResultType: the SDK has no Tasks support),
// so the caller learns the task id elsewhere; the spans still record it from the wire, and every span
// about the task joins the call that created it.

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());

const AnyResult = z.object({}).passthrough();

const transports = [
  [
    'in memory (serveStdio)',
    'in-memory',
    (client: ReturnType<typeof modernClient>) => connectInMemory(client, createTaskServer),
  ],
  [
    'Streamable HTTP',
    'streamable-http',
    (client: ReturnType<typeof modernClient>) => connectHttp(client, createMcpHandler(createTaskServer)),
  ],
] as const;

/** Starts the task: the 2.4.0 Client rejects the handle; returns the CLIENT and SERVER span of the call. */
async function createTask(pair: ModernPair) {
  await expect(pair.client.callTool({ name: 'render', arguments: {} })).rejects.toThrow(
    /Unsupported result type 'task'/,
  );
  await waitFor(() => telemetry.spans().filter((span) => span.name === 'tools/call render').length === 2);
  const spans = telemetry.spans();
  return {
    client: onlySpan(spans, 'tools/call render', SpanKind.CLIENT),
    server: onlySpan(spans, 'tools/call render', SpanKind.SERVER),
  };
}

async function exchange(method: string): Promise<Record<'client' | 'server' | 'transport', ReadableSpan>> {
  await waitFor(() => telemetry.spans().filter((span) => span.name === method).length === 2);
  const spans = telemetry.spans();
  const client = onlySpan(spans, method, SpanKind.CLIENT);
  const server = onlySpan(spans, method, SpanKind.SERVER);
  const transport = spans.find((span) => parentSpanId(span) === client.spanContext().spanId) as ReadableSpan;
  expect(parentSpanId(server)).toBe(transport.spanContext().spanId);
  return { client, server, transport };
}

describe('Tasks extension (2026-07-28)', () => {
  for (const [label, kind, connect] of transports) {
    it(`${label}: the call that created the task names it, and tasks/get, update, cancel join it`, async () => {
      const pair = await connect(modernClient());
      telemetry.reset();
      const created = await createTask(pair);
      for (const span of [created.client, created.server]) {
        expect(span.attributes['mcpscope.task.id']).toBe(TASK_ID);
        expect(span.attributes['mcpscope.task.status']).toBe('working');
        expect(span.attributes['mcpscope.result.type']).toBe('task');
      }
      // The server answered correctly; the client library could not take the answer.
      expect(created.server.status.code).toBe(SpanStatusCode.UNSET);
      expect(created.client.attributes['error.type']).toBe('unsupported_result_type');
      expect(created.client.attributes['mcpscope.fault']).toBe('client');

      const traceId = created.client.spanContext().traceId;
      const calls = [
        ['tasks/get', { taskId: TASK_ID }],
        [
          'tasks/update',
          { taskId: TASK_ID, inputResponses: { name: { action: 'accept', content: { name: 'Jane' } } } },
        ],
        ['tasks/cancel', { taskId: TASK_ID }],
      ] as const;
      for (const [method, params] of calls) {
        telemetry.reset();
        await pair.client.request({ method, params }, AnyResult);
        const spans = await exchange(method);
        // No span was active: the request about the task is a child of the call that created it.
        expect(parentSpanId(spans.client)).toBe(created.client.spanContext().spanId);
        for (const span of [spans.client, spans.server]) {
          expect(span.spanContext().traceId).toBe(traceId);
          expect(span.attributes['mcpscope.task.id']).toBe(TASK_ID);
          expect(span.status.code).toBe(SpanStatusCode.UNSET);
        }
        expect(spans.transport.name).toBe(`${kind} ${method}`);
        if (kind === 'streamable-http') {
          for (const span of [spans.transport, spans.server]) {
            expect(span.attributes['http.request.header.mcp-method']).toEqual([method]);
            expect(span.attributes['http.request.header.mcp-name']).toEqual([TASK_ID]);
          }
        }
        if (method === 'tasks/get') {
          for (const span of [spans.client, spans.server])
            expect(span.attributes['mcpscope.task.status']).toBe('completed');
        }
        if (method === 'tasks/update')
          expect(spans.server.attributes['mcpscope.input_response.keys']).toEqual(['name']);
      }
      await pair.close();
    });
  }

  it('polled from inside another trace: linked to the call that created the task, on both sides', async () => {
    const pair = await connectInMemory(modernClient(), createTaskServer);
    telemetry.reset();
    const created = await createTask(pair);
    telemetry.reset();
    await trace.getTracer('agent').startActiveSpan('agent loop', async (loop) => {
      await pair.client.request({ method: 'tasks/get', params: { taskId: TASK_ID } }, AnyResult);
      loop.end();
    });
    const spans = await exchange('tasks/get');
    const loop = onlySpan(telemetry.spans(), 'agent loop');
    expect(parentSpanId(spans.client)).toBe(loop.spanContext().spanId);
    expect(spans.client.links.map((link) => link.context.spanId)).toEqual([
      created.client.spanContext().spanId,
    ]);
    expect(spans.server.spanContext().traceId).toBe(loop.spanContext().traceId);
    // (serveStdio over the in-memory pair looks like stdio to the server, which also links the ambient span.)
    expect(spans.server.links.map((link) => link.context.spanId)).toContain(
      created.server.spanContext().spanId,
    );
    await pair.close();
  });
});
