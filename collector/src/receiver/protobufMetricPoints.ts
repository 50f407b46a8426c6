import {
  validateExponentialHistogram,
  validateHistogram,
  validateNumberValue,
  validatePointTimes,
  validateSummary,
} from '../pipeline/validatePoint.js';
import type { MetricPoint, RejectedPoint } from '../storage/metricRows.js';
import { SpanRejection } from './decodeError.js';
import { Exemplars, pointBase } from './metricRowBuilder.js';
import { timeOutOfRange } from './nanos.js';
import { OtlpProtobufReader } from './protobufReader.js';

// Wire tags, (field number << 3) | wire type, of the data point messages of opentelemetry-proto's
// metrics/v1/metrics.proto. Wire types: 0 varint, 1 fixed64, 2 length-delimited. Repeated scalars may
// come packed (one length-delimited field) or one by one, and both are read. A known field with
// another wire type is skipped like an unknown field.
// Fields every point type numbers alike.
const T_POINT_START = (2 << 3) | 1;
const T_POINT_TIME = (3 << 3) | 1;
const T_POINT_COUNT = (4 << 3) | 1;
const T_POINT_SUM = (5 << 3) | 1;
// NumberDataPoint.
const T_NUMBER_ATTRIBUTES = (7 << 3) | 2;
const T_NUMBER_AS_DOUBLE = (4 << 3) | 1;
const T_NUMBER_AS_INT = (6 << 3) | 1;
const T_NUMBER_EXEMPLARS = (5 << 3) | 2;
const T_NUMBER_FLAGS = (8 << 3) | 0;
// HistogramDataPoint.
const T_HIST_ATTRIBUTES = (9 << 3) | 2;
const T_HIST_BUCKET_COUNTS_PACKED = (6 << 3) | 2;
const T_HIST_BUCKET_COUNT = (6 << 3) | 1;
const T_HIST_BOUNDS_PACKED = (7 << 3) | 2;
const T_HIST_BOUND = (7 << 3) | 1;
const T_HIST_EXEMPLARS = (8 << 3) | 2;
const T_HIST_FLAGS = (10 << 3) | 0;
const T_HIST_MIN = (11 << 3) | 1;
const T_HIST_MAX = (12 << 3) | 1;
// ExponentialHistogramDataPoint and its Buckets.
const T_EXP_ATTRIBUTES = (1 << 3) | 2;
const T_EXP_SCALE = (6 << 3) | 0;
const T_EXP_ZERO_COUNT = (7 << 3) | 1;
const T_EXP_POSITIVE = (8 << 3) | 2;
const T_EXP_NEGATIVE = (9 << 3) | 2;
const T_EXP_FLAGS = (10 << 3) | 0;
const T_EXP_EXEMPLARS = (11 << 3) | 2;
const T_EXP_MIN = (12 << 3) | 1;
const T_EXP_MAX = (13 << 3) | 1;
const T_BUCKETS_OFFSET = (1 << 3) | 0;
const T_BUCKETS_COUNTS_PACKED = (2 << 3) | 2;
const T_BUCKETS_COUNT = (2 << 3) | 0;
// SummaryDataPoint and ValueAtQuantile.
const T_SUMMARY_ATTRIBUTES = (7 << 3) | 2;
const T_SUMMARY_QUANTILES = (6 << 3) | 2;
const T_SUMMARY_FLAGS = (8 << 3) | 0;
const T_QUANTILE_QUANTILE = (1 << 3) | 1;
const T_QUANTILE_VALUE = (2 << 3) | 1;
// Exemplar.
const T_EXEMPLAR_FILTERED_ATTRIBUTES = (7 << 3) | 2;
const T_EXEMPLAR_TIME = (2 << 3) | 1;
const T_EXEMPLAR_AS_DOUBLE = (3 << 3) | 1;
const T_EXEMPLAR_AS_INT = (6 << 3) | 1;
const T_EXEMPLAR_SPAN_ID = (4 << 3) | 2;
const T_EXEMPLAR_TRACE_ID = (5 << 3) | 2;

/**
 * The data points of OTLP metrics, read from protobuf into rows (one per point) and checked against
 * the data model (pipeline/validatePoint.ts): each reader returns the row, or why the point is refused.
 * The envelope around them (request, resource, scope, metric) is decodeProtobufMetrics.ts.
 */
export class ProtobufMetricPointReader extends OtlpProtobufReader {
  protected numberPoint(end: number, kind: 'gauge' | 'sum'): MetricPoint | RejectedPoint {
    const r = this.r;
    const attributes: Record<string, string> = {};
    let start = '0';
    let time = '0';
    let value = 0;
    let hasValue = false;
    let flags = 0;
    let exemplars: Exemplars | undefined;
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag) {
        case T_NUMBER_ATTRIBUTES:
          this.decodeKeyValue(this.messageEnd(end), attributes);
          break;
        case T_POINT_START:
          start = this.fixed64();
          break;
        case T_POINT_TIME:
          time = this.fixed64();
          break;
        case T_NUMBER_AS_DOUBLE:
          value = r.double();
          hasValue = true;
          break;
        case T_NUMBER_AS_INT:
          value = Number(this.sfixed64());
          hasValue = true;
          break;
        case T_NUMBER_FLAGS:
          flags = r.uint32();
          break;
        case T_NUMBER_EXEMPLARS:
          this.exemplar(this.messageEnd(end), (exemplars ??= new Exemplars()));
          break;
        default:
          this.skip(tag);
      }
    }
    this.checkEnd(end, 'NumberDataPoint');
    const invalid = validatePointTimes(start, time) ?? validateNumberValue(hasValue, flags);
    if (invalid) return invalid;
    const columns = { ...pointBase(attributes, start, time, flags), ...Exemplars.columns(exemplars) };
    return kind === 'gauge'
      ? { kind, ...columns, Value: value }
      : { kind, ...columns, Value: value, AggregationTemporality: 0, IsMonotonic: false };
  }

  protected histogramPoint(end: number): MetricPoint | RejectedPoint {
    const r = this.r;
    const attributes: Record<string, string> = {};
    let start = '0';
    let time = '0';
    let count = '0';
    let sum = 0;
    let min = 0;
    let max = 0;
    let flags = 0;
    const bucketCounts: string[] = [];
    const bounds: number[] = [];
    let exemplars: Exemplars | undefined;
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag) {
        case T_HIST_ATTRIBUTES:
          this.decodeKeyValue(this.messageEnd(end), attributes);
          break;
        case T_POINT_START:
          start = this.fixed64();
          break;
        case T_POINT_TIME:
          time = this.fixed64();
          break;
        case T_POINT_COUNT:
          count = this.fixed64();
          break;
        case T_POINT_SUM:
          sum = r.double();
          break;
        case T_HIST_BUCKET_COUNTS_PACKED: {
          const packedEnd = this.messageEnd(end);
          while (r.pos < packedEnd) bucketCounts.push(this.fixed64());
          this.checkEnd(packedEnd, 'HistogramDataPoint.bucket_counts');
          break;
        }
        case T_HIST_BUCKET_COUNT:
          bucketCounts.push(this.fixed64());
          break;
        case T_HIST_BOUNDS_PACKED: {
          const packedEnd = this.messageEnd(end);
          while (r.pos < packedEnd) bounds.push(r.double());
          this.checkEnd(packedEnd, 'HistogramDataPoint.explicit_bounds');
          break;
        }
        case T_HIST_BOUND:
          bounds.push(r.double());
          break;
        case T_HIST_EXEMPLARS:
          this.exemplar(this.messageEnd(end), (exemplars ??= new Exemplars()));
          break;
        case T_HIST_FLAGS:
          flags = r.uint32();
          break;
        case T_HIST_MIN:
          min = r.double();
          break;
        case T_HIST_MAX:
          max = r.double();
          break;
        default:
          this.skip(tag);
      }
    }
    this.checkEnd(end, 'HistogramDataPoint');
    const invalid = validatePointTimes(start, time) ?? validateHistogram(count, bucketCounts, bounds);
    if (invalid) return invalid;
    return {
      kind: 'histogram',
      ...pointBase(attributes, start, time, flags),
      ...Exemplars.columns(exemplars),
      Count: count,
      Sum: sum,
      BucketCounts: bucketCounts,
      ExplicitBounds: bounds,
      Min: min,
      Max: max,
      AggregationTemporality: 0,
    };
  }

  protected exponentialPoint(end: number): MetricPoint | RejectedPoint {
    const r = this.r;
    const attributes: Record<string, string> = {};
    let start = '0';
    let time = '0';
    let count = '0';
    let sum = 0;
    let scale = 0;
    let zeroCount = '0';
    let positive: Buckets = NO_BUCKETS;
    let negative: Buckets = NO_BUCKETS;
    let min = 0;
    let max = 0;
    let flags = 0;
    let exemplars: Exemplars | undefined;
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag) {
        case T_EXP_ATTRIBUTES:
          this.decodeKeyValue(this.messageEnd(end), attributes);
          break;
        case T_POINT_START:
          start = this.fixed64();
          break;
        case T_POINT_TIME:
          time = this.fixed64();
          break;
        case T_POINT_COUNT:
          count = this.fixed64();
          break;
        case T_POINT_SUM:
          sum = r.double();
          break;
        case T_EXP_SCALE:
          scale = r.sint32();
          break;
        case T_EXP_ZERO_COUNT:
          zeroCount = this.fixed64();
          break;
        case T_EXP_POSITIVE:
          positive = this.buckets(this.messageEnd(end));
          break;
        case T_EXP_NEGATIVE:
          negative = this.buckets(this.messageEnd(end));
          break;
        case T_EXP_FLAGS:
          flags = r.uint32();
          break;
        case T_EXP_EXEMPLARS:
          this.exemplar(this.messageEnd(end), (exemplars ??= new Exemplars()));
          break;
        case T_EXP_MIN:
          min = r.double();
          break;
        case T_EXP_MAX:
          max = r.double();
          break;
        default:
          this.skip(tag);
      }
    }
    this.checkEnd(end, 'ExponentialHistogramDataPoint');
    const invalid =
      validatePointTimes(start, time) ??
      validateExponentialHistogram(count, scale, zeroCount, positive.counts, negative.counts);
    if (invalid) return invalid;
    return {
      kind: 'exponential_histogram',
      ...pointBase(attributes, start, time, flags),
      ...Exemplars.columns(exemplars),
      Count: count,
      Sum: sum,
      Scale: scale,
      ZeroCount: zeroCount,
      PositiveOffset: positive.offset,
      PositiveBucketCounts: positive.counts,
      NegativeOffset: negative.offset,
      NegativeBucketCounts: negative.counts,
      Min: min,
      Max: max,
      AggregationTemporality: 0,
    };
  }

  private buckets(end: number): Buckets {
    const r = this.r;
    let offset = 0;
    const counts: string[] = [];
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === T_BUCKETS_OFFSET) offset = r.sint32();
      else if (tag === T_BUCKETS_COUNTS_PACKED) {
        const packedEnd = this.messageEnd(end);
        while (r.pos < packedEnd) counts.push(this.uint64());
        this.checkEnd(packedEnd, 'Buckets.bucket_counts');
      } else if (tag === T_BUCKETS_COUNT) counts.push(this.uint64());
      else this.skip(tag);
    }
    this.checkEnd(end, 'ExponentialHistogramDataPoint.Buckets');
    return { offset, counts };
  }

  protected summaryPoint(end: number): MetricPoint | RejectedPoint {
    const r = this.r;
    const attributes: Record<string, string> = {};
    let start = '0';
    let time = '0';
    let count = '0';
    let sum = 0;
    let flags = 0;
    const quantiles: number[] = [];
    const values: number[] = [];
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag) {
        case T_SUMMARY_ATTRIBUTES:
          this.decodeKeyValue(this.messageEnd(end), attributes);
          break;
        case T_POINT_START:
          start = this.fixed64();
          break;
        case T_POINT_TIME:
          time = this.fixed64();
          break;
        case T_POINT_COUNT:
          count = this.fixed64();
          break;
        case T_POINT_SUM:
          sum = r.double();
          break;
        case T_SUMMARY_QUANTILES: {
          const qEnd = this.messageEnd(end);
          let quantile = 0;
          let value = 0;
          while (r.pos < qEnd) {
            const t = r.uint32();
            if (t === T_QUANTILE_QUANTILE) quantile = r.double();
            else if (t === T_QUANTILE_VALUE) value = r.double();
            else this.skip(t);
          }
          this.checkEnd(qEnd, 'SummaryDataPoint.ValueAtQuantile');
          quantiles.push(quantile);
          values.push(value);
          break;
        }
        case T_SUMMARY_FLAGS:
          flags = r.uint32();
          break;
        default:
          this.skip(tag);
      }
    }
    this.checkEnd(end, 'SummaryDataPoint');
    const invalid = validatePointTimes(start, time) ?? validateSummary(quantiles);
    if (invalid) return invalid;
    return {
      kind: 'summary',
      ...pointBase(attributes, start, time, flags),
      Count: count,
      Sum: sum,
      'ValueAtQuantiles.Quantile': quantiles,
      'ValueAtQuantiles.Value': values,
    };
  }

  /** One Exemplar into `into`. Its ids are kept as the hex of what came (context, not identity). */
  private exemplar(end: number, into: Exemplars): void {
    const r = this.r;
    const filtered: Record<string, string> = {};
    let time = '0';
    let value = 0;
    let spanId = '';
    let traceId = '';
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag) {
        case T_EXEMPLAR_FILTERED_ATTRIBUTES:
          this.decodeKeyValue(this.messageEnd(end), filtered);
          break;
        case T_EXEMPLAR_TIME:
          time = this.fixed64();
          break;
        case T_EXEMPLAR_AS_DOUBLE:
          value = r.double();
          break;
        case T_EXEMPLAR_AS_INT:
          value = Number(this.sfixed64());
          break;
        case T_EXEMPLAR_SPAN_ID:
          spanId = this.hex(end);
          break;
        case T_EXEMPLAR_TRACE_ID:
          traceId = this.hex(end);
          break;
        default:
          this.skip(tag);
      }
    }
    this.checkEnd(end, 'Exemplar');
    if (timeOutOfRange(time)) throw exemplarTimeTooLate();
    into.add(filtered, time, value, spanId, traceId);
  }
}

interface Buckets {
  offset: number;
  counts: string[];
}

const NO_BUCKETS: Buckets = Object.freeze({ offset: 0, counts: Object.freeze([]) as unknown as string[] });

function exemplarTimeTooLate(): SpanRejection {
  return new SpanRejection({
    reason: 'invalid_timestamp',
    message: 'an exemplar time_unix_nano is after 2106-02-07, the latest time storage holds',
  });
}
