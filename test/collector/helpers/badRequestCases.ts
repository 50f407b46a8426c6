/**
 * Fuzz cases bad as a whole: mangled bytes, wrong wire types, huge length prefixes, invalid UTF-8,
 * JSON of the wrong types or no JSON at all, wrong Content-Type and Content-Encoding, corrupt
 * compressed bodies, empty bodies. The promise: never a 5xx, and a refusal stores nothing.
 */
import * as zlib from 'node:zlib';
import {
  changeWireType,
  deleteBytes,
  flipBytes,
  hugeLength,
  insertBytes,
  invalidUtf8AtMarker,
  truncate,
} from './byteMutations.js';
import {
  CaseSource,
  CONTENT_TYPE,
  compress,
  encode,
  invalid,
  refused,
  type CaseBody,
  type Encoding,
} from './fuzzCase.js';
import { toJson, toProtobuf, withChanges, type SpanChanges } from './sdkSpans.js';

const UTF8_MARKER = 'QZXUTF8MARKQZX';
const CODINGS = ['gzip', 'deflate', 'deflate-raw', 'br'] as const;
const DAMAGE = [
  'random bytes',
  'truncated',
  'not compressed',
  'flipped',
  'trailing garbage',
  'other coding',
] as const;

export class BadRequestCases extends CaseSource {
  private corruptCount = 0;

  bytes(mutation: 'flip' | 'truncate' | 'insert' | 'delete'): CaseBody {
    const enc = this.encoding();
    const spans = this.spans();
    const mutate = { flip: flipBytes, truncate, insert: insertBytes, delete: deleteBytes }[mutation];
    return invalid(
      spans,
      mutate(encode(enc, spans), this.random),
      { 'content-type': CONTENT_TYPE[enc] },
      enc,
      false,
    );
  }

  /** A field's wire type changed, or a length prefix replaced by a huge one. */
  protobufStructure(mutation: 'wire-type' | 'huge-length'): CaseBody {
    const spans = this.spans();
    const mutate = mutation === 'wire-type' ? changeWireType : hugeLength;
    return invalid(
      spans,
      mutate(toProtobuf(spans), this.random),
      { 'content-type': CONTENT_TYPE.protobuf },
      'protobuf',
      false,
    );
  }

  /** Bytes that are not UTF-8 in a name, an attribute key or value, or an event name. */
  invalidUtf8(): CaseBody {
    const r = this.random;
    const enc = this.encoding();
    const spans = this.spans();
    const at = r.int(0, spans.length - 1);
    const where = r.pick(['name', 'attribute key', 'attribute value', 'event name'] as const);
    const changes: SpanChanges =
      where === 'name'
        ? { name: `tools/call ${UTF8_MARKER}` }
        : where === 'attribute key'
          ? { attributes: { [`k.${UTF8_MARKER}`]: 'v' } }
          : where === 'attribute value'
            ? { attributes: { 'gen_ai.tool.name': `v${UTF8_MARKER}` } }
            : { eventTime: spans[at]!.startTime };
    let sent = spans.map((s, i) => (i === at ? withChanges(s, changes) : s));
    if (where === 'event name') {
      const s = sent[at]!;
      sent = sent.map((x, i) =>
        i === at ? { ...s, events: s.events.map((e) => ({ ...e, name: `${e.name}${UTF8_MARKER}` })) } : x,
      );
    }
    const body = invalidUtf8AtMarker(encode(enc, sent), UTF8_MARKER, r);
    return invalid(
      spans,
      body,
      { 'content-type': CONTENT_TYPE[enc] },
      `${enc}: invalid UTF-8 in ${where}`,
      true,
    );
  }

  /** OTLP/JSON with values of the wrong JSON type, or null at one place, at one depth or everywhere. */
  jsonConfusion(nulls: boolean): CaseBody {
    const r = this.random;
    const spans = this.spans();
    const doc = JSON.parse(toJson(spans).toString()) as unknown;
    const slots = jsonSlots(doc);
    let detail: string;
    if (nulls) {
      const mode = r.pick(['one', 'depth', 'all'] as const);
      const depth = r.int(0, 8);
      const chosen =
        mode === 'one' ? [r.pick(slots)] : slots.filter((s) => mode === 'all' || s.depth === depth);
      for (const s of chosen) s.parent[s.key] = null;
      detail = mode === 'depth' ? `null at depth ${depth}` : `null ${mode}`;
    } else {
      const names: string[] = [];
      for (let i = r.int(1, 3); i > 0; i--) {
        const s = r.pick(slots);
        const before = s.parent[s.key];
        s.parent[s.key] = confuse(before, this.random);
        names.push(`${s.key}: ${typeName(before)} → ${typeName(s.parent[s.key])}`);
      }
      detail = names.join(', ');
    }
    return invalid(
      spans,
      Buffer.from(JSON.stringify(doc)),
      { 'content-type': CONTENT_TYPE.json },
      detail,
      false,
    );
  }

  /** JSON text nested up to a million deep, closed or not. */
  deepJsonText(): CaseBody {
    const r = this.random;
    const n = r.pick([1_000, 10_000, 100_000, 1_000_000]);
    const open = r.chance(0.5) ? '[' : '{"a":';
    const close = open === '[' ? ']' : '}';
    const body = Buffer.from(`{"resourceSpans":${open.repeat(n)}${r.chance(0.8) ? close.repeat(n) : ''}}`);
    return invalid([], body, { 'content-type': CONTENT_TYPE.json }, `${open} ×${n}`, false);
  }

  notJson(): CaseBody {
    const r = this.random;
    const spans = this.spans();
    const body = r.pick([
      () => r.bytes(r.int(1, 512)),
      () => toProtobuf(spans),
      () => Buffer.from('{"resourceSpans": [ {"scopeSpans": [ {"spans": [ {"traceId": '),
      () => Buffer.from(`\ufeff${toJson(spans).toString()}`),
      () => Buffer.from('null'),
      () => Buffer.from('"resourceSpans"'),
      () => Buffer.from('[]'),
      () => Buffer.from('1e400'),
    ])();
    return invalid(spans, body, { 'content-type': CONTENT_TYPE.json }, 'not JSON', false);
  }

  /** A valid body under a Content-Type that is neither OTLP encoding (or none): 415. */
  wrongContentType(): CaseBody {
    const enc = this.encoding();
    const spans = this.spans();
    const type = this.random.pick([
      'text/plain',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'application/grpc',
      'application/xml',
      'application/x-www-form-urlencoded',
      '',
      undefined,
    ]);
    const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type };
    return refused(spans, encode(enc, spans), headers, `Content-Type ${JSON.stringify(type)}`, [415]);
  }

  /** A protobuf body labelled JSON, or the other way round. */
  swappedContentType(): CaseBody {
    const enc = this.encoding();
    const spans = this.spans();
    const other: Encoding = enc === 'json' ? 'protobuf' : 'json';
    return invalid(
      spans,
      encode(enc, spans),
      { 'content-type': CONTENT_TYPE[other] },
      `${enc} body as ${other}`,
      false,
    );
  }

  /** A Content-Encoding the receiver does not decode: 415. */
  unknownEncoding(): CaseBody {
    const enc = this.encoding();
    const spans = this.spans();
    const coding = this.random.pick([
      'zstd',
      'compress',
      'x-compress',
      'lz4',
      'snappy',
      'foo',
      'gzip;q=1',
      'gzip2',
      '*',
    ]);
    const body = this.random.chance(0.5) ? compress('gzip', encode(enc, spans)) : encode(enc, spans);
    const headers = { 'content-type': CONTENT_TYPE[enc], 'content-encoding': coding };
    return refused(spans, body, headers, `Content-Encoding ${coding}`, [415]);
  }

  corruptCompressed(): CaseBody {
    const r = this.random;
    const enc = this.encoding();
    const spans = this.spans();
    // Every coding with every kind of damage, in turn: 24 combinations, each met in a run of a few
    // thousand requests whatever the seed.
    const combination = this.corruptCount++;
    const coding = CODINGS[combination % CODINGS.length]!;
    const damage = DAMAGE[Math.floor(combination / CODINGS.length) % DAMAGE.length]!;
    const plain = encode(enc, spans);
    const packed = compress(coding, plain);
    const body =
      damage === 'random bytes'
        ? r.bytes(r.int(1, 256))
        : damage === 'truncated'
          ? packed.subarray(0, r.int(1, packed.length - 1))
          : damage === 'not compressed'
            ? plain
            : damage === 'flipped'
              ? flipBytes(packed, r)
              : damage === 'trailing garbage'
                ? Buffer.concat([packed, r.bytes(r.int(1, 64))])
                : compress(coding === 'br' ? 'gzip' : 'br', plain);
    const headers = {
      'content-type': CONTENT_TYPE[enc],
      'content-encoding': coding === 'deflate-raw' ? 'deflate' : coding,
    };
    return invalid(spans, body, headers, `${coding}: ${damage}`, false);
  }

  empty(): CaseBody {
    const enc = this.encoding();
    const variant = this.random.pick([
      'none',
      'gzip-header',
      'gzip-of-empty',
      'deflate-header',
      'br-header',
    ] as const);
    const headers: Record<string, string> = { 'content-type': CONTENT_TYPE[enc] };
    let body = Buffer.alloc(0);
    if (variant === 'gzip-of-empty') body = zlib.gzipSync(body);
    if (variant !== 'none') headers['content-encoding'] = variant.split('-')[0]!;
    return invalid([], body, headers, `empty ${enc} ${variant}`, true);
  }
}

interface Slot {
  parent: Record<string | number, unknown>;
  key: string | number;
  depth: number;
}

/** Every value position in a JSON document (object members and array items), with its depth. */
function jsonSlots(doc: unknown): Slot[] {
  const slots: Slot[] = [];
  const stack: { value: unknown; depth: number }[] = [{ value: doc, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    const container = value as Record<string | number, unknown>;
    const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
    for (const key of keys) {
      slots.push({ parent: container, key, depth });
      stack.push({ value: container[key], depth: depth + 1 });
    }
  }
  return slots;
}

/** A value of another JSON type than `value`, chosen to confuse a decoder expecting `value`'s type. */
function confuse(value: unknown, r: { pick<T>(items: readonly T[]): T }): unknown {
  const options: unknown[] = [
    null,
    true,
    0,
    -1,
    1.5,
    1e308,
    '',
    'abc',
    '0',
    {},
    [],
    [1, 'a', null],
    { a: 1 },
  ];
  if (typeof value === 'string') options.push(123, 2 ** 64, [value], { value });
  if (Array.isArray(value)) options.push({ 0: value[0] }, value[0] ?? 1, 'list');
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    options.push([value], Object.values(value), 'object');
  if (typeof value === 'number') options.push(String(value), [value], -value, value + 0.5);
  return r.pick(options);
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
