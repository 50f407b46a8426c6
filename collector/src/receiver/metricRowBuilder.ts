/**
 * Row building shared by the two metrics decoders (protobuf and JSON). A point is pushed as soon as
 * it is read, with its resource, scope and metric fields left empty: protobuf fields may come in any
 * order (a Metric's name after its data points, a resource after its scopes), so those are filled in
 * once their message has been read whole.
 */
import type { ExemplarColumns, MetricPoint, MetricRowBase, RejectedPoint } from '../storage/metricRows.js';
import { ROW_OVERHEAD_BYTES } from './decodeOptions.js';
import { storedTime } from './nanos.js';

export const EMPTY_ATTRIBUTES: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** The point's own columns (attributes, times, flags); the rest is filled in by the apply* functions. */
export function pointBase(
  attributes: Record<string, string>,
  start: string,
  time: string,
  flags: number,
): MetricRowBase {
  return {
    ResourceAttributes: EMPTY_ATTRIBUTES,
    ResourceSchemaUrl: '',
    ScopeName: '',
    ScopeVersion: '',
    ScopeAttributes: EMPTY_ATTRIBUTES,
    ScopeDroppedAttrCount: 0,
    ScopeSchemaUrl: '',
    ServiceName: '',
    MetricName: '',
    MetricDescription: '',
    MetricUnit: '',
    Attributes: attributes,
    StartTimeUnix: storedTime(start),
    TimeUnix: storedTime(time),
    Flags: flags,
  };
}

/** Exemplars as they are read, turned into the Nested columns; points without any share frozen arrays. */
export class Exemplars {
  private readonly filtered: Record<string, string>[] = [];
  private readonly times: string[] = [];
  private readonly values: number[] = [];
  private readonly spanIds: string[] = [];
  private readonly traceIds: string[] = [];

  add(
    filteredAttributes: Record<string, string>,
    time: string,
    value: number,
    spanId: string,
    traceId: string,
  ): void {
    this.filtered.push(filteredAttributes);
    this.times.push(storedTime(time));
    this.values.push(value);
    this.spanIds.push(spanId);
    this.traceIds.push(traceId);
  }

  /** The columns, for a point that has exemplars; `undefined` → {@link NO_EXEMPLARS}. */
  static columns(exemplars: Exemplars | undefined): ExemplarColumns {
    if (exemplars === undefined) return NO_EXEMPLARS;
    return {
      'Exemplars.FilteredAttributes': exemplars.filtered,
      'Exemplars.TimeUnix': exemplars.times,
      'Exemplars.Value': exemplars.values,
      'Exemplars.SpanId': exemplars.spanIds,
      'Exemplars.TraceId': exemplars.traceIds,
    };
  }
}

const NO_EXEMPLARS: ExemplarColumns = Object.freeze({
  'Exemplars.FilteredAttributes': Object.freeze([]) as unknown as Record<string, string>[],
  'Exemplars.TimeUnix': Object.freeze([]) as unknown as string[],
  'Exemplars.Value': Object.freeze([]) as unknown as number[],
  'Exemplars.SpanId': Object.freeze([]) as unknown as string[],
  'Exemplars.TraceId': Object.freeze([]) as unknown as string[],
});

export interface ResourceFields {
  attributes: Record<string, string>;
  serviceName: string;
  schemaUrl: string;
}

export interface ScopeFields {
  name: string;
  version: string;
  attributes: Record<string, string>;
  droppedAttributesCount: number;
  schemaUrl: string;
}

/** Sets the resource of `rows[first…]`: the rows of one resource share one attributes object. */
export function applyResource(rows: MetricPoint[], first: number, resource: ResourceFields): void {
  for (let i = first; i < rows.length; i++) {
    const row = rows[i]!;
    row.ResourceAttributes = resource.attributes;
    row.ServiceName = resource.serviceName;
    row.ResourceSchemaUrl = resource.schemaUrl;
  }
}

/** Sets the instrumentation scope of `rows[first…]`. */
export function applyScope(rows: MetricPoint[], first: number, scope: ScopeFields): void {
  for (let i = first; i < rows.length; i++) {
    const row = rows[i]!;
    row.ScopeName = scope.name;
    row.ScopeVersion = scope.version;
    row.ScopeAttributes = scope.attributes;
    row.ScopeDroppedAttrCount = scope.droppedAttributesCount;
    row.ScopeSchemaUrl = scope.schemaUrl;
  }
}

/** Sets the metric's name, description and unit on `rows[first…]`. */
export function applyMetric(
  rows: MetricPoint[],
  first: number,
  name: string,
  description: string,
  unit: string,
): void {
  for (let i = first; i < rows.length; i++) {
    const row = rows[i]!;
    row.MetricName = name;
    row.MetricDescription = description;
    row.MetricUnit = unit;
  }
}

/**
 * Refuses every row from `first` on, for one reason (a resource that breaks a limit, a metric without
 * a name): they move from `rows` to `rejected`.
 */
export function rejectFrom(
  rows: MetricPoint[],
  first: number,
  rejected: RejectedPoint[],
  reason: RejectedPoint,
): void {
  for (let i = first; i < rows.length; i++) rejected.push(reason);
  rows.length = first;
}

/**
 * Approximate in-memory size of the rows kept, for queue accounting: the body's share for them (the
 * encoded size is a fair proxy) plus a fixed overhead per row.
 */
export function keptBytes(bodyBytes: number, kept: number, rejected: number): number {
  const points = kept + rejected;
  return points === 0 ? 0 : Math.round((bodyBytes * kept) / points) + ROW_OVERHEAD_BYTES * kept;
}
