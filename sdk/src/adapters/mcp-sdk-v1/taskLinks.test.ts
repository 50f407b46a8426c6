import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTaskStore } from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import { CreateTaskResultSchema } from '@modelcontextprotocol/sdk/experimental/tasks/types.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { instrumentClient } from '../../instrumentClient.js';
import { instrumentServer } from '../../instrumentServer.js';
import { connectInMemory } from '../../testing/connectInMemory.js';
import {
  onlySpan,
  parentSpanId,
  setupTestTelemetry,
  waitFor,
  type TestTelemetry,
} from '../../testing/otel.js';

// The experimental tasks of 2025-11-25 with real MCP SDK 1.x objects, through the same core rules as the
// 2026-07-28 Tasks extension (see adapters/mcp-sdk-v2/modernTasks.test.ts): the call that created a task
// names it, and tasks/get, tasks/result and tasks/cancel join that call — as children when nothing else
// is their parent, else by a link — on the client and on the server.

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());

/** A task tool that finishes when `finish` is called with its file name (or never). */
async function taskPair() {
  const finishers = new Map<string, () => Promise<void>>();
  const mcp = new McpServer(
    { name: 'render', version: '1.0.0' },
    {
      capabilities: { tools: {}, tasks: { requests: { tools: { call: {} } }, cancel: {} } },
      taskStore: new InMemoryTaskStore(),
    },
  );
  mcp.experimental.tasks.registerToolTask(
    'render',
    {
      description: 'Renders a file',
      inputSchema: { file: z.string() },
      execution: { taskSupport: 'required' },
    },
    {
      createTask: async ({ file }, extra) => {
        const task = await extra.taskStore.createTask({ ttl: 60_000, pollInterval: 10 });
        finishers.set(file, () =>
          extra.taskStore.storeTaskResult(task.taskId, 'completed', {
            content: [{ type: 'text', text: `${file} rendered` }],
          }),
        );
        return { task };
      },
      getTask: async (_args, extra) => extra.taskStore.getTask(extra.taskId),
      getTaskResult: async (_args, extra) =>
        (await extra.taskStore.getTaskResult(extra.taskId)) as { content: [] },
    },
  );
  const server = instrumentServer(mcp);
  const client = instrumentClient(new Client({ name: 'agent', version: '1.0.0' }));
  await connectInMemory(server, client);
  const start = async (file: string): Promise<string> => {
    const created = await client.request(
      { method: 'tools/call', params: { name: 'render', arguments: { file } } },
      CreateTaskResultSchema,
      { task: { ttl: 60_000 } },
    );
    return created.task.taskId;
  };
  return {
    client,
    start,
    finish: (file: string) => finishers.get(file)?.() ?? Promise.resolve(),
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

async function both(name: string): Promise<Record<'client' | 'server', ReadableSpan>> {
  await waitFor(() => telemetry.spans().filter((span) => span.name === name).length === 2);
  const spans = telemetry.spans();
  return { client: onlySpan(spans, name, SpanKind.CLIENT), server: onlySpan(spans, name, SpanKind.SERVER) };
}

describe('MCP SDK 1.x tasks (2025-11-25)', () => {
  it('the creating call names the task; tasks/get, tasks/result and tasks/cancel join it', async () => {
    const pair = await taskPair();
    telemetry.reset();
    const taskId = await pair.start('a.txt');
    const created = await both('tools/call render');
    for (const span of [created.client, created.server]) {
      expect(span.attributes['mcpscope.task.id']).toBe(taskId);
      expect(span.attributes['mcpscope.task.status']).toBe('working');
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
    const traceId = created.client.spanContext().traceId;

    telemetry.reset();
    expect((await pair.client.experimental.tasks.getTask(taskId)).status).toBe('working');
    const get = await both('tasks/get');
    expect(parentSpanId(get.client)).toBe(created.client.spanContext().spanId);
    for (const span of [get.client, get.server]) {
      expect(span.spanContext().traceId).toBe(traceId);
      expect(span.attributes['mcpscope.task.id']).toBe(taskId);
      expect(span.attributes['mcpscope.task.status']).toBe('working');
    }

    telemetry.reset();
    await pair.finish('a.txt');
    const result = await pair.client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
    expect(result.content).toEqual([{ type: 'text', text: 'a.txt rendered' }]);
    const fetched = await both('tasks/result');
    expect(parentSpanId(fetched.client)).toBe(created.client.spanContext().spanId);
    for (const span of [fetched.client, fetched.server]) {
      expect(span.spanContext().traceId).toBe(traceId);
      expect(span.attributes['mcpscope.task.id']).toBe(taskId);
    }

    const second = await pair.start('b.txt');
    const secondCall = onlySpan(
      telemetry.spans().filter((span) => span.attributes['mcpscope.task.id'] === second),
      'tools/call render',
      SpanKind.CLIENT,
    );
    telemetry.reset();
    expect((await pair.client.experimental.tasks.cancelTask(second)).status).toBe('cancelled');
    const cancel = await both('tasks/cancel');
    expect(parentSpanId(cancel.client)).toBe(secondCall.spanContext().spanId);
    for (const span of [cancel.client, cancel.server]) {
      expect(span.attributes['mcpscope.task.id']).toBe(second);
      expect(span.attributes['mcpscope.task.status']).toBe('cancelled');
    }
    await pair.close();
  });

  it('polled inside another trace: the poll links the creating call on both sides', async () => {
    const pair = await taskPair();
    telemetry.reset();
    const taskId = await pair.start('c.txt');
    const created = await both('tools/call render');
    telemetry.reset();
    await trace.getTracer('agent').startActiveSpan('agent loop', async (loop) => {
      await pair.client.experimental.tasks.getTask(taskId);
      loop.end();
    });
    const get = await both('tasks/get');
    const loop = onlySpan(telemetry.spans(), 'agent loop');
    expect(parentSpanId(get.client)).toBe(loop.spanContext().spanId);
    expect(get.client.links.map((link) => link.context.spanId)).toEqual([
      created.client.spanContext().spanId,
    ]);
    expect(get.server.spanContext().traceId).toBe(loop.spanContext().traceId);
    expect(get.server.links.map((link) => link.context.spanId)).toEqual([
      created.server.spanContext().spanId,
    ]);
    await pair.close();
  });
});
