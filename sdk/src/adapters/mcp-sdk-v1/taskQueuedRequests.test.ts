import {
  context,
  INVALID_SPAN_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type HrTime,
} from '@opentelemetry/api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { QueuedMessage } from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
import {
  InMemoryTaskMessageQueue,
  InMemoryTaskStore,
} from '@modelcontextprotocol/sdk/experimental/tasks/stores/in-memory.js';
import { CreateTaskResultSchema } from '@modelcontextprotocol/sdk/experimental/tasks/types.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolResultSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { instrumentClient } from '../../instrumentClient.js';
import { instrumentServer } from '../../instrumentServer.js';
import {
  onlySpan,
  parentSpanId,
  setupTestTelemetry,
  waitFor,
  type TestTelemetry,
} from '../../testing/otel.js';
import { OutgoingCall } from '../../core/recorder/calls.js';
import { RequestShapes } from '../../core/recorder/RequestShapes.js';
import { UnsentRequests } from '../../core/recorder/UnsentRequests.js';
import { connectInMemory } from '../../testing/connectInMemory.js';

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());

/** The SDK's own in-memory queue, recording which requests it was given (to prove they were queued). */
class ObservedTaskMessageQueue extends InMemoryTaskMessageQueue {
  readonly queuedRequests: string[] = [];

  override async enqueue(
    taskId: string,
    message: QueuedMessage,
    sessionId?: string,
    maxSize?: number,
  ): Promise<void> {
    if (message.type === 'request') this.queuedRequests.push(message.message.method);
    return super.enqueue(taskId, message, sessionId, maxSize);
  }
}

/** What the client's elicitation handler saw: the question, and the span it ran in. */
interface Elicitation {
  message: string;
  spanId: string | undefined;
}

/**
 * An instrumented McpServer with a task tool whose background work asks the user through an
 * elicitation related to its task (the SDK queues it until the client calls tasks/result), and an
 * instrumented Client that accepts every elicitation.
 */
async function taskPair() {
  const queue = new ObservedTaskMessageQueue();
  const mcp = new McpServer(
    { name: 'files', version: '1.0.0' },
    {
      capabilities: { tools: {}, tasks: { requests: { tools: { call: {} } } } },
      taskStore: new InMemoryTaskStore(),
      taskMessageQueue: queue,
    },
  );
  /** Trace id of each tools/call (by file name), where its task was created. */
  const toolCallTraces = new Map<string, string | undefined>();
  mcp.experimental.tasks.registerToolTask(
    'confirm_delete',
    {
      description: 'Deletes a file once the user confirms',
      inputSchema: { filename: z.string(), timeoutMs: z.number().optional() },
      execution: { taskSupport: 'required' },
    },
    {
      createTask: async ({ filename, timeoutMs }, extra) => {
        toolCallTraces.set(filename, trace.getActiveSpan()?.spanContext().traceId);
        const task = await extra.taskStore.createTask({ ttl: 60_000, pollInterval: 10 });
        const work = async (): Promise<void> => {
          // What the SDK's own extra.sendRequest does for a request of a task: input_required, then ask.
          await extra.taskStore.updateTaskStatus(task.taskId, 'input_required');
          const answer = await mcp.server.elicitInput(
            {
              mode: 'form',
              message: `Delete ${filename}?`,
              requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } } },
            },
            {
              relatedTask: { taskId: task.taskId },
              ...(timeoutMs === undefined ? {} : { timeout: timeoutMs }),
            },
          );
          await extra.taskStore.storeTaskResult(task.taskId, 'completed', {
            content: [{ type: 'text', text: `${filename}: ${answer.action}` }],
          });
        };
        work().catch((error: unknown) =>
          extra.taskStore
            .storeTaskResult(task.taskId, 'failed', {
              content: [{ type: 'text', text: String(error) }],
              isError: true,
            })
            .catch(() => undefined),
        );
        return { task };
      },
      getTask: async (_args, extra) => extra.taskStore.getTask(extra.taskId),
      getTaskResult: async (_args, extra) =>
        (await extra.taskStore.getTaskResult(extra.taskId)) as { content: [] },
    },
  );
  const server = instrumentServer(mcp);

  const elicitations: Elicitation[] = [];
  const client = instrumentClient(
    new Client({ name: 'agent', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } } }),
  );
  client.setRequestHandler(ElicitRequestSchema, async (request) => {
    elicitations.push({
      message: request.params.message,
      spanId: trace.getActiveSpan()?.spanContext().spanId,
    });
    return { action: 'accept', content: { confirm: true } };
  });

  await connectInMemory(server, client);

  const startTask = async (filename: string, timeoutMs?: number): Promise<string> => {
    const created = await client.request(
      {
        method: 'tools/call',
        params: { name: 'confirm_delete', arguments: { filename, ...(timeoutMs ? { timeoutMs } : {}) } },
      },
      CreateTaskResultSchema,
      { task: { ttl: 60_000 } },
    );
    return created.task.taskId;
  };
  const taskResult = (taskId: string) =>
    client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
  const close = async (): Promise<void> => {
    await client.close();
    await server.close();
  };
  return { queue, elicitations, toolCallTraces, startTask, taskResult, close };
}

/** How far apart two spans' clocks may be: each anchors its start on Date.now(), in whole milliseconds. */
const CLOCK_SLACK = 2_000_000n;
/** The least time the queued request waits before tasks/result fetches it: settle()'s five 5 ms timers. */
const QUEUE_WAIT = 20_000_000n;

function nanos(time: HrTime): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

function spanById(spans: readonly ReadableSpan[], spanId: string | undefined): ReadableSpan {
  const found = spans.find((span) => span.spanContext().spanId === spanId);
  if (!found) throw new Error(`no finished span with id ${spanId}`);
  return found;
}

/** Lets the event loop turn a few times, so anything sent asynchronously would have arrived. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('requests queued for an MCP task', () => {
  it('gives a queued elicitation its transport span when tasks/result delivers it', async () => {
    const pair = await taskPair();
    telemetry.reset();
    const taskId = await pair.startTask('a.txt');
    await waitFor(() => pair.queue.queuedRequests.includes('elicitation/create'));
    await settle();
    // Queued, not sent: the client has not seen it, and nothing of it is on the wire yet.
    expect(pair.elicitations).toHaveLength(0);
    expect(telemetry.spans().some((span) => span.name === 'in-memory elicitation/create')).toBe(false);

    const result = await pair.taskResult(taskId);
    expect(result.content).toEqual([{ type: 'text', text: 'a.txt: accept' }]);
    expect(pair.elicitations.map((e) => e.message)).toEqual(['Delete a.txt?']);
    await waitFor(() =>
      telemetry.spans().some((span) => span.name === 'elicitation/create' && span.kind === SpanKind.CLIENT),
    );

    const spans = telemetry.spans();
    const elicitClient = onlySpan(spans, 'elicitation/create', SpanKind.CLIENT);
    const elicitTransport = onlySpan(spans, 'in-memory elicitation/create');
    const elicitServer = onlySpan(spans, 'elicitation/create', SpanKind.SERVER);
    const toolCallServer = onlySpan(spans, 'tools/call confirm_delete', SpanKind.SERVER);
    const tasksResultServer = onlySpan(spans, 'tasks/result', SpanKind.SERVER);

    // Server process: the elicitation belongs to the tool call that made it, and its transport span
    // covers the time on the wire (from the delivery in tasks/result to the response), not the queue.
    expect(parentSpanId(elicitClient)).toBe(toolCallServer.spanContext().spanId);
    expect(parentSpanId(elicitTransport)).toBe(elicitClient.spanContext().spanId);
    expect(elicitTransport.kind).toBe(SpanKind.INTERNAL);
    expect(elicitTransport.attributes['mcpscope.layer']).toBe('transport');
    expect(elicitTransport.attributes['mcp.method.name']).toBe('elicitation/create');
    const requestId = elicitTransport.attributes['jsonrpc.request.id'];
    expect(typeof requestId).toBe('string');
    expect(elicitClient.attributes['jsonrpc.request.id']).toBe(requestId);
    // Each span anchors its start on Date.now() (millisecond resolution), so instants of different spans
    // compare within CLOCK_SLACK; a duration is exact within its span. The request waited in the queue
    // for at least QUEUE_WAIT (settle()), which the transport span must not cover.
    expect(nanos(elicitClient.startTime)).toBeLessThan(nanos(tasksResultServer.startTime));
    expect(nanos(elicitTransport.startTime)).toBeGreaterThanOrEqual(
      nanos(tasksResultServer.startTime) - CLOCK_SLACK,
    );
    expect(nanos(elicitTransport.endTime)).toBeLessThanOrEqual(nanos(elicitClient.endTime) + CLOCK_SLACK);
    expect(nanos(elicitTransport.duration)).toBeLessThanOrEqual(nanos(elicitClient.duration) - QUEUE_WAIT);
    expect(elicitClient.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(elicitClient.attributes['error.type']).toBeUndefined();
    expect(elicitTransport.status.code).not.toBe(SpanStatusCode.ERROR);

    // Client process: the elicitation's SERVER span joins the request's transport span through
    // params._meta, not the tasks/result request that happened to carry it.
    expect(parentSpanId(elicitServer)).toBe(elicitTransport.spanContext().spanId);
    expect(elicitServer.spanContext().traceId).toBe(elicitClient.spanContext().traceId);
    expect(elicitServer.attributes['jsonrpc.request.id']).toBe(requestId);
    expect(pair.elicitations[0]?.spanId).toBe(elicitServer.spanContext().spanId);
    await pair.close();
  });

  it('matches queued requests of two tasks by JSON-RPC id when their results are fetched in reverse order', async () => {
    const pair = await taskPair();
    telemetry.reset();
    const first = await pair.startTask('a.txt');
    await waitFor(() => pair.queue.queuedRequests.length === 1);
    const second = await pair.startTask('b.txt');
    await waitFor(() => pair.queue.queuedRequests.length === 2);
    await settle();
    expect(pair.elicitations).toHaveLength(0);

    // b.txt's request was queued last and goes out first: the oldest call of the same method is
    // a.txt's, so only the id tells them apart.
    expect((await pair.taskResult(second)).content).toEqual([{ type: 'text', text: 'b.txt: accept' }]);
    expect((await pair.taskResult(first)).content).toEqual([{ type: 'text', text: 'a.txt: accept' }]);
    expect(pair.elicitations.map((e) => e.message)).toEqual(['Delete b.txt?', 'Delete a.txt?']);
    await waitFor(
      () =>
        telemetry
          .spans()
          .filter((span) => span.name === 'elicitation/create' && span.kind === SpanKind.CLIENT).length === 2,
    );

    const spans = telemetry.spans();
    expect(spans.filter((span) => span.name === 'in-memory elicitation/create')).toHaveLength(2);
    for (const elicitation of pair.elicitations) {
      const filename = elicitation.message.replace(/^Delete (.*)\?$/, '$1');
      const elicitServer = spanById(spans, elicitation.spanId);
      const elicitTransport = spanById(spans, parentSpanId(elicitServer));
      const elicitClient = spanById(spans, parentSpanId(elicitTransport));
      expect(elicitTransport.name).toBe('in-memory elicitation/create');
      expect(elicitClient.name).toBe('elicitation/create');
      expect(elicitClient.kind).toBe(SpanKind.CLIENT);
      expect(elicitClient.spanContext().traceId).toBe(pair.toolCallTraces.get(filename));
      expect(elicitTransport.attributes['jsonrpc.request.id']).toBe(
        elicitServer.attributes['jsonrpc.request.id'],
      );
      expect(elicitClient.status.code).not.toBe(SpanStatusCode.ERROR);
    }
    await pair.close();
  });

  it('forgets a queued request whose call ended before delivery (no transport span for it)', async () => {
    const pair = await taskPair();
    telemetry.reset();
    const taskId = await pair.startTask('slow.txt', 30);
    await waitFor(() =>
      telemetry.spans().some((span) => span.name === 'elicitation/create' && span.kind === SpanKind.CLIENT),
    );
    const elicitClient = onlySpan(telemetry.spans(), 'elicitation/create', SpanKind.CLIENT);
    expect(elicitClient.attributes['error.type']).toBe('timeout');
    expect(pair.elicitations).toHaveLength(0);

    // The SDK still delivers the stale request on tasks/result (the client answers it, the server
    // drops the answer); its call is over, so nothing starts a transport span under it.
    const result = await pair.taskResult(taskId);
    expect(result.isError).toBe(true);
    await waitFor(() =>
      telemetry.spans().some((span) => span.name === 'elicitation/create' && span.kind === SpanKind.SERVER),
    );
    await settle();
    const spans = telemetry.spans();
    expect(pair.elicitations.map((e) => e.message)).toEqual(['Delete slow.txt?']);
    expect(spans.some((span) => span.name === 'in-memory elicitation/create')).toBe(false);
    const elicitServer = onlySpan(spans, 'elicitation/create', SpanKind.SERVER);
    expect(parentSpanId(elicitServer)).not.toBe(elicitClient.spanContext().spanId);
    await pair.close();
  });
});

describe('UnsentRequests', () => {
  const shapes = new RequestShapes('in-memory', 'pipe');
  const newCall = (method: string): OutgoingCall =>
    new OutgoingCall(
      () => undefined,
      undefined,
      trace.wrapSpanContext(INVALID_SPAN_CONTEXT),
      context.active(),
      shapes.get(method, undefined),
      undefined,
    );

  it('takes the call with the request id when it is known, else the oldest of the method', () => {
    const unsent = new UnsentRequests();
    const sampling = newCall('sampling/createMessage');
    const first = newCall('elicitation/create');
    const second = newCall('elicitation/create');
    const unnumbered = newCall('roots/list');
    unsent.add(sampling, 3);
    unsent.add(first, 4);
    unsent.add(second, 5);
    unsent.add(unnumbered, undefined);
    expect(unsent.take('elicitation/create', 3)).toBeUndefined();
    expect(unsent.take('elicitation/create', 5)).toBe(second);
    expect(unsent.take('roots/list', 9)).toBe(unnumbered);
    unsent.remove(sampling);
    expect(unsent.size).toBe(1);
    expect(unsent.take('elicitation/create', 4)).toBe(first);
    expect(unsent.size).toBe(0);
  });

  it('keeps the 64 newest calls', () => {
    const unsent = new UnsentRequests();
    const calls = Array.from({ length: 65 }, () => newCall('elicitation/create'));
    calls.forEach((call, id) => unsent.add(call, id));
    expect(unsent.size).toBe(64);
    expect(unsent.take('elicitation/create', 0)).toBeUndefined();
    expect(unsent.take('elicitation/create', 1)).toBe(calls[1]);
    expect(unsent.take('elicitation/create', 64)).toBe(calls[64]);
  });
});
