import protobuf from 'protobufjs/minimal.js';
import { ATTR_CAPTURE_ORIGINAL_SIZE_SUFFIX } from '../storage/attributes.js';
import { doubleJson, formatDouble, setAttribute, truncateUtf8, utf8Boundary } from './attributeValue.js';
import { OtlpDecodeError, SpanRejection } from './decodeError.js';
import { int64ToDecimal, uint64ToDecimal } from './nanos.js';
import { StringCache } from './stringCache.js';

/**
 * What the protobuf decoders of every OTLP signal share: reading a message straight from the buffer
 * with protobufjs's `Reader` (no intermediate objects), bounds-checked embedded messages, strings
 * through a cache, ids as hex, 64-bit integers as decimal strings, and the common/v1 messages
 * (KeyValue, AnyValue, ArrayValue, KeyValueList) flattened to attribute strings.
 */

type Reader = protobuf.Reader;

// Wire tags, (field number << 3) | wire type, of opentelemetry-proto's common/v1/common.proto.
// Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. A known field arriving with another
// wire type is skipped like an unknown field.
const T_KEY_VALUE_KEY = (1 << 3) | 2;
const T_KEY_VALUE_VALUE = (2 << 3) | 2;
const T_ANY_STRING = (1 << 3) | 2;
const T_ANY_BOOL = (2 << 3) | 0;
const T_ANY_INT = (3 << 3) | 0;
const T_ANY_DOUBLE = (4 << 3) | 1;
const T_ANY_ARRAY = (5 << 3) | 2;
const T_ANY_KVLIST = (6 << 3) | 2;
const T_ANY_BYTES = (7 << 3) | 2;
const T_LIST_VALUES = (1 << 3) | 2;

/** Arrays and maps nested deeper than this are refused: no real attribute needs it, a hostile one might. */
export const MAX_ANY_VALUE_DEPTH = 32;

// Shared by every request (decoding is synchronous): attribute keys and span names repeat across
// requests as much as within one. Values are cached only when short — ids and messages rarely repeat.
export const NAMES = new StringCache(64);
const SHORT_VALUES = new StringCache(24);

/** The body as a Buffer over the same memory. */
export function asBuffer(body: Uint8Array): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * Runs a decoder over a whole request, turning what protobufjs throws on garbage (a RangeError "index
 * out of range…", an Error "invalid wire type…") into an `OtlpDecodeError` that names the message.
 */
export function decodeWhole(messageName: string, decode: () => void): void {
  try {
    decode();
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw error;
    const detail = error instanceof Error ? error.message : String(error);
    throw new OtlpDecodeError(`request body is not a valid protobuf ${messageName}: ${detail}`);
  }
}

/** Base of the OTLP protobuf decoders: the reader, its bounds checks and the common/v1 messages. */
export class OtlpProtobufReader {
  protected readonly r: Reader;
  /** UTF-8 length of the last string read, before any truncation. */
  protected lastStringBytes = 0;
  /** Size before truncation of the attribute value just read, or 0 when it was not truncated. */
  protected truncatedFrom = 0;
  /** The halves of the last 64-bit varint read. */
  private low = 0;
  private high = 0;

  constructor(
    protected readonly buf: Buffer,
    protected readonly maxValueBytes: number,
  ) {
    this.r = protobuf.Reader.create(buf);
  }

  /** KeyValue → `target[key] = flattened value`. */
  protected decodeKeyValue(end: number, target: Record<string, string>): void {
    const r = this.r;
    let key = '';
    let value = '';
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === T_KEY_VALUE_KEY) key = this.cachedString(end, NAMES);
      else if (tag === T_KEY_VALUE_VALUE) {
        this.truncatedFrom = 0;
        value = this.anyValue(this.messageEnd(end));
      } else this.skip(tag);
    }
    this.checkEnd(end, 'KeyValue');
    if (key === '') return;
    setAttribute(target, key, value);
    // Keep the size a truncated value had, under the name the SDK uses when it truncates captures.
    if (this.truncatedFrom > 0)
      target[key + ATTR_CAPTURE_ORIGINAL_SIZE_SUFFIX] ??= String(this.truncatedFrom);
  }

  /** AnyValue as a flat attribute string; an empty AnyValue is ''. */
  private anyValue(end: number): string {
    const r = this.r;
    let value = '';
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag) {
        case T_ANY_STRING:
          value = this.string(end, this.maxValueBytes, SHORT_VALUES);
          if (this.lastStringBytes > this.maxValueBytes) this.truncatedFrom = this.lastStringBytes;
          break;
        case T_ANY_BOOL:
          value = r.bool() ? 'true' : 'false';
          break;
        case T_ANY_INT:
          value = this.int64();
          break;
        case T_ANY_DOUBLE:
          value = formatDouble(r.double());
          break;
        case T_ANY_ARRAY:
          value = this.limit(this.arrayJson(this.messageEnd(end), 1));
          break;
        case T_ANY_KVLIST:
          value = this.limit(this.kvlistJson(this.messageEnd(end), 1));
          break;
        case T_ANY_BYTES:
          value = this.limit(this.base64(end));
          break;
        default:
          this.skip(tag);
      }
    }
    this.checkEnd(end, 'AnyValue');
    return value;
  }

  /** AnyValue as JSON text, for values inside arrays and key/value lists; an empty AnyValue is null. */
  private anyValueJson(end: number, depth: number): string {
    const r = this.r;
    let json = 'null';
    while (r.pos < end) {
      const tag = r.uint32();
      switch (tag) {
        case T_ANY_STRING:
          json = JSON.stringify(this.string(end, this.maxValueBytes));
          break;
        case T_ANY_BOOL:
          json = r.bool() ? 'true' : 'false';
          break;
        case T_ANY_INT:
          json = this.int64();
          break;
        case T_ANY_DOUBLE:
          json = doubleJson(r.double());
          break;
        case T_ANY_ARRAY:
          json = this.arrayJson(this.messageEnd(end), depth + 1);
          break;
        case T_ANY_KVLIST:
          json = this.kvlistJson(this.messageEnd(end), depth + 1);
          break;
        case T_ANY_BYTES:
          json = `"${this.base64(end)}"`;
          break;
        default:
          this.skip(tag);
      }
    }
    this.checkEnd(end, 'AnyValue');
    return json;
  }

  private arrayJson(end: number, depth: number): string {
    if (depth > MAX_ANY_VALUE_DEPTH) throw tooDeep();
    const r = this.r;
    const items: string[] = [];
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === T_LIST_VALUES) items.push(this.anyValueJson(this.messageEnd(end), depth));
      else this.skip(tag);
    }
    this.checkEnd(end, 'ArrayValue');
    return `[${items.join(',')}]`;
  }

  private kvlistJson(end: number, depth: number): string {
    if (depth > MAX_ANY_VALUE_DEPTH) throw tooDeep();
    const r = this.r;
    const entries: string[] = [];
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag !== T_LIST_VALUES) {
        this.skip(tag);
        continue;
      }
      const kvEnd = this.messageEnd(end);
      let key = '';
      let json = 'null';
      while (r.pos < kvEnd) {
        const t = r.uint32();
        if (t === T_KEY_VALUE_KEY) key = this.string(kvEnd);
        else if (t === T_KEY_VALUE_VALUE) json = this.anyValueJson(this.messageEnd(kvEnd), depth);
        else this.skip(t);
      }
      this.checkEnd(kvEnd, 'KeyValue');
      entries.push(`${JSON.stringify(key)}:${json}`);
    }
    this.checkEnd(end, 'KeyValueList');
    return `{${entries.join(',')}}`;
  }

  /** Reads a length prefix and returns where the embedded message ends, checked against its parent. */
  protected messageEnd(parentEnd: number): number {
    const length = this.r.uint32();
    const end = this.r.pos + length;
    if (end > parentEnd) {
      throw new OtlpDecodeError(
        `truncated protobuf: a field of ${length} bytes at offset ${this.r.pos} overruns its message`,
      );
    }
    return end;
  }

  protected checkEnd(end: number, message: string): void {
    if (this.r.pos !== end) {
      throw new OtlpDecodeError(`malformed protobuf: ${message} ending at offset ${end} was overrun`);
    }
  }

  /** A flattened array, map or bytes value cut to the attribute value limit, noting its size if cut. */
  private limit(value: string): string {
    const limited = truncateUtf8(value, this.maxValueBytes);
    if (limited.length !== value.length) this.truncatedFrom = Buffer.byteLength(value, 'utf8');
    return limited;
  }

  /**
   * A length-delimited string, cut to `maxBytes` UTF-8 bytes at a character boundary; uncut strings
   * come from `cache` when one is given.
   */
  protected string(parentEnd: number, maxBytes = Infinity, cache?: StringCache): string {
    const end = this.messageEnd(parentEnd);
    const start = this.r.pos;
    this.r.pos = end;
    this.lastStringBytes = end - start;
    if (end - start <= maxBytes) {
      return cache === undefined ? this.buf.toString('utf8', start, end) : cache.get(this.buf, start, end);
    }
    return this.buf.toString('utf8', start, start + utf8Boundary(this.buf, start, maxBytes));
  }

  /** A length-delimited string that is never truncated (keys, names), through `cache`. */
  protected cachedString(parentEnd: number, cache: StringCache): string {
    const end = this.messageEnd(parentEnd);
    const start = this.r.pos;
    this.r.pos = end;
    this.lastStringBytes = end - start;
    return cache.get(this.buf, start, end);
  }

  /** A length-delimited bytes field as lowercase hex (ids). */
  protected hex(parentEnd: number): string {
    const end = this.messageEnd(parentEnd);
    const start = this.r.pos;
    this.r.pos = end;
    return this.buf.toString('hex', start, end);
  }

  /** A length-delimited bytes field as base64. */
  private base64(parentEnd: number): string {
    const end = this.messageEnd(parentEnd);
    const start = this.r.pos;
    this.r.pos = end;
    return this.buf.toString('base64', start, end);
  }

  /** A varint int64 as a signed decimal string, read as two 32-bit halves (no Long, no precision loss). */
  protected int64(): string {
    this.varint64();
    return int64ToDecimal(this.low, this.high);
  }

  /** A varint uint64 as a decimal string, read as two 32-bit halves. */
  protected uint64(): string {
    this.varint64();
    return uint64ToDecimal(this.low, this.high);
  }

  /** A fixed64 as an unsigned decimal string. */
  protected fixed64(): string {
    const low = this.r.fixed32();
    return uint64ToDecimal(low, this.r.fixed32());
  }

  /** An sfixed64 as a signed decimal string. */
  protected sfixed64(): string {
    const low = this.r.fixed32();
    return int64ToDecimal(low, this.r.fixed32());
  }

  /** Reads a 64-bit varint into `low` and `high`. */
  private varint64(): void {
    const r = this.r;
    let pos = r.pos;
    let low = 0;
    let high = 0;
    // Up to 10 bytes of 7 bits: bytes 0-3 fill the low word, byte 4 straddles both, 5-9 the high word.
    for (let i = 0; i < 10; i++) {
      const b = byteAt(this.buf, pos++, r.len);
      if (i < 4) low |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        low |= (b & 0x7f) << 28;
        high = (b & 0x7f) >> 4;
      } else high |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) {
        r.pos = pos;
        this.low = low >>> 0;
        this.high = high >>> 0;
        return;
      }
    }
    throw new OtlpDecodeError(`invalid varint at offset ${r.pos}`);
  }

  protected skip(tag: number): void {
    const wireType = tag & 7;
    if (tag >>> 3 === 0 || wireType === 4 || wireType > 5) {
      throw new OtlpDecodeError(`invalid protobuf tag ${tag} at offset ${this.r.pos}`);
    }
    this.r.skipType(wireType);
  }
}

function byteAt(buf: Buffer, pos: number, len: number): number {
  const b = buf[pos];
  if (b === undefined || pos >= len) throw new OtlpDecodeError(`truncated varint at offset ${pos}`);
  return b;
}

function tooDeep(): SpanRejection {
  return new SpanRejection({
    reason: 'too_deep',
    message: `an attribute value is nested deeper than ${MAX_ANY_VALUE_DEPTH} arrays or maps`,
  });
}
