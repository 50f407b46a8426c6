import {
  missingMetricName,
  validateExponentialHistogram,
  validateHistogram,
  validateNumberValue,
  validatePointTimes,
  validateSummary,
} from '../pipeline/validatePoint.js';
import type { DecodedMetrics, MetricPoint, RejectedPoint } from '../storage/metricRows.js';
import { OtlpDecodeError, SpanRejection } from './decodeError.js';
import { DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES, UNKNOWN_SERVICE, type DecodeOptions } from './decodeOptions.js';
import {
  OtlpJsonReader,
  field,
  id,
  integer,
  list,
  nanos,
  number,
  object,
  optionalNumber,
  parseJsonBody,
  string,
  unsigned,
  type JsonObject,
} from './jsonReader.js';
import {
  EMPTY_ATTRIBUTES,
  Exemplars,
  applyMetric,
  applyResource,
  applyScope,
  keptBytes,
  pointBase,
  rejectFrom,
  type ScopeFields,
} from './metricRowBuilder.js';
import { timeOutOfRange } from './nanos.js';

/**
 * The Metric fields that hold data, in lowerCamelCase, with the kind of point each holds (which is
 * also the field's snake_case name).
 */
const DATA_FIELDS = [
  ['gauge', 'gauge'],
  ['sum', 'sum'],
  ['histogram', 'histogram'],
  ['exponentialHistogram', 'exponential_histogram'],
  ['summary', 'summary'],
] as const;

type DataKind = (typeof DATA_FIELDS)[number][1];

const TEMPORALITY_BY_NAME: Record<string, number> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};

/**
 * Decodes an OTLP/JSON `ExportMetricsServiceRequest` into metric rows, the same rows as the protobuf
 * decoder gives for the same points, under the same OTLP/JSON rules as traces (decodeJsonTraces.ts):
 * 64-bit integers as decimal strings or numbers, enums as integers or their names, lowerCamelCase keys
 * with snake_case accepted, hex exemplar ids. Values of the wrong JSON type make the request malformed
 * (`OtlpDecodeError`, 400); points that break the data model's rules are refused alone.
 */
export function decodeJsonMetrics(body: Uint8Array, options: DecodeOptions = {}): DecodedMetrics {
  const parsed = parseJsonBody(body);
  const decoder = new JsonMetricsDecoder(options.maxAttributeValueBytes ?? DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES);
  decoder.decodeRequest(parsed);
  const { rows, rejected } = decoder;
  return { rows, rejected, bytes: keptBytes(body.byteLength, rows.length, rejected.length) };
}

class JsonMetricsDecoder extends OtlpJsonReader {
  readonly rows: MetricPoint[] = [];
  readonly rejected: RejectedPoint[] = [];

  decodeRequest(value: unknown): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new OtlpDecodeError('$: expected an ExportMetricsServiceRequest object');
    }
    const request = value as JsonObject;
    list(field(request, 'resourceMetrics', 'resource_metrics'), 'resourceMetrics').forEach((rm, i) =>
      this.decodeResourceMetrics(rm, `resourceMetrics[${i}]`),
    );
  }

  private decodeResourceMetrics(value: unknown, path: string): void {
    const rm = object(value, path);
    if (rm === undefined) return;
    const first = this.rows.length;
    const resource = object(rm['resource'], `${path}.resource`);
    const attributes: Record<string, string> = {};
    let rejection: RejectedPoint | undefined;
    try {
      if (resource !== undefined)
        this.attributes(resource['attributes'], `${path}.resource.attributes`, attributes);
    } catch (error) {
      if (!(error instanceof SpanRejection)) throw error;
      rejection = error.rejected;
    }
    list(field(rm, 'scopeMetrics', 'scope_metrics'), `${path}.scopeMetrics`).forEach((sm, j) =>
      this.decodeScopeMetrics(sm, `${path}.scopeMetrics[${j}]`),
    );
    // A resource that breaks a limit refuses each of its points; the other resources are kept.
    if (rejection !== undefined) return rejectFrom(this.rows, first, this.rejected, rejection);
    applyResource(this.rows, first, {
      attributes,
      serviceName: attributes['service.name'] ?? UNKNOWN_SERVICE,
      schemaUrl: string(field(rm, 'schemaUrl', 'schema_url'), `${path}.schemaUrl`),
    });
  }

  private decodeScopeMetrics(value: unknown, path: string): void {
    const sm = object(value, path);
    if (sm === undefined) return;
    const first = this.rows.length;
    const scopeObject = object(sm['scope'], `${path}.scope`);
    const scope: ScopeFields = {
      name: '',
      version: '',
      attributes: EMPTY_ATTRIBUTES,
      droppedAttributesCount: 0,
      schemaUrl: string(field(sm, 'schemaUrl', 'schema_url'), `${path}.schemaUrl`),
    };
    let rejection: RejectedPoint | undefined;
    if (scopeObject !== undefined) {
      scope.name = string(scopeObject['name'], `${path}.scope.name`);
      scope.version = string(scopeObject['version'], `${path}.scope.version`);
      const dropped = field(scopeObject, 'droppedAttributesCount', 'dropped_attributes_count');
      scope.droppedAttributesCount = Number(unsigned(dropped, `${path}.scope.droppedAttributesCount`));
      scope.attributes = {};
      try {
        this.attributes(scopeObject['attributes'], `${path}.scope.attributes`, scope.attributes);
      } catch (error) {
        if (!(error instanceof SpanRejection)) throw error;
        rejection = error.rejected;
      }
    }
    list(sm['metrics'], `${path}.metrics`).forEach((m, k) => this.decodeMetric(m, `${path}.metrics[${k}]`));
    if (rejection !== undefined) rejectFrom(this.rows, first, this.rejected, rejection);
    else applyScope(this.rows, first, scope);
  }

  private decodeMetric(value: unknown, path: string): void {
    const metric = object(value, path);
    if (metric === undefined) return;
    const first = this.rows.length;
    for (const [camel, kind] of DATA_FIELDS) {
      const data = object(field(metric, camel, kind), `${path}.${camel}`);
      if (data === undefined) continue;
      const temporality = aggregationTemporality(
        field(data, 'aggregationTemporality', 'aggregation_temporality'),
        `${path}.${camel}.aggregationTemporality`,
      );
      const monotonic = field(data, 'isMonotonic', 'is_monotonic');
      if (monotonic !== undefined && monotonic !== null && typeof monotonic !== 'boolean')
        throw new OtlpDecodeError(`${path}.${camel}.isMonotonic: expected true or false`);
      list(field(data, 'dataPoints', 'data_points'), `${path}.${camel}.dataPoints`).forEach((p, i) =>
        this.decodePoint(p, `${path}.${camel}.dataPoints[${i}]`, kind, temporality, monotonic === true),
      );
    }
    const name = string(metric['name'], `${path}.name`);
    if (name === '') return rejectFrom(this.rows, first, this.rejected, missingMetricName());
    applyMetric(
      this.rows,
      first,
      name,
      string(metric['description'], `${path}.description`),
      string(metric['unit'], `${path}.unit`),
    );
  }

  /** One data point; a point that breaks a limit (an attribute nested too deep, a bad time) is refused alone. */
  private decodePoint(
    value: unknown,
    path: string,
    kind: DataKind,
    temporality: number,
    monotonic: boolean,
  ): void {
    const point = object(value, path);
    if (point === undefined) return;
    let result: MetricPoint | RejectedPoint;
    try {
      result = this.point(point, path, kind, temporality, monotonic);
    } catch (error) {
      if (!(error instanceof SpanRejection)) throw error;
      this.rejected.push(error.rejected);
      return;
    }
    if ('kind' in result) this.rows.push(result);
    else this.rejected.push(result);
  }

  private point(
    p: JsonObject,
    path: string,
    kind: DataKind,
    temporality: number,
    monotonic: boolean,
  ): MetricPoint | RejectedPoint {
    const start = nanos(field(p, 'startTimeUnixNano', 'start_time_unix_nano'), `${path}.startTimeUnixNano`);
    const time = nanos(field(p, 'timeUnixNano', 'time_unix_nano'), `${path}.timeUnixNano`);
    const flags = Number(unsigned(p['flags'], `${path}.flags`));
    const attributes: Record<string, string> = {};
    this.attributes(p['attributes'], `${path}.attributes`, attributes);
    const invalidTime = validatePointTimes(start, time);
    if (invalidTime) return invalidTime;
    const base = pointBase(attributes, start, time, flags);
    const count = (): string => unsigned(p['count'], `${path}.count`);
    const sum = (): number => optionalNumber(p['sum'], `${path}.sum`);

    switch (kind) {
      case 'gauge':
      case 'sum': {
        const asDouble = field(p, 'asDouble', 'as_double');
        const asInt = field(p, 'asInt', 'as_int');
        const hasDouble = asDouble !== undefined && asDouble !== null;
        const hasInt = asInt !== undefined && asInt !== null;
        const invalid = validateNumberValue(hasDouble || hasInt, flags);
        if (invalid) return invalid;
        const v = hasDouble
          ? number(asDouble, `${path}.asDouble`)
          : hasInt
            ? Number(integer(asInt, `${path}.asInt`))
            : 0;
        const columns = { ...base, ...this.exemplars(p, path) };
        return kind === 'gauge'
          ? { kind, ...columns, Value: v }
          : { kind, ...columns, Value: v, AggregationTemporality: temporality, IsMonotonic: monotonic };
      }
      case 'histogram': {
        const c = count();
        const bucketCounts = list(field(p, 'bucketCounts', 'bucket_counts'), `${path}.bucketCounts`).map(
          (v, i) => unsigned(v, `${path}.bucketCounts[${i}]`),
        );
        const bounds = list(field(p, 'explicitBounds', 'explicit_bounds'), `${path}.explicitBounds`).map(
          (v, i) => number(v, `${path}.explicitBounds[${i}]`),
        );
        const invalid = validateHistogram(c, bucketCounts, bounds);
        if (invalid) return invalid;
        return {
          kind,
          ...base,
          ...this.exemplars(p, path),
          Count: c,
          Sum: sum(),
          BucketCounts: bucketCounts,
          ExplicitBounds: bounds,
          Min: optionalNumber(p['min'], `${path}.min`),
          Max: optionalNumber(p['max'], `${path}.max`),
          AggregationTemporality: temporality,
        };
      }
      case 'exponential_histogram': {
        const c = count();
        const scale = Number(integer(p['scale'] ?? 0, `${path}.scale`));
        const zeroCount = unsigned(field(p, 'zeroCount', 'zero_count'), `${path}.zeroCount`);
        const positive = buckets(p['positive'], `${path}.positive`);
        const negative = buckets(p['negative'], `${path}.negative`);
        const invalid = validateExponentialHistogram(c, scale, zeroCount, positive.counts, negative.counts);
        if (invalid) return invalid;
        return {
          kind,
          ...base,
          ...this.exemplars(p, path),
          Count: c,
          Sum: sum(),
          Scale: scale,
          ZeroCount: zeroCount,
          PositiveOffset: positive.offset,
          PositiveBucketCounts: positive.counts,
          NegativeOffset: negative.offset,
          NegativeBucketCounts: negative.counts,
          Min: optionalNumber(p['min'], `${path}.min`),
          Max: optionalNumber(p['max'], `${path}.max`),
          AggregationTemporality: temporality,
        };
      }
      case 'summary': {
        const quantiles: number[] = [];
        const values: number[] = [];
        list(field(p, 'quantileValues', 'quantile_values'), `${path}.quantileValues`).forEach((q, i) => {
          const qPath = `${path}.quantileValues[${i}]`;
          const entry = object(q, qPath) ?? {};
          quantiles.push(optionalNumber(entry['quantile'], `${qPath}.quantile`));
          values.push(optionalNumber(entry['value'], `${qPath}.value`));
        });
        const invalid = validateSummary(quantiles);
        if (invalid) return invalid;
        return {
          kind,
          ...base,
          Count: count(),
          Sum: sum(),
          'ValueAtQuantiles.Quantile': quantiles,
          'ValueAtQuantiles.Value': values,
        };
      }
    }
  }

  /** A point's exemplars. Their ids are kept as sent when they are not hex (context, not identity). */
  private exemplars(p: JsonObject, path: string) {
    const items = list(p['exemplars'], `${path}.exemplars`);
    if (items.length === 0) return Exemplars.columns(undefined);
    const into = new Exemplars();
    items.forEach((e, i) => {
      const ePath = `${path}.exemplars[${i}]`;
      const exemplar = object(e, ePath) ?? {};
      const filtered: Record<string, string> = {};
      this.attributes(
        field(exemplar, 'filteredAttributes', 'filtered_attributes'),
        `${ePath}.filteredAttributes`,
        filtered,
      );
      const time = nanos(field(exemplar, 'timeUnixNano', 'time_unix_nano'), `${ePath}.timeUnixNano`);
      if (timeOutOfRange(time)) {
        throw new SpanRejection({
          reason: 'invalid_timestamp',
          message: `${ePath}.timeUnixNano is after 2106-02-07, the latest time storage holds`,
        });
      }
      const asDouble = field(exemplar, 'asDouble', 'as_double');
      const asInt = field(exemplar, 'asInt', 'as_int');
      const value =
        asDouble !== undefined && asDouble !== null
          ? number(asDouble, `${ePath}.asDouble`)
          : asInt !== undefined && asInt !== null
            ? Number(integer(asInt, `${ePath}.asInt`))
            : 0;
      const spanId = field(exemplar, 'spanId', 'span_id');
      const traceId = field(exemplar, 'traceId', 'trace_id');
      into.add(
        filtered,
        time,
        value,
        id(spanId, `${ePath}.spanId`) ?? String(spanId),
        id(traceId, `${ePath}.traceId`) ?? String(traceId),
      );
    });
    return Exemplars.columns(into);
  }
}

/** ExponentialHistogramDataPoint.Buckets: an offset and counts; absent is no buckets. */
function buckets(value: unknown, path: string): { offset: number; counts: string[] } {
  const b = object(value, path);
  if (b === undefined) return { offset: 0, counts: [] };
  return {
    offset: Number(integer(b['offset'] ?? 0, `${path}.offset`)),
    counts: list(field(b, 'bucketCounts', 'bucket_counts'), `${path}.bucketCounts`).map((v, i) =>
      unsigned(v, `${path}.bucketCounts[${i}]`),
    ),
  };
}

/** AggregationTemporality: its number, or the enum value's name; absent is 0 (unspecified). */
function aggregationTemporality(value: unknown, path: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    if (Object.hasOwn(TEMPORALITY_BY_NAME, value)) return TEMPORALITY_BY_NAME[value]!;
    if (/^\d+$/.test(value)) return Number(value);
  }
  throw new OtlpDecodeError(`${path}: expected an AggregationTemporality number or name`);
}
