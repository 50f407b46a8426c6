/**
 * Typed, already-validated inputs of the read queries. The API layer parses request parameters into
 * these; queries bind every value as a ClickHouse query parameter.
 */
import type { OverviewSourceRequest } from '../../model/overviewSource.js';

/** A half-open time window [from, to). */
export interface TimeWindow {
  from: Date;
  to: Date;
}

/** Exact-match filters on the MCP columns; an absent field does not filter. */
export interface McpFilter {
  service?: string;
  server?: string;
  tool?: string;
  method?: string;
  layer?: string;
}

/**
 * `/traces`: a trace is listed when it has a span in the window matching every MCP filter and
 * `minDurationMs` (span-level, as in Jaeger: `tool=x&minDurationMs=500` finds traces with a call of x
 * that took at least 500 ms).
 */
export interface TraceFilter extends TimeWindow, McpFilter {
  /** Trace-level: 'error' when any span of the trace failed, 'ok' when none did. */
  status?: 'ok' | 'error';
  /** Trace-level: a failed call of the trace has this root-cause layer. */
  fault?: string;
  minDurationMs?: number;
  /**
   * Span or resource attributes that one span must all carry, exact match, as [key, value] pairs (a
   * span matches `k=v` when its own attributes or its process's resource attributes have it).
   */
  attributes?: [string, string][];
  /** Order of the list: trace start (default), trace duration or span count. */
  sort?: TraceSort;
  /** Default 'desc': newest, slowest or largest first. */
  order?: 'asc' | 'desc';
  /** Maximum traces returned. */
  limit: number;
  /** Traces skipped in that order, for paging. Default 0. */
  offset?: number;
}

/** The orders `/traces` offers (a whitelist: the API refuses anything else). */
export const TRACE_SORTS = ['start', 'duration', 'spans'] as const;
export type TraceSort = (typeof TRACE_SORTS)[number];

export interface OverviewFilter extends TimeWindow, Pick<McpFilter, 'service' | 'server' | 'tool' | 'layer'> {
  /** 'previous': also the series and totals of the window of the same length just before. */
  compare?: 'previous';
  /** The spans, the operation histograms, or (default 'auto') whichever model/overviewSource.ts picks. */
  source?: OverviewSourceRequest;
}
export type ToolsFilter = TimeWindow & McpFilter;
export interface ErrorsFilter extends TimeWindow, McpFilter {
  /** Root-cause layer of the failed calls. */
  fault?: string;
  limit: number;
}
export interface ToolChangesFilter {
  /** Server name or full server identity (`name@host:port`, `name (command)`). */
  server?: string;
}

/** `/metrics`: the metrics that have points in the window. */
export interface MetricsFilter extends TimeWindow {
  /** `service.name` of the senders. */
  service?: string;
}

/** `/metrics/histogram`: one explicit-bucket histogram metric's points in the window. */
export interface MetricHistogramFilter extends TimeWindow {
  /** The metric's name, e.g. `mcp.client.operation.duration`. */
  name: string;
  service?: string;
  /** Point attributes that must all match exactly, as [key, value] pairs. */
  attributes: [string, string][];
}
