/**
 * Response shapes of the collector's query API (`GET /api/*`). The dashboard imports these types, so the
 * two cannot drift. Times are ISO-8601 strings unless named `*UnixNano` (decimal string) or `*Ms`.
 */

/** Common query parameters: `from`/`to` accept ISO-8601 or unix milliseconds; default the last hour. */
export interface TimeRange {
  from: string;
  to: string;
}

/** `GET /api/traces?service=&server=&tool=&method=&status=&minDurationMs=&from=&to=&limit=` */
export interface TraceSummary {
  traceId: string;
  rootName: string;
  service: string;
  /** ISO-8601 start of the earliest span. */
  startTime: string;
  durationMs: number;
  spanCount: number;
  errorCount: number;
}
export interface TracesResponse {
  traces: TraceSummary[];
}

/** `GET /api/traces/:traceId` */
export interface SpanView {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** 'Client' | 'Server' | 'Internal' | … */
  kind: string;
  service: string;
  startTimeUnixNano: string;
  durationNs: string;
  /** 'Unset' | 'Ok' | 'Error' */
  statusCode: string;
  statusMessage: string;
  attributes: Record<string, string>;
  /** Resource attributes of the process that emitted the span (service.version, host.name, …). */
  resourceAttributes?: Record<string, string>;
  /** Instrumentation scope that created the span. */
  scope?: { name: string; version: string };
  events: { timeUnixNano: string; name: string; attributes: Record<string, string> }[];
  links: { traceId: string; spanId: string; traceState: string; attributes: Record<string, string> }[];
  /** Captured arguments/results kept outside the attribute map (present only when captured). */
  payloads?: { name: string; value: string; originalSize: number; truncated: boolean }[];
}
export interface TraceResponse {
  traceId: string;
  spans: SpanView[];
}

/** One point of a per-minute series. */
export interface SeriesPoint {
  /** ISO-8601 minute start. */
  t: string;
  count: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** `GET /api/overview?from=&to=&service=&server=` — read from the per-minute rollup, never the raw table. */
export interface OverviewResponse {
  range: TimeRange;
  /**
   * The layer `totals` and `series` count (one call has a span per instrumented layer): the `layer`
   * parameter, else 'client' when present, else 'server', else spans without a layer. `servers` lists
   * every layer unless `layer` is given.
   */
  layer?: string;
  totals: { count: number; errors: number; errorRate: number; p50Ms: number; p95Ms: number; p99Ms: number };
  series: SeriesPoint[];
  servers: ToolStats[];
}

/** Per (server, tool, method, layer) aggregate. */
export interface ToolStats {
  service: string;
  server: string;
  method: string;
  tool: string;
  layer: string;
  count: number;
  errors: number;
  errorRate: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** `GET /api/tools?from=&to=&server=&tool=` — list, and with `tool=` also the detail fields. */
export interface ToolsResponse {
  range: TimeRange;
  tools: ToolStats[];
  /** Present when a single tool is selected. */
  detail?: {
    /** The layer `series` and `histogram` count (see {@link OverviewResponse.layer}). */
    layer?: string;
    series: SeriesPoint[];
    /** Latency histogram buckets: upper bound in ms and count; the last, open bucket has leMs -1. */
    histogram: { leMs: number; count: number }[];
    errorsByType: { errorType: string; fault: string; count: number }[];
    exampleTraces: TraceSummary[];
  };
}

/** `GET /api/errors?from=&to=&server=&tool=` — failed calls grouped. */
export interface ErrorGroup {
  server: string;
  method: string;
  tool: string;
  errorType: string;
  /** Layer the failure is attributed to: caller, client, transport, server, tool, downstream. */
  fault: string;
  message: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  exampleTraceId: string;
  /** Layers (mcpscope.layer) whose spans recorded this failure, e.g. ['client', 'server']. */
  layers?: string[];
}
export interface ErrorsResponse {
  range: TimeRange;
  errors: ErrorGroup[];
}

/** `GET /api/tool-changes?server=` — tool-definition history and the flags on each change. */
export interface ToolDefinitionVersion {
  server: string;
  serverVersion: string;
  tool: string;
  fingerprint: string;
  /** Canonical JSON of the full tool definition. */
  definition: string;
  firstSeen: string;
  lastSeen: string;
  /** Injection heuristics that match this definition (in `current`), e.g. 'injection:url'. */
  flags?: string[];
  /** What each heuristic matched, for the reviewer. */
  findings?: { flag: string; evidence: string }[];
}
export interface ToolChange {
  server: string;
  tool: string;
  kind: 'added' | 'removed' | 'changed';
  at: string;
  before?: ToolDefinitionVersion;
  after?: ToolDefinitionVersion;
  /** e.g. 'no_version_bump', 'mid_session', 'injection:override_phrase', 'injection:zero_width', … */
  flags: string[];
  /** What each injection heuristic matched in `after`, for the reviewer. */
  findings?: { flag: string; evidence: string }[];
}
export interface ToolChangesResponse {
  changes: ToolChange[];
  current: ToolDefinitionVersion[];
}
