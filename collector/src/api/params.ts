/**
 * Parses and validates query-string parameters of the API into the storage filters. A bad parameter is
 * a 400 with a message naming it; nothing unvalidated reaches a query (and every value is bound as a
 * query parameter there anyway).
 */
import type {
  ErrorsFilter,
  MetricHistogramFilter,
  MetricsFilter,
  OverviewFilter,
  ToolChangesFilter,
  ToolsFilter,
  TraceFilter,
} from '../storage/queries/filters.js';
import { TRACE_SORTS, type TraceSort } from '../storage/queries/filters.js';
import { FAULT_LAYERS } from '@mcpscope/sdk/semconv';
import { isHistogramLayer, OVERVIEW_SOURCE_REQUESTS } from '../model/overviewSource.js';

/** Thrown for a request the API refuses; the router turns it into a 400 `{ error }`. */
export class BadRequestError extends Error {
  readonly status = 400;
  /** The message is written for the caller and is sent (the http-errors convention). */
  readonly expose = true;
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

export type Query = Record<string, unknown>;

/** Default window when `from`/`to` are absent: the last hour (DESIGN.md). */
export const DEFAULT_WINDOW_MS = 60 * 60 * 1000;
/** Longest window a request may ask for: retention is 30 days by default, allow a little more. */
export const MAX_WINDOW_MS = 400 * 24 * 60 * 60 * 1000;
export const DEFAULT_TRACE_LIMIT = 50;
export const MAX_TRACE_LIMIT = 1000;
export const DEFAULT_ERRORS_LIMIT = 200;
export const MAX_ERRORS_LIMIT = 1000;
/** Longest accepted filter value: names and methods are short; this only stops abuse. */
const MAX_FILTER_LENGTH = 512;
/**
 * Times a request may name: from the Unix epoch to 2100-01-01. Storage keeps span times as Int64
 * nanoseconds (to 2262) and rollup minutes as DateTime (UInt32 seconds, to 2106): a time outside
 * would fail inside ClickHouse instead of here.
 */
export const MIN_TIME_MS = 0;
export const MAX_TIME_MS = Date.UTC(2100, 0, 1);
/**
 * Largest `minDurationMs`: 10^9 ms, about 11.6 days, longer than any call; beyond it the value in
 * nanoseconds stops being exact in a double and soon overflows the UInt64 `Duration` it is compared to.
 */
export const MAX_DURATION_MS = 1e9;

const TRACE_ID = /^[0-9a-f]{32}$/;
/** A plain decimal number (`12`, `12.5`, `1e3`): not `0x10`, `Infinity` or blank, which Number() also reads. */
const DECIMAL = /^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function single(q: Query, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new BadRequestError(`parameter "${name}" must be given once`);
  return v;
}

function text(q: Query, name: string): string | undefined {
  const v = single(q, name);
  if (v === undefined || v === '') return undefined;
  if (v.length > MAX_FILTER_LENGTH)
    throw new BadRequestError(`parameter "${name}" is longer than ${MAX_FILTER_LENGTH}`);
  return v;
}

/** ISO-8601 or unix milliseconds, from 1970 to 2100. */
function time(q: Query, name: string): Date | undefined {
  const v = single(q, name);
  if (v === undefined || v === '') return undefined;
  const d = /^\d+$/.test(v) ? new Date(Number(v)) : new Date(v);
  if (Number.isNaN(d.getTime())) {
    throw new BadRequestError(
      `parameter "${name}" must be an ISO-8601 time or unix milliseconds, got "${v.slice(0, 64)}"`,
    );
  }
  if (d.getTime() < MIN_TIME_MS || d.getTime() > MAX_TIME_MS) {
    throw new BadRequestError(
      `parameter "${name}" must be a time from ${RANGE_TEXT}, got "${v.slice(0, 64)}"`,
    );
  }
  return d;
}

const RANGE_TEXT = `${new Date(MIN_TIME_MS).toISOString()} to ${new Date(MAX_TIME_MS).toISOString()}`;

function integer(q: Query, name: string, min: number, max: number, dflt: number): number {
  const v = single(q, name);
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!/^-?\d+$/.test(v) || n < min || n > max) {
    throw new BadRequestError(
      `parameter "${name}" must be an integer from ${min} to ${max}, got "${v.slice(0, 64)}"`,
    );
  }
  return n;
}

function nonNegative(q: Query, name: string, max: number): number | undefined {
  const v = single(q, name);
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!DECIMAL.test(v) || !Number.isFinite(n) || n < 0 || n > max)
    throw new BadRequestError(
      `parameter "${name}" must be a number from 0 to ${max}, got "${v.slice(0, 64)}"`,
    );
  return n;
}

/** `from`/`to`: default the last hour; `from` must precede `to`. */
export function parseWindow(q: Query, now = Date.now()): { from: Date; to: Date } {
  const to = time(q, 'to') ?? new Date(now);
  const from = time(q, 'from') ?? new Date(to.getTime() - DEFAULT_WINDOW_MS);
  if (from.getTime() >= to.getTime()) throw new BadRequestError('parameter "from" must be before "to"');
  if (from.getTime() < MIN_TIME_MS) {
    throw new BadRequestError(
      `the time range must start at ${new Date(MIN_TIME_MS).toISOString()} or later; without "from" it starts an hour before "to"`,
    );
  }
  if (to.getTime() - from.getTime() > MAX_WINDOW_MS)
    throw new BadRequestError('the time range is longer than 400 days');
  return { from, to };
}

function mcp(q: Query) {
  return {
    service: text(q, 'service'),
    server: text(q, 'server'),
    tool: text(q, 'tool'),
    method: text(q, 'method'),
    layer: text(q, 'layer'),
  };
}

/** `fault`: a root-cause layer. */
function fault(q: Query): string | undefined {
  const value = text(q, 'fault');
  if (value !== undefined && !(FAULT_LAYERS as readonly string[]).includes(value)) {
    throw new BadRequestError(`parameter "fault" must be one of ${FAULT_LAYERS.join(', ')}, got "${value}"`);
  }
  return value;
}

export function parseTraceId(raw: string): string {
  const id = raw.toLowerCase();
  if (!TRACE_ID.test(id))
    throw new BadRequestError(`traceId must be 32 hex characters, got "${raw.slice(0, 64)}"`);
  if (/^0+$/.test(id)) throw new BadRequestError('traceId must not be all zeros');
  return id;
}

/** Deepest page of `/traces` (`offset`): paging further than this is a search to narrow. */
export const MAX_TRACE_OFFSET = 100_000;

/** One of `allowed`, or undefined when absent; anything else is a 400 that lists the choices. */
function oneOf<T extends string>(q: Query, name: string, allowed: readonly T[]): T | undefined {
  const value = text(q, name);
  if (value !== undefined && !(allowed as readonly string[]).includes(value)) {
    throw new BadRequestError(
      `parameter "${name}" must be one of ${allowed.join(', ')}, got "${value.slice(0, 64)}"`,
    );
  }
  return value as T | undefined;
}

/**
 * Repeatable `key=value` parameters (`attr=http.route=/a&attr=mcp.session.id=s1`), split at the first
 * `=`: the key must not be empty, nor the value (a missing map key reads as '' in ClickHouse, so an
 * empty value would match every span without the attribute).
 */
function keyValues(q: Query, name: string): [string, string][] {
  const raw = q[name];
  const given = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const out: [string, string][] = [];
  for (const a of given) {
    const eq = typeof a === 'string' ? a.indexOf('=') : -1;
    if (typeof a !== 'string' || eq <= 0 || eq === a.length - 1 || a.length > MAX_FILTER_LENGTH) {
      throw new BadRequestError(
        `parameter "${name}" must be key=value with neither empty (at most ${MAX_FILTER_LENGTH} characters), got "${String(a).slice(0, 64)}"`,
      );
    }
    out.push([a.slice(0, eq), a.slice(eq + 1)]);
  }
  if (out.length > MAX_ATTRIBUTE_FILTERS)
    throw new BadRequestError(`at most ${MAX_ATTRIBUTE_FILTERS} "${name}" filters may be given`);
  return out;
}

export function parseTraceFilter(q: Query): TraceFilter {
  const status = text(q, 'status');
  if (status !== undefined && status !== 'ok' && status !== 'error') {
    throw new BadRequestError(`parameter "status" must be "ok" or "error", got "${status}"`);
  }
  const attributes = keyValues(q, 'attr');
  const sort: TraceSort | undefined = oneOf(q, 'sort', TRACE_SORTS);
  const order = oneOf(q, 'order', ['asc', 'desc'] as const);
  return {
    ...parseWindow(q),
    ...mcp(q),
    status,
    fault: fault(q),
    minDurationMs: nonNegative(q, 'minDurationMs', MAX_DURATION_MS),
    ...(attributes.length > 0 ? { attributes } : {}),
    ...(sort ? { sort } : {}),
    ...(order ? { order } : {}),
    limit: integer(q, 'limit', 1, MAX_TRACE_LIMIT, DEFAULT_TRACE_LIMIT),
    offset: integer(q, 'offset', 0, MAX_TRACE_OFFSET, 0),
  };
}

/**
 * `/overview`: the window, `service`, `server`, `tool`, `layer`, `compare=previous` and
 * `source=auto|spans|metrics`; the histograms exist for the client and server layers only.
 */
export function parseOverviewFilter(q: Query): OverviewFilter {
  const { service, server, tool, layer } = mcp(q);
  const compare = oneOf(q, 'compare', ['previous'] as const);
  const source = oneOf(q, 'source', OVERVIEW_SOURCE_REQUESTS);
  if (source === 'metrics' && layer !== undefined && !isHistogramLayer(layer)) {
    throw new BadRequestError(
      `parameter "layer" must be client or server with source=metrics (only they have operation histograms), got "${layer.slice(0, 64)}"`,
    );
  }
  return {
    ...parseWindow(q),
    service,
    server,
    tool,
    layer,
    ...(compare ? { compare } : {}),
    ...(source ? { source } : {}),
  };
}

export function parseToolsFilter(q: Query): ToolsFilter {
  return { ...parseWindow(q), ...mcp(q) };
}

export function parseErrorsFilter(q: Query): ErrorsFilter {
  return {
    ...parseWindow(q),
    ...mcp(q),
    fault: fault(q),
    limit: integer(q, 'limit', 1, MAX_ERRORS_LIMIT, DEFAULT_ERRORS_LIMIT),
  };
}

export function parseToolChangesFilter(q: Query): ToolChangesFilter {
  return { server: text(q, 'server') };
}

export function parseMetricsFilter(q: Query): MetricsFilter {
  return { ...parseWindow(q), service: text(q, 'service') };
}

/** Most `attribute` filters one histogram request may carry. */
export const MAX_ATTRIBUTE_FILTERS = 16;

/**
 * `/metrics/histogram`: `name` (required), the window, `service`, and point attribute filters:
 * `method` (`mcp.method.name`), `tool` (`gen_ai.tool.name`) and any number of `attribute=key=value`.
 */
export function parseMetricHistogramFilter(q: Query): MetricHistogramFilter {
  const name = text(q, 'name');
  if (name === undefined)
    throw new BadRequestError('parameter "name" is required: the histogram metric\'s name');
  const attributes: [string, string][] = [];
  const method = text(q, 'method');
  if (method !== undefined) attributes.push(['mcp.method.name', method]);
  const tool = text(q, 'tool');
  if (tool !== undefined) attributes.push(['gen_ai.tool.name', tool]);
  const raw = q['attribute'];
  const given = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  for (const a of given) {
    const eq = typeof a === 'string' ? a.indexOf('=') : -1;
    if (typeof a !== 'string' || eq <= 0 || a.length > MAX_FILTER_LENGTH) {
      throw new BadRequestError(
        `parameter "attribute" must be key=value (at most ${MAX_FILTER_LENGTH} characters), got "${String(a).slice(0, 64)}"`,
      );
    }
    attributes.push([a.slice(0, eq), a.slice(eq + 1)]);
  }
  if (attributes.length > MAX_ATTRIBUTE_FILTERS)
    throw new BadRequestError(`at most ${MAX_ATTRIBUTE_FILTERS} attribute filters may be given`);
  return { ...parseWindow(q), name, service: text(q, 'service'), attributes };
}
