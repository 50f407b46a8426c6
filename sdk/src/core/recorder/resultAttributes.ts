import type { Span } from '@opentelemetry/api';
import { noteCreatedTask, type TaskMemory } from '../tasks/TaskMemory.js';
import {
  ATTR_MCPSCOPE_INPUT_REQUEST_KEYS,
  ATTR_MCPSCOPE_INPUT_RESPONSE_KEYS,
  ATTR_MCPSCOPE_LIST_CACHE_SCOPE,
  ATTR_MCPSCOPE_LIST_TTL_MS,
  ATTR_MCPSCOPE_RESULT_TYPE,
} from '../../semconv.js';

// What the 2026-07-28 era adds to results and retried requests, recorded the same way on the side that
// sends them and the side that receives them: the result kind (`resultType` other than `complete`:
// `input_required` asks the client for input before the call completes, `task` hands back a task),
// the keys of the input requests and of the responses a retry carries, and the cache hints of
// cacheable results.

/** `resultType` of a result that is not a final one (`input_required`, `task`, …), else undefined. */
export function nonCompleteResultType(result: Record<string, unknown> | undefined): string | undefined {
  const resultType = result?.['resultType'];
  return typeof resultType === 'string' && resultType !== 'complete' ? resultType : undefined;
}

/**
 * Records a non-complete result on a span of the exchange that carried it: its kind, the keys of the
 * input requests it asks for, or the task it created (with `tasks`, this span is the task's creator).
 */
export function recordNonCompleteResult(
  span: Span,
  resultType: string,
  result: Record<string, unknown>,
  tasks: TaskMemory | undefined,
): void {
  span.setAttribute(ATTR_MCPSCOPE_RESULT_TYPE, resultType);
  if (resultType === 'input_required') {
    const keys = inputRequestKeys(result);
    if (keys.length > 0) span.setAttribute(ATTR_MCPSCOPE_INPUT_REQUEST_KEYS, keys);
  } else if (resultType === 'task' && tasks !== undefined) {
    noteCreatedTask(tasks, result, span);
  }
}

/** The keys of an `input_required` result's embedded input requests. */
export function inputRequestKeys(result: Record<string, unknown>): string[] {
  const requests = result['inputRequests'];
  return requests !== null && typeof requests === 'object' ? Object.keys(requests) : [];
}

/** Records the keys of the input responses a retried request carries, if it carries any. */
export function recordInputResponses(span: Span, params: Record<string, unknown> | undefined): void {
  const responses = params?.['inputResponses'];
  if (responses !== null && typeof responses === 'object')
    span.setAttribute(ATTR_MCPSCOPE_INPUT_RESPONSE_KEYS, Object.keys(responses));
}

/** The SEP-2549 cache hints of a cacheable result (`ttlMs`, `cacheScope`), when it has them. */
export function recordCacheHints(span: Span, result: Record<string, unknown>): void {
  const ttlMs = result['ttlMs'];
  if (typeof ttlMs === 'number') span.setAttribute(ATTR_MCPSCOPE_LIST_TTL_MS, ttlMs);
  const cacheScope = result['cacheScope'];
  if (typeof cacheScope === 'string') span.setAttribute(ATTR_MCPSCOPE_LIST_CACHE_SCOPE, cacheScope);
}
