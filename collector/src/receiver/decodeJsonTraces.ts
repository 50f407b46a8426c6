import { validateSpan } from '../pipeline/validateSpan.js';
import { ATTR_CAPTURE_ORIGINAL_SIZE_SUFFIX } from '../storage/attributes.js';
import type { DecodedRequest, RejectedSpan, SpanRow } from '../storage/rows.js';
import { doubleJson, formatDouble, setAttribute, truncateUtf8 } from './attributeValue.js';
import { OtlpDecodeError, SpanRejection } from './decodeError.js';
import {
  DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES,
  ROW_OVERHEAD_BYTES,
  UNKNOWN_SERVICE,
  type DecodeOptions,
} from './decodeOptions.js';
import {
  canonicalDecimal,
  compareDecimal,
  isUnsignedDecimal,
  storedTime,
  subtractDecimal,
  timeOutOfRange,
} from './nanos.js';
import { spanKindFromJson, statusCodeFromJson } from './otlpEnums.js';

type JsonObject = Record<string, unknown>;

/** Arrays and maps nested deeper than this are refused, as in the protobuf decoder. */
const MAX_ANY_VALUE_DEPTH = 32;

const HEX = /^[0-9a-fA-F]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const SIGNED_DECIMAL = /^-?\d+$/;

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
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (error) {
    throw new OtlpDecodeError(`request body is not valid JSON: ${(error as Error).message}`);
  }
  const decoder = new JsonTraceDecoder(
    options.maxAttributeValueBytes ?? DEFAULT_MAX_ATTRIBUTE_VALUE_BYTES,
    body.byteLength,
  );
  decoder.decodeRequest(parsed);
  return { rows: decoder.rows, rejected: decoder.rejected, bytes: decoder.bytes };
}

class JsonTraceDecoder {
  readonly rows: SpanRow[] = [];
  readonly rejected: RejectedSpan[] = [];
  bytes = 0;
  /** Size before truncation of the attribute value just read, or 0 when it was not truncated. */
  private truncatedFrom = 0;

  constructor(
    private readonly maxValueBytes: number,
    private readonly bodyBytes: number,
  ) {}

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

  /** A KeyValue list into `target`, values flattened to strings. */
  private attributes(value: unknown, path: string, target: Record<string, string>): void {
    list(value, path).forEach((kv, i) => {
      const kvPath = `${path}[${i}]`;
      const entry = object(kv, kvPath);
      if (entry === undefined) return;
      const key = string(entry['key'], `${kvPath}.key`);
      if (key === '') return;
      this.truncatedFrom = 0;
      setAttribute(target, key, this.anyValue(entry['value'], `${kvPath}.value`));
      // Keep the size a truncated value had, under the name the SDK uses when it truncates captures.
      if (this.truncatedFrom > 0)
        target[key + ATTR_CAPTURE_ORIGINAL_SIZE_SUFFIX] ??= String(this.truncatedFrom);
    });
  }

  /** AnyValue as a flat attribute string; an empty AnyValue is ''. */
  private anyValue(value: unknown, path: string): string {
    const v = object(value, path);
    if (v === undefined) return '';
    const s = field(v, 'stringValue', 'string_value');
    if (s !== undefined && s !== null) return this.limit(string(s, path));
    const b = field(v, 'boolValue', 'bool_value');
    if (b !== undefined && b !== null) return bool(b, path) ? 'true' : 'false';
    const n = field(v, 'intValue', 'int_value');
    if (n !== undefined && n !== null) return int64(n, path);
    const d = field(v, 'doubleValue', 'double_value');
    if (d !== undefined && d !== null) return formatDouble(double(d, path));
    const a = field(v, 'arrayValue', 'array_value');
    if (a !== undefined && a !== null) return this.limit(this.arrayJson(a, path, 1));
    const kv = field(v, 'kvlistValue', 'kvlist_value');
    if (kv !== undefined && kv !== null) return this.limit(this.kvlistJson(kv, path, 1));
    const bytes = field(v, 'bytesValue', 'bytes_value');
    if (bytes !== undefined && bytes !== null) return this.limit(base64(bytes, path));
    return '';
  }

  /** A flattened value cut to the attribute value limit, noting its size if cut. */
  private limit(value: string): string {
    const limited = truncateUtf8(value, this.maxValueBytes);
    if (limited.length !== value.length) this.truncatedFrom = Buffer.byteLength(value, 'utf8');
    return limited;
  }

  /** AnyValue as JSON text, for values inside arrays and key/value lists; an empty AnyValue is null. */
  private anyValueJson(value: unknown, path: string, depth: number): string {
    const v = object(value, path);
    if (v === undefined) return 'null';
    const s = field(v, 'stringValue', 'string_value');
    if (s !== undefined && s !== null)
      return JSON.stringify(truncateUtf8(string(s, path), this.maxValueBytes));
    const b = field(v, 'boolValue', 'bool_value');
    if (b !== undefined && b !== null) return bool(b, path) ? 'true' : 'false';
    const n = field(v, 'intValue', 'int_value');
    if (n !== undefined && n !== null) return int64(n, path);
    const d = field(v, 'doubleValue', 'double_value');
    if (d !== undefined && d !== null) return doubleJson(double(d, path));
    const a = field(v, 'arrayValue', 'array_value');
    if (a !== undefined && a !== null) return this.arrayJson(a, path, depth + 1);
    const kv = field(v, 'kvlistValue', 'kvlist_value');
    if (kv !== undefined && kv !== null) return this.kvlistJson(kv, path, depth + 1);
    const bytes = field(v, 'bytesValue', 'bytes_value');
    if (bytes !== undefined && bytes !== null) return JSON.stringify(base64(bytes, path));
    return 'null';
  }

  private arrayJson(value: unknown, path: string, depth: number): string {
    if (depth > MAX_ANY_VALUE_DEPTH) {
      throw new SpanRejection({
        reason: 'too_deep',
        message: `${path}: an attribute value is nested deeper than ${MAX_ANY_VALUE_DEPTH} arrays or maps`,
      });
    }
    const array = object(value, `${path}.arrayValue`) ?? {};
    const items = list(array['values'], `${path}.arrayValue.values`);
    return `[${items.map((item, i) => this.anyValueJson(item, `${path}.arrayValue.values[${i}]`, depth)).join(',')}]`;
  }

  private kvlistJson(value: unknown, path: string, depth: number): string {
    if (depth > MAX_ANY_VALUE_DEPTH) {
      throw new SpanRejection({
        reason: 'too_deep',
        message: `${path}: an attribute value is nested deeper than ${MAX_ANY_VALUE_DEPTH} arrays or maps`,
      });
    }
    const kvlist = object(value, `${path}.kvlistValue`) ?? {};
    const entries = list(kvlist['values'], `${path}.kvlistValue.values`).map((kv, i) => {
      const kvPath = `${path}.kvlistValue.values[${i}]`;
      const entry = object(kv, kvPath) ?? {};
      const key = string(entry['key'], `${kvPath}.key`);
      return `${JSON.stringify(key)}:${this.anyValueJson(entry['value'], `${kvPath}.value`, depth)}`;
    });
    return `{${entries.join(',')}}`;
  }
}

/** `o[camelCase]`, falling back to `o[snake_case]`. */
function field(o: JsonObject, camel: string, snake: string): unknown {
  const v = o[camel];
  return v === undefined ? o[snake] : v;
}

function object(value: unknown, path: string): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw new OtlpDecodeError(`${path}: expected an object`);
  return value as JsonObject;
}

function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpDecodeError(`${path}: expected an array`);
  return value;
}

function string(value: unknown, path: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new OtlpDecodeError(`${path}: expected a string`);
  return value;
}

function bool(value: unknown, path: string): boolean {
  if (typeof value === 'boolean') return value;
  throw new OtlpDecodeError(`${path}.boolValue: expected true or false`);
}

/** An int64: a decimal string (kept verbatim) or a JSON number that is an integer. */
function int64(value: unknown, path: string): string {
  if (typeof value === 'string' && SIGNED_DECIMAL.test(value)) return value;
  if (typeof value === 'number' && Number.isInteger(value)) {
    return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
  }
  throw new OtlpDecodeError(`${path}.intValue: expected an integer or a decimal string`);
}

/** A double: a number, or a string as protobuf's JSON mapping allows ("NaN", "Infinity", "1.5"). */
function double(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    if (!Number.isNaN(n) || value === 'NaN') return n;
  }
  throw new OtlpDecodeError(`${path}.doubleValue: expected a number`);
}

function base64(value: unknown, path: string): string {
  if (typeof value === 'string' && BASE64.test(value)) return value;
  throw new OtlpDecodeError(`${path}.bytesValue: expected a base64 string`);
}

/**
 * A fixed64 time in unix nanoseconds as a canonical decimal string; absent is '0'. Strings are kept
 * digit for digit; numbers beyond 2^53 have already lost precision in JSON.parse and are taken as is.
 */
function nanos(value: unknown, path: string): string {
  if (value === undefined || value === null) return '0';
  if (typeof value === 'string' && isUnsignedDecimal(value)) return canonicalDecimal(value);
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
    return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
  }
  // A time that is not one refuses its span, not the request: the neighbours are stored.
  throw new SpanRejection({
    reason: 'invalid_timestamp',
    message: `${path}: expected unix nanoseconds as a decimal string or an integer`,
  });
}

/**
 * An id as lowercase hex ('' when absent). OTLP/JSON sends ids in hex; senders that use protobuf's
 * generic JSON mapping send base64, recognised by the length of a 16- or 8-byte id in base64.
 * Returns undefined for a string that is neither.
 */
function id(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new OtlpDecodeError(`${path}: expected a hex string`);
  if (value.length % 2 === 0 && HEX.test(value)) return value.toLowerCase();
  if ((value.length === 24 || value.length === 12) && BASE64.test(value)) {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length === (value.length === 24 ? 16 : 8)) return bytes.toString('hex');
  }
  return undefined;
}
