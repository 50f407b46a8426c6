import { ATTR_CAPTURE_ORIGINAL_SIZE_SUFFIX } from '../storage/attributes.js';
import { doubleJson, formatDouble, setAttribute, truncateUtf8 } from './attributeValue.js';
import { OtlpDecodeError, SpanRejection } from './decodeError.js';
import { canonicalDecimal, isUnsignedDecimal } from './nanos.js';

/**
 * What the OTLP/JSON decoders of every signal share: the JSON value helpers (each names the path of a
 * value of the wrong type in its `OtlpDecodeError`) and the common/v1 messages (KeyValue, AnyValue)
 * flattened to attribute strings exactly as the protobuf decoders flatten them.
 */

export type JsonObject = Record<string, unknown>;

/** Arrays and maps nested deeper than this are refused, as in the protobuf decoders. */
const MAX_ANY_VALUE_DEPTH = 32;

const HEX = /^[0-9a-fA-F]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const SIGNED_DECIMAL = /^-?\d+$/;

/** Parses a request body as JSON; invalid JSON is an `OtlpDecodeError`. */
export function parseJsonBody(body: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch (error) {
    throw new OtlpDecodeError(`request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Base of the OTLP/JSON decoders: attributes, with the attribute value limit. */
export class OtlpJsonReader {
  /** Size before truncation of the attribute value just read, or 0 when it was not truncated. */
  private truncatedFrom = 0;

  constructor(protected readonly maxValueBytes: number) {}

  /** A KeyValue list into `target`, values flattened to strings. */
  protected attributes(value: unknown, path: string, target: Record<string, string>): void {
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
export function field(o: JsonObject, camel: string, snake: string): unknown {
  const v = o[camel];
  return v === undefined ? o[snake] : v;
}

export function object(value: unknown, path: string): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value))
    throw new OtlpDecodeError(`${path}: expected an object`);
  return value as JsonObject;
}

export function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpDecodeError(`${path}: expected an array`);
  return value;
}

export function string(value: unknown, path: string): string {
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
  return integer(value, `${path}.intValue`);
}

/** A signed 64-bit integer as a decimal string: a decimal string (kept verbatim) or an integral number. */
export function integer(value: unknown, path: string): string {
  if (typeof value === 'string' && SIGNED_DECIMAL.test(value)) return value;
  if (typeof value === 'number' && Number.isInteger(value)) {
    return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
  }
  throw new OtlpDecodeError(`${path}: expected an integer or a decimal string`);
}

/**
 * An unsigned 64-bit integer (fixed64, uint64) as a canonical decimal string: a decimal string or a
 * non-negative integral number; absent is '0'.
 */
export function unsigned(value: unknown, path: string): string {
  if (value === undefined || value === null) return '0';
  if (typeof value === 'string' && isUnsignedDecimal(value)) return canonicalDecimal(value);
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
    return Number.isSafeInteger(value) ? String(value) : BigInt(value).toString();
  }
  throw new OtlpDecodeError(`${path}: expected a non-negative integer or a decimal string`);
}

/** A double attribute value. */
function double(value: unknown, path: string): number {
  return number(value, `${path}.doubleValue`);
}

/** A double: a number, or a string as protobuf's JSON mapping allows ("NaN", "Infinity", "1.5"). */
export function number(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    if (!Number.isNaN(n) || value === 'NaN') return n;
  }
  throw new OtlpDecodeError(`${path}: expected a number`);
}

/** An optional double: absent is 0. */
export function optionalNumber(value: unknown, path: string): number {
  return value === undefined || value === null ? 0 : number(value, path);
}

function base64(value: unknown, path: string): string {
  if (typeof value === 'string' && BASE64.test(value)) return value;
  throw new OtlpDecodeError(`${path}.bytesValue: expected a base64 string`);
}

/**
 * A fixed64 time in unix nanoseconds as a canonical decimal string; absent is '0'. Strings are kept
 * digit for digit; numbers beyond 2^53 have already lost precision in JSON.parse and are taken as is.
 */
export function nanos(value: unknown, path: string): string {
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
export function id(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new OtlpDecodeError(`${path}: expected a hex string`);
  if (value.length % 2 === 0 && HEX.test(value)) return value.toLowerCase();
  if ((value.length === 24 || value.length === 12) && BASE64.test(value)) {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length === (value.length === 24 ? 16 : 8)) return bytes.toString('hex');
  }
  return undefined;
}
