/**
 * Byte-level mutations of request bodies for the ingest fuzz test: flips, truncations, inserted and
 * deleted bytes, and two that need the protobuf structure — a field's wire type changed, and a
 * length prefix replaced with a huge one. The structure is found by walking the body as nested
 * protobuf messages without a schema: every length-delimited field whose payload parses cleanly as
 * a message is walked too (a string that happens to parse is walked as well, which is fine here).
 */
import type { SeededRandom } from './seededRandom.js';

/** One field of a protobuf message, by byte offsets into the body. */
export interface ProtoField {
  tagStart: number;
  tagEnd: number;
  /** Offset just past the field. */
  end: number;
  wireType: number;
  /** Length-delimited fields: the varint holding the length, and the payload. */
  lengthStart?: number;
  payloadStart?: number;
  payloadEnd?: number;
}

const MAX_WALK_DEPTH = 16;
const MAX_FIELDS = 50_000;

function readVarint(buf: Buffer, pos: number, end: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= end) return undefined;
    const b = buf[pos + i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return { value, next: pos + i + 1 };
  }
  return undefined;
}

/** Parses buf[start, end) as one message; undefined when it is not one. */
export function parseMessage(buf: Buffer, start: number, end: number): ProtoField[] | undefined {
  const fields: ProtoField[] = [];
  let pos = start;
  while (pos < end) {
    const tag = readVarint(buf, pos, end);
    if (tag === undefined || tag.value < 8) return undefined;
    const wireType = tag.value % 8;
    const field: ProtoField = { tagStart: pos, tagEnd: tag.next, end: 0, wireType };
    pos = tag.next;
    switch (wireType) {
      case 0: {
        const v = readVarint(buf, pos, end);
        if (v === undefined) return undefined;
        pos = v.next;
        break;
      }
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        const len = readVarint(buf, pos, end);
        if (len === undefined || len.next + len.value > end) return undefined;
        field.lengthStart = pos;
        field.payloadStart = len.next;
        field.payloadEnd = len.next + len.value;
        pos = field.payloadEnd;
        break;
      }
      default:
        return undefined;
    }
    if (pos > end) return undefined;
    field.end = pos;
    fields.push(field);
  }
  return fields;
}

/** Every field of the body's message tree (bounded in depth and count). */
export function protoFields(buf: Buffer): ProtoField[] {
  const all: ProtoField[] = [];
  const stack: { start: number; end: number; depth: number }[] = [{ start: 0, end: buf.length, depth: 0 }];
  while (stack.length > 0 && all.length < MAX_FIELDS) {
    const { start, end, depth } = stack.pop()!;
    const fields = parseMessage(buf, start, end);
    if (fields === undefined) continue;
    for (const f of fields) {
      all.push(f);
      if (f.payloadStart !== undefined && f.payloadEnd! > f.payloadStart && depth < MAX_WALK_DEPTH) {
        stack.push({ start: f.payloadStart, end: f.payloadEnd!, depth: depth + 1 });
      }
    }
  }
  return all;
}

export function encodeVarint(value: bigint): Buffer {
  const out: number[] = [];
  let v = value;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}

export function flipBytes(body: Buffer, random: SeededRandom): Buffer {
  const out = Buffer.from(body);
  const flips = random.int(1, Math.max(1, Math.min(16, Math.ceil(body.length / 64))));
  for (let i = 0; i < flips && out.length > 0; i++) {
    const at = random.int(0, out.length - 1);
    out[at] = random.chance(0.5) ? out[at]! ^ (1 << random.int(0, 7)) : random.int(0, 255);
  }
  return out;
}

export function truncate(body: Buffer, random: SeededRandom): Buffer {
  return body.subarray(0, random.int(0, Math.max(0, body.length - 1)));
}

export function insertBytes(body: Buffer, random: SeededRandom): Buffer {
  const at = random.int(0, body.length);
  return Buffer.concat([body.subarray(0, at), random.bytes(random.int(1, 32)), body.subarray(at)]);
}

export function deleteBytes(body: Buffer, random: SeededRandom): Buffer {
  if (body.length < 2) return Buffer.alloc(0);
  const at = random.int(0, body.length - 1);
  const n = random.int(1, Math.min(32, body.length - at));
  return Buffer.concat([body.subarray(0, at), body.subarray(at + n)]);
}

/** One field's wire type replaced by another (0–7: 3, 4, 6 and 7 are groups and reserved types). */
export function changeWireType(body: Buffer, random: SeededRandom): Buffer {
  const fields = protoFields(body);
  if (fields.length === 0) return flipBytes(body, random);
  const f = random.pick(fields);
  const out = Buffer.from(body);
  let wireType = random.int(0, 7);
  if (wireType === f.wireType) wireType = (wireType + 1) % 8;
  out[f.tagStart] = (out[f.tagStart]! & 0xf8) | wireType;
  return out;
}

/** Lengths no body holds: past the end, 2^31, 2^32, 2^53, 2^64 − 1, and an 11-byte varint. */
const HUGE_LENGTHS: readonly (bigint | 'overlong')[] = [
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n - 1n,
  2n ** 32n + 7n,
  2n ** 53n,
  2n ** 63n,
  2n ** 64n - 1n,
  'overlong',
];

/** One length-delimited field's length replaced by a huge one (or merely one past the body's end). */
export function hugeLength(body: Buffer, random: SeededRandom): Buffer {
  const fields = protoFields(body).filter((f) => f.lengthStart !== undefined);
  if (fields.length === 0) return flipBytes(body, random);
  const f = random.pick(fields);
  const choice = random.chance(0.15) ? BigInt(body.length - f.payloadStart! + 1) : random.pick(HUGE_LENGTHS);
  const varint =
    choice === 'overlong'
      ? Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
      : encodeVarint(choice);
  return Buffer.concat([body.subarray(0, f.lengthStart), varint, body.subarray(f.payloadStart)]);
}

/**
 * Replaces every occurrence of the ASCII `marker` with bytes that are not UTF-8 (a lone continuation
 * byte, an overlong encoding, a surrogate, 0xFF), keeping the length so that the structure holds.
 */
export function invalidUtf8AtMarker(body: Buffer, marker: string, random: SeededRandom): Buffer {
  const bad = [
    [0x80],
    [0xff],
    [0xc0, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf8, 0x88, 0x80, 0x80, 0x80],
    [0xe2, 0x28, 0xa1],
  ];
  const out = Buffer.from(body);
  const m = Buffer.from(marker);
  for (let at = out.indexOf(m); at !== -1; at = out.indexOf(m, at + m.length)) {
    const seq = random.pick(bad);
    for (let i = 0; i < m.length; i++) out[at + i] = seq[i % seq.length]!;
  }
  return out;
}
