import { carryRange } from './timeRange.js';

/**
 * Links between views. The URL is the state, so drilling down carries the time range along and every
 * filter is a search parameter.
 */

/** `-` stands for "no server name" in a path, which cannot hold an empty segment. */
export const NO_SERVER_SEGMENT = '-';

function withFilters(path: string, filters: Record<string, string>, current: URLSearchParams): string {
  const qs = carryRange(current);
  for (const [k, v] of Object.entries(filters)) if (v) qs.set(k, v);
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

export function toolHref(server: string, tool: string, current: URLSearchParams): string {
  const path = `/tools/${encodeURIComponent(server || NO_SERVER_SEGMENT)}/${encodeURIComponent(tool)}`;
  return withFilters(path, {}, current);
}

export function tracesHref(filters: Record<string, string>, current: URLSearchParams): string {
  return withFilters('/traces', filters, current);
}

export function errorsHref(filters: Record<string, string>, current: URLSearchParams): string {
  return withFilters('/errors', filters, current);
}

export function traceHref(traceId: string, spanId?: string): string {
  const path = `/traces/${encodeURIComponent(traceId)}`;
  return spanId ? `${path}?span=${encodeURIComponent(spanId)}` : path;
}
