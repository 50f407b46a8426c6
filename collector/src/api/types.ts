/**
 * Response shapes of the collector's query API (`GET /api/*`). The dashboard imports these types, so the
 * two cannot drift. Times are ISO-8601 strings unless named `*UnixNano` (decimal string) or `*Ms`.
 */
import type { RootCause, VerdictSpan } from '../model/rootCause.js';

/** Common query parameters: `from`/`to` accept ISO-8601 or unix milliseconds; default the last hour. */
export interface TimeRange {
  from: string;
  to: string;
}

/** `GET /api/traces?service=&server=&tool=&method=&status=&fault=&minDurationMs=&from=&to=&limit=` */
export interface TraceSummary {
  traceId: string;
  rootName: string;
  service: string;
  /** ISO-8601 start of the earliest span. */
  startTime: string;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  /**
   * The root-cause layer of the trace's first failed MCP call (see {@link RootCauseView}); absent when
   * no call failed, or while the verdict of a trace that just arrived is still being decided.
   */
  rootCauseLayer?: string;
}
export interface TracesResponse {
  traces: TraceSummary[];
}

/** `GET /api/traces/:traceId` */
/** One span: what the root-cause model reads of it (ids, name, kind, times, status, attributes), and more. */
export interface SpanView extends VerdictSpan {
  traceId: string;
  /** Resource attributes of the process that emitted the span (service.version, host.name, …). */
  resourceAttributes?: Record<string, string>;
  /** Instrumentation scope that created the span. */
  scope?: { name: string; version: string };
  events: { timeUnixNano: string; name: string; attributes: Record<string, string> }[];
  links: { traceId: string; spanId: string; traceState: string; attributes: Record<string, string> }[];
  /** Captured arguments/results kept outside the attribute map (present only when captured). */
  payloads?: { name: string; value: string; originalSize: number; truncated: boolean }[];
}
/**
 * The verdict on one failed MCP call, decided by the collector from every span of the trace (client,
 * transport, server, proxy, and the handler's own downstream spans): the root-cause model's own shape
 * (collector/src/model/rootCause.ts), so the two cannot drift.
 */
export type RootCauseView = RootCause;

export interface TraceResponse {
  traceId: string;
  spans: SpanView[];
  /** The first failed call's verdict, `null` when no MCP call of the trace failed. */
  rootCause: RootCauseView | null;
  /** One verdict per failed call, in start order. */
  rootCauses: RootCauseView[];
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
  /** Failed calls in the window by root-cause layer, each call counted once (largest first). */
  rootCauses: { layer: string; count: number }[];
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
    /** Failed calls of the tool by root cause (`fault` is the root-cause layer), each counted once. */
    errorsByType: { errorType: string; fault: string; count: number }[];
    exampleTraces: TraceSummary[];
  };
}

/**
 * `GET /api/errors?from=&to=&service=&server=&tool=&method=&fault=` — failed calls grouped by server,
 * tool, root-cause layer, `error.type` and message template; each failed call counted once, by its
 * root cause (a downstream failure is part of the call it broke, not a group of its own).
 */
export interface ErrorGroup {
  server: string;
  method: string;
  tool: string;
  errorType: string;
  /** Root-cause layer: caller, client, transport, server, tool, downstream. */
  fault: string;
  /** The message with ids, numbers, UUIDs, hex, e-mails and URLs' variable parts masked. */
  template: string;
  /** The latest message of the group, as it was. */
  message: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  exampleTraceId: string;
  /** The span that explains the example's failure (select it on the trace page). */
  exampleSpanId: string;
  /** Failed calls per bucket of the window ({@link ErrorsResponse.bucketSeconds} each), oldest first. */
  sparkline: number[];
  /** The group's first failure ever (within retention) is inside the window. */
  isNew: boolean;
  /** Layers (mcpscope.layer) the calls had spans on, e.g. ['client', 'server', 'transport']. */
  layers?: string[];
}
export interface ErrorsResponse {
  range: TimeRange;
  /** Width of a sparkline bucket. */
  bucketSeconds: number;
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
/** `GET /api/info`: what the collector says of itself to the dashboard. */
export interface InfoResponse {
  /** The command that starts the demo where this collector runs (`npm run demo` in a clone). */
  demoCommand: string;
}

export interface ToolChangesResponse {
  changes: ToolChange[];
  current: ToolDefinitionVersion[];
}
