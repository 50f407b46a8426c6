/**
 * Typed, already-validated inputs of the read queries. The API layer parses request parameters into
 * these; queries bind every value as a ClickHouse query parameter.
 */

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
  /** Maximum traces returned, newest first. */
  limit: number;
}

export type OverviewFilter = TimeWindow & Pick<McpFilter, 'service' | 'server' | 'layer'>;
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
