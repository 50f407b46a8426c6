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
