/**
 * Response shapes of the collector's query API (`GET /api/*`). The dashboard imports these types, so the
 * two cannot drift. Times are ISO-8601 strings unless named `*UnixNano` (decimal string) or `*Ms`.
 */
import type { HistogramLayer, OverviewSourceRequest, SourceReason } from '../model/overviewSource.js';
import type { RootCause, VerdictSpan } from '../model/rootCause.js';
import type { ApprovalStatus } from '../model/toolApproval.js';

export type { ApprovalStatus } from '../model/toolApproval.js';

/** Common query parameters: `from`/`to` accept ISO-8601 or unix milliseconds; default the last hour. */
export interface TimeRange {
  from: string;
  to: string;
}

/**
 * `GET /api/traces?service=&server=&tool=&method=&status=&fault=&minDurationMs=&attr=key=value&from=&to=
 * &sort=start|duration|spans&order=asc|desc&limit=&offset=`
 */
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
  /** Traces matching the filters in the window, of which `traces` is one page. */
  total: number;
  /** Traces skipped before this page (the `offset` asked for). */
  offset: number;
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

/** One point of a series: a bucket of whole minutes (see `bucketSeconds` beside it). */
export interface SeriesPoint {
  /** ISO-8601 start of the bucket. */
  t: string;
  count: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/**
 * `GET /api/overview?from=&to=&service=&server=&tool=&layer=&compare=previous&source=auto|spans|metrics` —
 * read from the per-minute rollup (never the raw table), or from the MCP operation histograms where
 * traces are sampled (see `source`).
 */
export interface OverviewResponse {
  range: TimeRange;
  /**
   * Width of a `series` bucket in seconds: a minute up to 6 hours, then coarser so a chart holds at most
   * a few hundred points (5 minutes on 24 hours, an hour on 7 days). Buckets start at multiples of it
   * since the Unix epoch; the first and last may be cut by the window.
   */
  bucketSeconds: number;
  /**
   * The layer `totals` and `series` count (one call has a span per instrumented layer): the `layer`
   * parameter, else 'client' when present, else 'server', else spans without a layer. `servers` lists
   * every layer unless `layer` is given. Read from the histograms, it is the side whose histogram counts
   * (client or server).
   */
  layer?: string;
  totals: { count: number; errors: number; errorRate: number; p50Ms: number; p95Ms: number; p99Ms: number };
  series: SeriesPoint[];
  servers: ToolStats[];
  /** Width of a bucket of the rows' `trend`, in seconds (a few dozen buckets over the window). */
  trendBucketSeconds: number;
  /** Failed calls in the window by root-cause layer, each call counted once (largest first). */
  rootCauses: { layer: string; count: number }[];
  /**
   * With `compare=previous`: the window of the same length just before, counted at the same layer and
   * in buckets of the same width, for an overlay.
   */
  previous?: {
    range: TimeRange;
    totals: OverviewResponse['totals'];
    series: SeriesPoint[];
  };
  /**
   * Which source `totals`, `series`, `servers` and `previous` come from, and why. `rootCauses` always
   * come from the spans: under sampling they count the sampled calls only.
   */
  source: OverviewSource;
}

/**
 * `?source=auto|spans|metrics` of `/overview`: the spans (exact, with root causes) or the MCP operation
 * histograms (every call, even where traces are sampled). `auto`, the default, takes the histograms
 * when they count clearly more calls than the spans at the same layer (collector/src/model/
 * overviewSource.ts).
 */
export interface OverviewSource {
  used: 'spans' | 'metrics';
  requested: OverviewSourceRequest;
  reason: SourceReason;
  /** The layer whose span and histogram counts were compared, when one has both kinds. */
  comparedLayer?: HistogramLayer;
  /** Calls the spans count (at `comparedLayer`, else at the layer they count). */
  spanCalls: number;
  /** Calls the operation histograms count at `comparedLayer`. */
  metricCalls: number;
  /** `spanCalls / metricCalls` when the counts say traces are sampled (0.1: one call in ten traced). */
  sampledRatio?: number;
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
  /**
   * Calls and failed calls per bucket of the window, oldest first (`/overview` only, its
   * `trendBucketSeconds` wide), for a sparkline in the row.
   */
  trend?: { calls: number[]; errors: number[] };
}

/** `GET /api/tools?from=&to=&server=&tool=` — list, and with `tool=` also the detail fields. */
export interface ToolsResponse {
  range: TimeRange;
  /**
   * Always the spans: the tool view is where a call's evidence is (errors by root cause, example
   * traces), and those exist only for traced calls. Where traces are sampled its counts are the
   * sampled calls; `/overview` says how sampled (`source.sampledRatio`) and counts every call.
   */
  source: 'spans';
  tools: ToolStats[];
  /** Present when a single tool is selected. */
  detail?: {
    /** The layer `series` and `histogram` count (see {@link OverviewResponse.layer}). */
    layer?: string;
    /** Width of a `series` bucket in seconds (as {@link OverviewResponse.bucketSeconds}). */
    bucketSeconds: number;
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
  /** Injection heuristics that match this definition (in `current`), e.g. 'injection:exfiltration'. */
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
  /**
   * The tool after the change against the approved set in force when the change was first seen (absent
   * when the server had no approval then). Anything but `match` also adds the flag `unapproved`, so
   * A (approved) → B → C flags C even when B → C alone looks harmless.
   */
  approval?: { id: string; approvedAt: string; status: ApprovalStatus };
}
/** `GET /api/info`: what the collector says of itself to the dashboard. */
export interface InfoResponse {
  /** The command that starts the demo where this collector runs (`npm run demo` in a clone). */
  demoCommand: string;
}

export interface ToolChangesResponse {
  changes: ToolChange[];
  current: ToolDefinitionVersion[];
  /** Each server's current set and how it stands against its approved set. */
  servers: ToolServerView[];
}

/**
 * An approved tool set: `POST /api/tool-pins/:server/approve` answers it, `/api/tool-changes` shows the
 * latest per server, and `GET /api/tool-pins/:server` serves it as a pin file.
 */
export interface ToolApprovalView {
  id: string;
  /** The server identity the set was approved for. */
  server: string;
  serverName: string;
  /** The server version reported with the approved set ('' when unknown). */
  serverVersion: string;
  /** Fingerprint of the approved set (SHA-256 over its sorted definitions, as the SDK computes it). */
  setFingerprint: string;
  approvedAt: string;
  /** Who approved, as they said (the read token names nobody); absent when not given. */
  approvedBy?: string;
  note?: string;
  /** The approved tools and their fingerprints, by name. */
  tools: { name: string; sha256: string }[];
  /** Where the set is served as a pin file: `/api/tool-pins/<URL-encoded identity>`. */
  pinPath: string;
}

/** One tool of a server against its approved set. */
export interface ToolStanding {
  tool: string;
  status: ApprovalStatus;
  /** The fingerprint listed now; absent when `missing`. */
  fingerprint?: string;
  /** The fingerprint approved; absent when `unpinned`. */
  approvedFingerprint?: string;
}

/** A server in `/api/tool-changes`: its current tool set and its approved set. */
export interface ToolServerView {
  server: string;
  serverName: string;
  /** Server version of the latest sighting. */
  serverVersion: string;
  /** Fingerprint of the set listed last: send it with an approval to approve exactly this set. */
  setFingerprint: string;
  toolCount: number;
  lastSeen: string;
  /** Where its approved set is (or will be) served as a pin file. */
  pinPath: string;
  /** The latest approval; null when the server has none. */
  approval: ToolApprovalView | null;
  /**
   * `approved`: the current set is the approved one; `drift`: it departs from it (see `tools`);
   * `unapproved`: nothing approved yet.
   */
  status: 'approved' | 'drift' | 'unapproved';
  /** Each current or approved tool's standing, by name; empty without an approval. */
  tools: ToolStanding[];
}

/** The five OTLP metric types, each stored in its own `otel_metrics_*` table. */
export type MetricType = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

/** `GET /api/metrics?from=&to=&service=`: one metric that has points in the window. */
export interface MetricInfo {
  name: string;
  type: MetricType;
  /** UCUM unit as sent, e.g. `s`. */
  unit: string;
  description: string;
  /** `service.name` of every sender of the metric in the window. */
  services: string[];
  /** Distinct series (resource and point attributes) in the window. */
  series: number;
  /** Data points stored in the window. */
  points: number;
  /** ISO-8601 time of the latest point. */
  lastSeen: string;
}
export interface MetricsResponse {
  metrics: MetricInfo[];
}

/**
 * Observations of a histogram over a stretch of time. Quantiles are estimated from the bucket counts
 * (Prometheus's `histogram_quantile`), in the metric's unit; `null` when there is nothing to estimate
 * from (no observations, or points without buckets).
 */
export interface HistogramStats {
  count: number;
  /** Sum of the observed values, in the metric's unit. */
  sum: number;
  /** Observations whose point attributes carry an `error.type` (failed MCP calls). */
  errors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** One minute of a histogram: the observations made in it (cumulative points are turned into deltas). */
export interface HistogramMinute extends HistogramStats {
  /** ISO-8601 start of the minute. */
  minute: string;
}

/**
 * `GET /api/metrics/histogram?name=&from=&to=&service=&method=&tool=&attribute=key=value`: an
 * explicit-bucket histogram's observations per minute and over the whole window.
 */
export interface MetricHistogramResponse {
  name: string;
  unit: string;
  description: string;
  /** Distinct series matching the filters in the window. */
  series: number;
  total: HistogramStats;
  points: HistogramMinute[];
}
