import { validateSpan } from '../pipeline/validateSpan.js';
import type { DecodedRequest, RejectedSpan, SpanRow } from '../storage/rows.js';
import { OtlpDecodeError, SpanRejection } from './decodeError.js';
import {
  DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES,
  ROW_OVERHEAD_BYTES,
  UNKNOWN_SERVICE,
  type DecodeOptions,
} from './decodeOptions.js';
import {
  OtlpJsonReader,
  field,
  id,
  list,
  nanos,
  object,
  parseJsonBody,
  string,
  type JsonObject,
} from './jsonReader.js';
import { compareDecimal, storedTime, subtractDecimal, timeOutOfRange } from './nanos.js';
import { spanKindFromJson, statusCodeFromJson } from './otlpEnums.js';

/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest` into span rows, producing the same rows as the
 * protobuf decoder for the same spans. OTLP/JSON differs from protobuf's canonical JSON mapping in ways
 * a generic mapper gets wrong, so it is mapped by hand:
 * - trace and span ids are hex, not base64 (base64 ids of exactly the right length, which some
 *   senders produce through the generic mapping, are accepted too);
 * - enums are integers, but the enum value names are accepted;
 * - 64-bit integers come as decimal strings (kept verbatim, never through a JS number) or numbers;
 * - keys are lowerCamelCase; the original snake_case names are accepted, as protobuf JSON parsers do.
 *
 * Values of the wrong JSON type (an object where a list belongs, a number as an id) make the request
 * malformed (`OtlpDecodeError`, 400); values of the right type that break the data model's rules (an
 * id of the wrong length, a missing name) reject just that span.
 */
export function decodeJsonTraces(body: Uint8Array, options: DecodeOptions = {}): DecodedRequest {
  const parsed = parseJsonBody(body);
  const decoder = new JsonTraceDecoder(
    options.maxAttributeValueBytes ?? DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES,
    body.byteLength,
  );
  decoder.decodeRequest(parsed);
  return { rows: decoder.rows, rejected: decoder.rejected, bytes: decoder.bytes };
}

class JsonTraceDecoder extends OtlpJsonReader {
  readonly rows: SpanRow[] = [];
  readonly rejected: RejectedSpan[] = [];
  bytes = 0;

  constructor(
    maxValueBytes: number,
    private readonly bodyBytes: number,
  ) {
    super(maxValueBytes);
  }

  decodeRequest(value: unknown): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new OtlpDecodeError('$: expected an ExportTraceServiceRequest object');
    }
    const request = value as JsonObject;
    const resourceSpans = list(field(request, 'resourceSpans', 'resource_spans'), 'resourceSpans');
    resourceSpans.forEach((rs, i) => this.decodeResourceSpans(rs, `resourceSpans[${i}]`));
    // JSON text is a fair proxy for the decoded size; share it among the rows kept.
    const spans = this.rows.length + this.rejected.length;
    if (spans > 0)
      this.bytes =
        Math.round((this.bodyBytes * this.rows.length) / spans) + ROW_OVERHEAD_BYTES * this.rows.length;
  }

  private decodeResourceSpans(value: unknown, path: string): void {
    const rs = object(value, path);
    if (rs === undefined) return;
    const resource = object(rs['resource'], `${path}.resource`);
    const resourceAttributes: Record<string, string> = {};
    let resourceRejection: SpanRejection | undefined;
    try {
      if (resource !== undefined)
        this.attributes(resource['attributes'], `${path}.resource.attributes`, resourceAttributes);
    } catch (error) {
      if (!(error instanceof SpanRejection)) throw error;
      resourceRejection = error;
    }
    const serviceName = resourceAttributes['service.name'] ?? UNKNOWN_SERVICE;
    const scopeSpans = list(field(rs, 'scopeSpans', 'scope_spans'), `${path}.scopeSpans`);
    scopeSpans.forEach((ss, j) => {
      const ssPath = `${path}.scopeSpans[${j}]`;
      const scopeSpan = object(ss, ssPath);
      if (scopeSpan === undefined) return;
      const scope = object(scopeSpan['scope'], `${ssPath}.scope`);
      const scopeName = scope === undefined ? '' : string(scope['name'], `${ssPath}.scope.name`);
      const scopeVersion = scope === undefined ? '' : string(scope['version'], `${ssPath}.scope.version`);
      list(scopeSpan['spans'], `${ssPath}.spans`).forEach((span, k) =>
        // A resource that breaks a limit refuses each of its spans; the other resources are kept.
        resourceRejection !== undefined
          ? this.rejected.push(resourceRejection.rejected)
          : this.decodeSpan(
              span,
              `${ssPath}.spans[${k}]`,
              serviceName,
              resourceAttributes,
              scopeName,
              scopeVersion,
            ),
      );
    });
  }

  private decodeSpan(
    value: unknown,
    path: string,
    serviceName: string,
    resourceAttributes: Record<string, string>,
    scopeName: string,
    scopeVersion: string,
  ): void {
    try {
      this.decodeSpanFields(value, path, serviceName, resourceAttributes, scopeName, scopeVersion);
    } catch (error) {
      // This span broke a limit: refuse it, keep its neighbours.
      if (!(error instanceof SpanRejection)) throw error;
      this.rejected.push(error.rejected);
    }
  }

  private decodeSpanFields(
    value: unknown,
    path: string,
    serviceName: string,
    resourceAttributes: Record<string, string>,
    scopeName: string,
    scopeVersion: string,
  ): void {
    const span = object(value, path);
    if (span === undefined) return;
    const traceId = id(field(span, 'traceId', 'trace_id'), `${path}.traceId`);
    const spanId = id(field(span, 'spanId', 'span_id'), `${path}.spanId`);
    let parentSpanId = id(field(span, 'parentSpanId', 'parent_span_id'), `${path}.parentSpanId`);
    if (traceId === undefined) return this.reject('invalid_trace_id', 'trace_id is not hex');
    if (spanId === undefined) return this.reject('invalid_span_id', 'span_id is not hex');
    if (parentSpanId === undefined) return this.reject('invalid_parent_span_id', 'parent_span_id is not hex');
    if (parentSpanId === '0000000000000000') parentSpanId = '';
    const name = string(span['name'], `${path}.name`);
    const start = nanos(
      field(span, 'startTimeUnixNano', 'start_time_unix_nano'),
      `${path}.startTimeUnixNano`,
    );
    const end = nanos(field(span, 'endTimeUnixNano', 'end_time_unix_nano'), `${path}.endTimeUnixNano`);
    const endBeforeStart = compareDecimal(end, start) < 0;
    const timeError = timeOutOfRange(start)
      ? 'startTimeUnixNano is after 2106-02-07, the latest time storage holds'
      : timeOutOfRange(end)
        ? 'endTimeUnixNano is after 2106-02-07, the latest time storage holds'
        : undefined;
    const invalid = validateSpan(
      traceId,
      spanId,
      parentSpanId,
      name,
      start === '0',
      endBeforeStart,
      timeError,
    );
    if (invalid) {
      this.rejected.push(invalid);
      return;
    }

    const storedStart = storedTime(start);
    const attributes: Record<string, string> = {};
    this.attributes(span['attributes'], `${path}.attributes`, attributes);
    const status = object(span['status'], `${path}.status`);

    const eventTimes: string[] = [];
    const eventNames: string[] = [];
    const eventAttributes: Record<string, string>[] = [];
    list(span['events'], `${path}.events`).forEach((e, i) => {
      const ePath = `${path}.events[${i}]`;
      const event = object(e, ePath) ?? {};
      const attrs: Record<string, string> = {};
      this.attributes(event['attributes'], `${ePath}.attributes`, attrs);
      const time = nanos(field(event, 'timeUnixNano', 'time_unix_nano'), `${ePath}.timeUnixNano`);
      if (timeOutOfRange(time)) {
        throw new SpanRejection({
          reason: 'invalid_timestamp',
          message: `${ePath}.timeUnixNano is after 2106-02-07, the latest time storage holds`,
        });
      }
      // An event without a time takes the span's start.
      eventTimes.push(time === '0' ? storedStart : storedTime(time));
      eventNames.push(string(event['name'], `${ePath}.name`));
      eventAttributes.push(attrs);
    });

    const linkTraceIds: string[] = [];
    const linkSpanIds: string[] = [];
    const linkTraceStates: string[] = [];
    const linkAttributes: Record<string, string>[] = [];
    list(span['links'], `${path}.links`).forEach((l, i) => {
      const lPath = `${path}.links[${i}]`;
      const link = object(l, lPath) ?? {};
      const attrs: Record<string, string> = {};
      this.attributes(link['attributes'], `${lPath}.attributes`, attrs);
      // A link's ids are kept even when malformed: the link is context, not the span's identity.
      const linkTraceId = field(link, 'traceId', 'trace_id');
      const linkSpanId = field(link, 'spanId', 'span_id');
      linkTraceIds.push(id(linkTraceId, `${lPath}.traceId`) ?? String(linkTraceId));
      linkSpanIds.push(id(linkSpanId, `${lPath}.spanId`) ?? String(linkSpanId));
      linkTraceStates.push(string(field(link, 'traceState', 'trace_state'), `${lPath}.traceState`));
      linkAttributes.push(attrs);
    });

    this.rows.push({
      Timestamp: storedStart,
      TraceId: traceId,
      SpanId: spanId,
      ParentSpanId: parentSpanId,
      TraceState: string(field(span, 'traceState', 'trace_state'), `${path}.traceState`),
      SpanName: name,
      SpanKind: spanKindFromJson(span['kind']),
      ServiceName: serviceName,
      ResourceAttributes: resourceAttributes,
      ScopeName: scopeName,
      ScopeVersion: scopeVersion,
      SpanAttributes: attributes,
      Duration: subtractDecimal(end, start),
      StatusCode: statusCodeFromJson(status?.['code']),
      StatusMessage: status === undefined ? '' : string(status['message'], `${path}.status.message`),
      'Events.Timestamp': eventTimes,
      'Events.Name': eventNames,
      'Events.Attributes': eventAttributes,
      'Links.TraceId': linkTraceIds,
      'Links.SpanId': linkSpanIds,
      'Links.TraceState': linkTraceStates,
      'Links.Attributes': linkAttributes,
    });
  }

  private reject(reason: RejectedSpan['reason'], message: string): void {
    this.rejected.push({ reason, message });
  }
}
