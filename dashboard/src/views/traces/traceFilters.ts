import { toFaultLayer } from '../../telemetry.js';

/** The trace-search filters that live in the URL, in the order the form shows them. */
export const TRACE_FILTER_KEYS = [
  'service',
  'server',
  'tool',
  'method',
  'status',
  'fault',
  'minDurationMs',
  'limit',
] as const;

export type TraceFilterKey = (typeof TRACE_FILTER_KEYS)[number];
export type TraceFilters = Record<TraceFilterKey, string>;

/**
 * Reads the filters from search params; `status` accepts only what the API does (ok, error), `fault`
 * only a root-cause layer.
 */
export function readTraceFilters(params: URLSearchParams): TraceFilters {
  const out = {} as TraceFilters;
  for (const key of TRACE_FILTER_KEYS) out[key] = (params.get(key) ?? '').trim();
  if (out.status !== 'ok' && out.status !== 'error') out.status = '';
  out.fault = toFaultLayer(out.fault) ?? '';
  if (out.minDurationMs !== '' && !(Number(out.minDurationMs) >= 0)) out.minDurationMs = '';
  if (out.limit !== '' && !(Number.isInteger(Number(out.limit)) && Number(out.limit) > 0)) out.limit = '';
  return out;
}

/** Writes the filters into a copy of the params, leaving out empty ones so links stay short. */
export function writeTraceFilters(params: URLSearchParams, filters: TraceFilters): URLSearchParams {
  const next = new URLSearchParams(params);
  for (const key of TRACE_FILTER_KEYS) {
    const v = filters[key].trim();
    if (v) next.set(key, v);
    else next.delete(key);
  }
  return next;
}

// ── attribute search: repeatable `attr=key=value` ────────────────────────────────────────────────────

/** Reads a typed attribute filter: `key=value`, split at the first `=`, neither side empty. */
export function parseAttributeFilter(
  input: string,
): { ok: true; value: string } | { ok: false; error: string } {
  const text = input.trim();
  const eq = text.indexOf('=');
  if (eq <= 0 || eq === text.length - 1) {
    return { ok: false, error: 'Write an attribute as key=value, e.g. mcp.session.id=abc123.' };
  }
  const key = text.slice(0, eq).trim();
  const value = text.slice(eq + 1).trim();
  if (!key || !value)
    return { ok: false, error: 'Write an attribute as key=value, e.g. mcp.session.id=abc123.' };
  return { ok: true, value: `${key}=${value}` };
}

/** The attribute filters of the URL that are well formed, in order, without repeats. */
export function readAttributeFilters(params: URLSearchParams): string[] {
  const out: string[] = [];
  for (const raw of params.getAll('attr')) {
    const p = parseAttributeFilter(raw);
    if (p.ok && !out.includes(p.value)) out.push(p.value);
  }
  return out;
}

export function writeAttributeFilters(params: URLSearchParams, attrs: readonly string[]): URLSearchParams {
  const next = new URLSearchParams(params);
  next.delete('attr');
  for (const a of attrs) next.append('attr', a);
  return next;
}

// ── order and paging ────────────────────────────────────────────────────────────────────────────────

export type TraceSortKey = 'start' | 'duration' | 'spans';
export interface TraceSort {
  key: TraceSortKey;
  order: 'asc' | 'desc';
}

/** `?sort=duration&order=asc`; by default newest first. */
export function readTraceSort(params: URLSearchParams): TraceSort {
  const s = params.get('sort');
  const key: TraceSortKey = s === 'duration' || s === 'spans' ? s : 'start';
  return { key, order: params.get('order') === 'asc' ? 'asc' : 'desc' };
}

/** A click on a column: the same column turns its order around, another starts from its largest. */
export function toggleTraceSort(current: TraceSort, key: TraceSortKey): TraceSort {
  if (current.key === key) return { key, order: current.order === 'desc' ? 'asc' : 'desc' };
  return { key, order: 'desc' };
}

/** Writes the order into a copy of the params, leaving the default out; a new order starts at page one. */
export function writeTraceSort(params: URLSearchParams, sort: TraceSort): URLSearchParams {
  const next = new URLSearchParams(params);
  if (sort.key === 'start') next.delete('sort');
  else next.set('sort', sort.key);
  if (sort.order === 'desc') next.delete('order');
  else next.set('order', sort.order);
  next.delete('limit');
  return next;
}

/** The API parameters of an order (nothing for the default). */
export function traceSortParams(sort: TraceSort): Record<string, string> {
  return {
    ...(sort.key !== 'start' ? { sort: sort.key } : {}),
    ...(sort.order !== 'desc' ? { order: sort.order } : {}),
  };
}

/** Traces per page, and the most one list shows (the API's limit). */
export const TRACE_PAGE = 50;
export const MAX_TRACE_LIST = 1000;

/** The `limit` after "load more": one page more, at most {@link MAX_TRACE_LIST}. */
export function nextTraceLimit(shown: number): number {
  return Math.min(MAX_TRACE_LIST, Math.max(TRACE_PAGE, shown) + TRACE_PAGE);
}

const ORDER_WORDS: Record<TraceSortKey, Record<TraceSort['order'], string>> = {
  start: { desc: 'newest first', asc: 'oldest first' },
  duration: { desc: 'slowest first', asc: 'fastest first' },
  spans: { desc: 'most spans first', asc: 'fewest spans first' },
};

/** "Showing 50 of 237 traces, slowest first". */
export function traceCountText(shown: number, total: number, sort: TraceSort): string {
  const noun = total === 1 ? 'trace' : 'traces';
  const head = shown >= total ? `${total} ${noun}` : `Showing ${shown} of ${total} ${noun}`;
  return `${head}, ${ORDER_WORDS[sort.key][sort.order]}`;
}
