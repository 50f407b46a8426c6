import { missingMetricName } from '../pipeline/validatePoint.js';
import type { DecodedMetrics, MetricPoint, RejectedPoint } from '../storage/metricRows.js';
import { SpanRejection } from './decodeError.js';
import { DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES, UNKNOWN_SERVICE, type DecodeOptions } from './decodeOptions.js';
import {
  EMPTY_ATTRIBUTES,
  applyMetric,
  applyResource,
  applyScope,
  keptBytes,
  rejectFrom,
  type ScopeFields,
} from './metricRowBuilder.js';
import { ProtobufMetricPointReader } from './protobufMetricPoints.js';
import { NAMES, asBuffer, decodeWhole } from './protobufReader.js';

// Wire tags, (field number << 3) | wire type, of the envelope of the data points in opentelemetry-proto's
// collector/metrics/v1/metrics_service.proto, metrics/v1/metrics.proto and resource/v1/resource.proto,
// plus InstrumentationScope of common/v1/common.proto (KeyValue and AnyValue: protobufReader.ts; the
// data points: protobufMetricPoints.ts). Wire types: 0 varint, 2 length-delimited. A known field with
// another wire type is skipped like an unknown field.
const T_REQUEST_RESOURCE_METRICS = (1 << 3) | 2;
const T_RM_RESOURCE = (1 << 3) | 2;
const T_RM_SCOPE_METRICS = (2 << 3) | 2;
const T_RM_SCHEMA_URL = (3 << 3) | 2;
const T_RESOURCE_ATTRIBUTES = (1 << 3) | 2;
const T_SM_SCOPE = (1 << 3) | 2;
const T_SM_METRICS = (2 << 3) | 2;
const T_SM_SCHEMA_URL = (3 << 3) | 2;
const T_SCOPE_NAME = (1 << 3) | 2;
const T_SCOPE_VERSION = (2 << 3) | 2;
const T_SCOPE_ATTRIBUTES = (3 << 3) | 2;
const T_SCOPE_DROPPED = (4 << 3) | 0;
const T_METRIC_NAME = (1 << 3) | 2;
const T_METRIC_DESCRIPTION = (2 << 3) | 2;
const T_METRIC_UNIT = (3 << 3) | 2;
const T_METRIC_GAUGE = (5 << 3) | 2;
const T_METRIC_SUM = (7 << 3) | 2;
const T_METRIC_HISTOGRAM = (9 << 3) | 2;
const T_METRIC_EXP_HISTOGRAM = (10 << 3) | 2;
const T_METRIC_SUMMARY = (11 << 3) | 2;
// Gauge, Sum, Histogram, ExponentialHistogram, Summary.
const T_DATA_POINTS = (1 << 3) | 2;
const T_TEMPORALITY = (2 << 3) | 0;
const T_IS_MONOTONIC = (3 << 3) | 0;

/** Which kind of point a Metric's data message holds. */
type DataKind = 'gauge' | 'sum' | 'histogram' | 'exponential_histogram' | 'summary';

/**
 * Decodes a protobuf `ExportMetricsServiceRequest` straight into metric rows with protobufjs's
 * `Reader`, one row per data point, in the OpenTelemetry ClickHouse exporter's table shapes. Points
 * that break the data model (see pipeline/validatePoint.ts) are set aside in `rejected` while their
 * neighbours are kept; a body that is not such a message throws `OtlpDecodeError`.
 *
 * The rows of one resource (and of one scope) share their attribute objects: treat rows as read-only.
 */
export function decodeProtobufMetrics(body: Uint8Array, options: DecodeOptions = {}): DecodedMetrics {
  const buf = asBuffer(body);
  const decoder = new ProtobufMetricsDecoder(
    buf,
    options.maxAttributeValueBytes ?? DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES,
  );
  decodeWhole('ExportMetricsServiceRequest', () => decoder.decodeRequest());
  const { rows, rejected } = decoder;
  return { rows, rejected, bytes: keptBytes(buf.length, rows.length, rejected.length) };
}

class ProtobufMetricsDecoder extends ProtobufMetricPointReader {
  readonly rows: MetricPoint[] = [];
  readonly rejected: RejectedPoint[] = [];

  decodeRequest(): void {
    const r = this.r;
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === T_REQUEST_RESOURCE_METRICS) this.decodeResourceMetrics(this.messageEnd(r.len));
      else this.skip(tag);
    }
  }

  private decodeResourceMetrics(end: number): void {
    const r = this.r;
    const first = this.rows.length;
    let attributes: Record<string, string> = EMPTY_ATTRIBUTES;
    let schemaUrl = '';
    let resourceRejection: RejectedPoint | undefined;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === T_RM_SCOPE_METRICS) this.decodeScopeMetrics(this.messageEnd(end));
      else if (tag === T_RM_SCHEMA_URL) schemaUrl = this.string(end);
      else if (tag === T_RM_RESOURCE) {
        const resourceEnd = this.messageEnd(end);
        if (attributes === EMPTY_ATTRIBUTES) attributes = {};
        try {
          while (r.pos < resourceEnd) {
            const t = r.uint32();
            if (t === T_RESOURCE_ATTRIBUTES) this.decodeKeyValue(this.messageEnd(resourceEnd), attributes);
            else this.skip(t);
          }
        } catch (error) {
          if (!(error instanceof SpanRejection)) throw error;
          // The resource breaks a limit: each of its points is refused, the other resources are kept.
          r.pos = resourceEnd;
          resourceRejection = error.rejected;
        }
        this.checkEnd(resourceEnd, 'Resource');
      } else this.skip(tag);
    }
    this.checkEnd(end, 'ResourceMetrics');
    if (resourceRejection !== undefined) {
      rejectFrom(this.rows, first, this.rejected, resourceRejection);
      return;
    }
    applyResource(this.rows, first, {
      attributes,
      serviceName: attributes['service.name'] ?? UNKNOWN_SERVICE,
      schemaUrl,
    });
  }

  private decodeScopeMetrics(end: number): void {
    const r = this.r;
    const first = this.rows.length;
    const scope: ScopeFields = {
      name: '',
      version: '',
      attributes: EMPTY_ATTRIBUTES,
      droppedAttributesCount: 0,
      schemaUrl: '',
    };
    let scopeRejection: RejectedPoint | undefined;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === T_SM_METRICS) this.decodeMetric(this.messageEnd(end));
      else if (tag === T_SM_SCHEMA_URL) scope.schemaUrl = this.string(end);
      else if (tag === T_SM_SCOPE) {
        const scopeEnd = this.messageEnd(end);
        try {
          while (r.pos < scopeEnd) {
            const t = r.uint32();
            if (t === T_SCOPE_NAME) scope.name = this.string(scopeEnd);
            else if (t === T_SCOPE_VERSION) scope.version = this.string(scopeEnd);
            else if (t === T_SCOPE_DROPPED) scope.droppedAttributesCount = r.uint32();
            else if (t === T_SCOPE_ATTRIBUTES) {
              if (scope.attributes === EMPTY_ATTRIBUTES) scope.attributes = {};
              this.decodeKeyValue(this.messageEnd(scopeEnd), scope.attributes);
            } else this.skip(t);
          }
        } catch (error) {
          if (!(error instanceof SpanRejection)) throw error;
          r.pos = scopeEnd;
          scopeRejection = error.rejected;
        }
        this.checkEnd(scopeEnd, 'InstrumentationScope');
      } else this.skip(tag);
    }
    this.checkEnd(end, 'ScopeMetrics');
    if (scopeRejection !== undefined) rejectFrom(this.rows, first, this.rejected, scopeRejection);
    else applyScope(this.rows, first, scope);
  }

  private decodeMetric(end: number): void {
    const r = this.r;
    const first = this.rows.length;
    let name = '';
    let description = '';
    let unit = '';
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag) {
        case T_METRIC_NAME:
          name = this.cachedString(end, NAMES);
          break;
        case T_METRIC_DESCRIPTION:
          description = this.string(end);
          break;
        case T_METRIC_UNIT:
          unit = this.cachedString(end, NAMES);
          break;
        case T_METRIC_GAUGE:
          this.decodeData(this.messageEnd(end), 'gauge');
          break;
        case T_METRIC_SUM:
          this.decodeData(this.messageEnd(end), 'sum');
          break;
        case T_METRIC_HISTOGRAM:
          this.decodeData(this.messageEnd(end), 'histogram');
          break;
        case T_METRIC_EXP_HISTOGRAM:
          this.decodeData(this.messageEnd(end), 'exponential_histogram');
          break;
        case T_METRIC_SUMMARY:
          this.decodeData(this.messageEnd(end), 'summary');
          break;
        default:
          this.skip(tag);
      }
    }
    this.checkEnd(end, 'Metric');
    if (name === '') rejectFrom(this.rows, first, this.rejected, missingMetricName());
    else applyMetric(this.rows, first, name, description, unit);
  }

  /** Gauge, Sum, Histogram, ExponentialHistogram or Summary: its points, then its temporality. */
  private decodeData(end: number, kind: DataKind): void {
    const r = this.r;
    const first = this.rows.length;
    let temporality = 0;
    let monotonic = false;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === T_DATA_POINTS) this.decodePoint(this.messageEnd(end), kind);
      else if (tag === T_TEMPORALITY && kind !== 'gauge' && kind !== 'summary') temporality = r.int32();
      else if (tag === T_IS_MONOTONIC && kind === 'sum') monotonic = r.bool();
      else this.skip(tag);
    }
    this.checkEnd(end, kind);
    for (let i = first; i < this.rows.length; i++) {
      const row = this.rows[i]!;
      if (row.kind === 'sum') {
        row.AggregationTemporality = temporality;
        row.IsMonotonic = monotonic;
      } else if (row.kind === 'histogram' || row.kind === 'exponential_histogram') {
        row.AggregationTemporality = temporality;
      }
    }
  }

  /** One data point; a point that breaks a limit (an attribute nested too deep) is refused alone. */
  private decodePoint(end: number, kind: DataKind): void {
    const r = this.r;
    let result: MetricPoint | RejectedPoint;
    try {
      switch (kind) {
        case 'gauge':
        case 'sum':
          result = this.numberPoint(end, kind);
          break;
        case 'histogram':
          result = this.histogramPoint(end);
          break;
        case 'exponential_histogram':
          result = this.exponentialPoint(end);
          break;
        case 'summary':
          result = this.summaryPoint(end);
          break;
      }
    } catch (error) {
      if (!(error instanceof SpanRejection)) throw error;
      r.pos = end;
      this.rejected.push(error.rejected);
      return;
    }
    if ('kind' in result) this.rows.push(result);
    else this.rejected.push(result);
  }
}
