/**
 * One span as a row of the `otel_traces`-compatible table, in the shape `@clickhouse/client` inserts
 * with `format: 'JSONEachRow'`. The receiver decodes OTLP straight into these; storage writes them.
 *
 * Column names and value spellings are those of the OpenTelemetry Collector's ClickHouse exporter
 * (SpanKind 'Client', StatusCode 'Error', …) so that tools reading its `otel_traces` table read ours.
 * 64-bit values (timestamps and durations in nanoseconds) are decimal strings: chdb refuses integers
 * beyond 2^53 given as JS numbers, and strings lose no precision.
 */
export type SpanKindName = 'Unspecified' | 'Internal' | 'Server' | 'Client' | 'Producer' | 'Consumer';
export type StatusCodeName = 'Unset' | 'Ok' | 'Error';

export interface SpanRow {
  /** Start time, unix nanoseconds as a decimal string. */
  Timestamp: string;
  /** 32 lowercase hex characters. */
  TraceId: string;
  /** 16 lowercase hex characters. */
  SpanId: string;
  /** 16 lowercase hex characters, or '' for a root span. */
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: SpanKindName;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  /** Attribute values flattened to strings (arrays and maps as JSON). */
  SpanAttributes: Record<string, string>;
  /** End minus start, nanoseconds as a decimal string. */
  Duration: string;
  StatusCode: StatusCodeName;
  StatusMessage: string;
  'Events.Timestamp': string[];
  'Events.Name': string[];
  'Events.Attributes': Record<string, string>[];
  'Links.TraceId': string[];
  'Links.SpanId': string[];
  'Links.TraceState': string[];
  'Links.Attributes': Record<string, string>[];
}

/** A span the receiver refused, with the reason (reported in OTLP `partial_success`). */
export interface RejectedSpan {
  reason: RejectReason;
  message: string;
}

export type RejectReason =
  | 'invalid_trace_id'
  | 'invalid_span_id'
  | 'invalid_parent_span_id'
  | 'missing_name'
  | 'end_before_start'
  | 'missing_timestamps'
  | 'invalid_timestamp'
  | 'too_deep'
  | 'expired'
  | 'too_large';

/** What the receiver hands to the pipeline for one request. */
export interface DecodedRequest {
  rows: SpanRow[];
  rejected: RejectedSpan[];
  /** Approximate size of the rows in bytes (for queue accounting). */
  bytes: number;
}

/** The storage the pipeline writes to. Implemented by `storage/`; `insert` resolves after commit. */
export interface SpanStore {
  /**
   * Writes the rows (and what is derived from them: payloads, tool definitions). Resolves when
   * committed. `token` names the write: inserting the same rows again with the same token (a retry)
   * stores nothing twice.
   */
  insert(rows: SpanRow[], token?: string): Promise<void>;
}
