import {
  isSpanContextValid,
  trace,
  type Context,
  type Link,
  type Span,
  type SpanContext,
} from '@opentelemetry/api';
import { ATTR_MCPSCOPE_TASK_ID, ATTR_MCPSCOPE_TASK_STATUS } from '../../semconv.js';

// MCP Tasks, in both shapes: the experimental tasks of 2025-11-25 (a task-augmented request answered by
// `CreateTaskResult { task: { taskId, status, … } }`, then tasks/get, tasks/result, tasks/list,
// tasks/cancel; messages of a task carry `_meta["io.modelcontextprotocol/related-task"]`) and the
// 2026-07-28 Tasks extension (SEP-2663: a tools/call answered by `{ resultType: "task", taskId, status,
// … }`, then tasks/get, tasks/update, tasks/cancel). A task outlives the call that created it, so this
// process remembers which span created each task, and a later span about that task (its `params.taskId`)
// joins it: as a child when nothing else is its parent (polling from a plain loop), else by a link.

/** `_meta` key of the 2025-11-25 tasks: the task a request, notification or result belongs to. */
export const META_RELATED_TASK = 'io.modelcontextprotocol/related-task';

/** How many task creators one endpoint remembers; past it the oldest is forgotten (its polls then only
 * carry the task id). Tasks live minutes to hours; an endpoint rarely has hundreds open. */
const CAPACITY = 256;

/**
 * The span that created each task this process saw created on one side, by task id (bounded, oldest
 * forgotten). One per side for the whole process, not per endpoint: a Streamable HTTP server makes a
 * server instance per request, and the instance that polls a task is not the one that created it.
 * Task ids are made by the server to be unguessable handles, so they do not collide across servers.
 */
export class TaskMemory {
  private static readonly bySide = { client: new TaskMemory(), server: new TaskMemory() };

  /** The memory of the `client` or `server` side of this process. */
  static of(side: 'client' | 'server'): TaskMemory {
    return TaskMemory.bySide[side];
  }

  private readonly creators = new Map<string, SpanContext>();

  remember(taskId: string, creator: SpanContext): void {
    if (this.creators.size >= CAPACITY && !this.creators.has(taskId)) {
      const oldest = this.creators.keys().next().value;
      if (oldest !== undefined) this.creators.delete(oldest);
    }
    this.creators.set(taskId, creator);
  }

  creator(taskId: string): SpanContext | undefined {
    return this.creators.get(taskId);
  }

  /**
   * Where a span about task `taskId` starts: under `parent` when it has a span of the creator's trace or
   * the task is unknown; under the creating span itself when `parent` has no span (the same trace as the
   * call that started the task); else under `parent` with a link to the creating span.
   */
  join(taskId: string, parent: Context): { parent: Context; links?: Link[] } {
    const creator = this.creators.get(taskId);
    if (creator === undefined) return { parent };
    const current = trace.getSpanContext(parent);
    if (current === undefined || !isSpanContextValid(current))
      return { parent: trace.setSpanContext(parent, creator) };
    if (current.traceId === creator.traceId) return { parent };
    return { parent, links: [{ context: creator }] };
  }
}

/** The task a result creates, in either era's shape. */
export function createdTask(
  result: Record<string, unknown>,
): { taskId: string; status: unknown } | undefined {
  if (result['resultType'] === 'task') {
    const taskId = result['taskId'];
    return typeof taskId === 'string' ? { taskId, status: result['status'] } : undefined;
  }
  const task = result['task'];
  if (task === null || typeof task !== 'object') return undefined;
  const { taskId, status } = task as { taskId?: unknown; status?: unknown };
  return typeof taskId === 'string' ? { taskId, status } : undefined;
}

/** A result that created a task: the span that got it is the task's creator. Returns whether it was one. */
export function noteCreatedTask(memory: TaskMemory, result: Record<string, unknown>, span: Span): boolean {
  const task = createdTask(result);
  if (task === undefined) return false;
  memory.remember(task.taskId, span.spanContext());
  span.setAttribute(ATTR_MCPSCOPE_TASK_ID, task.taskId);
  if (typeof task.status === 'string') span.setAttribute(ATTR_MCPSCOPE_TASK_STATUS, task.status);
  return true;
}

/** The task id of a `tasks/*` request (`params.taskId`). */
export function requestTaskId(params: Record<string, unknown> | undefined): string | undefined {
  const taskId = params?.['taskId'];
  return typeof taskId === 'string' ? taskId : undefined;
}

/** The task a message's `_meta` relates it to (2025-11-25 `related-task`). */
export function relatedTaskId(meta: Record<string, unknown>): string | undefined {
  const related = meta[META_RELATED_TASK];
  if (related === null || typeof related !== 'object') return undefined;
  const taskId = (related as { taskId?: unknown }).taskId;
  return typeof taskId === 'string' ? taskId : undefined;
}

/** The status a `tasks/*` result reports (the Task fields are inlined in the result in both eras). */
export function taskResultStatus(span: Span, result: Record<string, unknown>): void {
  const status = result['status'];
  if (typeof status === 'string') span.setAttribute(ATTR_MCPSCOPE_TASK_STATUS, status);
}
