/**
 * One OTLP metric data point as a row of the OpenTelemetry Collector ClickHouse exporter's metrics
 * tables (`otel_metrics_gauge`, `_sum`, `_histogram`, `_exponential_histogram`, `_summary`): the same
 * column names and value spellings, so tools reading the exporter's tables read ours. `kind` says which
 * table; it is not a column.
 *
 * 64-bit values are decimal strings, as in span rows (storage/rows.ts): times in unix nanoseconds,
 * 19 digits (see receiver/nanos.ts `storedTime`), and the UInt64 counts. Doubles are JS numbers;
 * non-finite ones are written as ClickHouse spells them (see storage/metricWriter.ts).
 */
import type { RejectReason } from './rows.js';

/** The exporter's columns common to every metric table. */
export interface MetricRowBase {
  ResourceAttributes: Record<string, string>;
  ResourceSchemaUrl: string;
  ScopeName: string;
  ScopeVersion: string;
  ScopeAttributes: Record<string, string>;
  ScopeDroppedAttrCount: number;
  ScopeSchemaUrl: string;
  ServiceName: string;
  MetricName: string;
  MetricDescription: string;
  MetricUnit: string;
  /** The data point's attributes, flattened to strings like span attributes. */
  Attributes: Record<string, string>;
  /** Unix nanoseconds, 19 digits; '0000000000000000000' when the sender gave none (gauges). */
  StartTimeUnix: string;
  /** Unix nanoseconds, 19 digits. */
  TimeUnix: string;
  /** `DataPointFlags` bits (bit 0: no recorded value). */
  Flags: number;
}

/** Exemplars of a point, as the exporter's `Exemplars` Nested columns (gauge, sum, both histograms). */
export interface ExemplarColumns {
  'Exemplars.FilteredAttributes': Record<string, string>[];
  'Exemplars.TimeUnix': string[];
  'Exemplars.Value': number[];
  /** 16 lowercase hex characters, or '' when the exemplar names no span. */
  'Exemplars.SpanId': string[];
  /** 32 lowercase hex characters, or ''. */
  'Exemplars.TraceId': string[];
}

/** `AggregationTemporality` as its enum number: 0 unspecified, 1 delta, 2 cumulative. */
export type Temporality = number;

export interface GaugePoint extends MetricRowBase, ExemplarColumns {
  kind: 'gauge';
  Value: number;
}

export interface SumPoint extends MetricRowBase, ExemplarColumns {
  kind: 'sum';
  Value: number;
  AggregationTemporality: Temporality;
  IsMonotonic: boolean;
}

export interface HistogramPoint extends MetricRowBase, ExemplarColumns {
  kind: 'histogram';
  /** UInt64 as a decimal string. */
  Count: string;
  /** 0 when the sender gave none (the exporter's convention; the column is not Nullable). */
  Sum: number;
  /** UInt64s as decimal strings: `ExplicitBounds.length + 1` of them, or none. */
  BucketCounts: string[];
  ExplicitBounds: number[];
  Min: number;
  Max: number;
  AggregationTemporality: Temporality;
}

export interface ExponentialHistogramPoint extends MetricRowBase, ExemplarColumns {
  kind: 'exponential_histogram';
  Count: string;
  Sum: number;
  Scale: number;
  ZeroCount: string;
  PositiveOffset: number;
  PositiveBucketCounts: string[];
  NegativeOffset: number;
  NegativeBucketCounts: string[];
  Min: number;
  Max: number;
  AggregationTemporality: Temporality;
}

export interface SummaryPoint extends MetricRowBase {
  kind: 'summary';
  Count: string;
  Sum: number;
  'ValueAtQuantiles.Quantile': number[];
  'ValueAtQuantiles.Value': number[];
}

/** One data point, of any of the five metric types. */
export type MetricPoint = GaugePoint | SumPoint | HistogramPoint | ExponentialHistogramPoint | SummaryPoint;

export type MetricKind = MetricPoint['kind'];

/** Why a data point was refused: the span reasons that apply to points too, and the points' own. */
export type PointRejectReason =
  | RejectReason
  /** A number point with neither `as_double` nor `as_int` (and no "no recorded value" flag). */
  | 'missing_value'
  /** Bucket counts that do not fit the bounds, bounds out of order, counts that do not add up. */
  | 'invalid_buckets'
  /** A summary quantile outside [0, 1]. */
  | 'invalid_quantile';

/** A data point the receiver refused, with the reason (reported in OTLP `partial_success`). */
export interface RejectedPoint {
  reason: PointRejectReason;
  message: string;
}

/** What the receiver hands to the pipeline for one metrics export request. */
export interface DecodedMetrics {
  rows: MetricPoint[];
  rejected: RejectedPoint[];
  /** Approximate size of the rows in bytes (for queue accounting). */
  bytes: number;
}

/** Where the metrics pipeline writes. `insert` resolves after commit; see `SpanStore.insert` on `token`. */
export interface MetricStore {
  insertMetrics(rows: MetricPoint[], token?: string): Promise<void>;
}
