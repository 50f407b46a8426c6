/**
 * AnyValues nested thousands deep, in OTLP/JSON and protobuf, built without recursion: the official
 * serializers recurse once per level (several JSON levels per AnyValue level) and overflow the stack
 * a few thousand levels down. A request is serialized with a placeholder string attribute, and the
 * placeholder is then replaced by the nested value (in protobuf, with every enclosing length redone).
 */
import { encodeVarint, parseMessage } from './byteMutations.js';

export type Level = 'array' | 'kvlist';

/** A string attribute value to serialize in place of the nested one. */
export const DEEP_PLACEHOLDER = 'QZXDEEPVALUEQZX';

/** OTLP/JSON of an AnyValue nested in `levels` (outermost first) around a string leaf. */
export function deepAnyValueJson(levels: readonly Level[], leaf: string): string {
  const open = levels.map((l) =>
    l === 'array' ? '{"arrayValue":{"values":[' : '{"kvlistValue":{"values":[{"key":"k","value":',
  );
  const close = levels.map((l) => (l === 'array' ? ']}}' : '}]}}')).reverse();
  return `${open.join('')}{"stringValue":${JSON.stringify(leaf)}}${close.join('')}`;
}

/** The placeholder's AnyValue in a JSON body replaced by the nested value. */
export function spliceDeepJson(body: Buffer, levels: readonly Level[], leaf: string): Buffer {
  const text = body.toString();
  const placeholder = `{"stringValue":"${DEEP_PLACEHOLDER}"}`;
  if (!text.includes(placeholder)) throw new Error('placeholder not found in the JSON body');
  return Buffer.from(text.replace(placeholder, deepAnyValueJson(levels, leaf)));
}

const len = (n: number) => encodeVarint(BigInt(n));

/** Protobuf bytes of an AnyValue message nested in `levels` (outermost first) around a string leaf. */
export function deepAnyValueProto(levels: readonly Level[], leaf: string): Buffer {
  const leafBytes = Buffer.from(leaf);
  const inner = Buffer.concat([Buffer.from([0x0a]), len(leafBytes.length), leafBytes]);
  // Protobuf has no closing bytes: the value is every level's header, outermost first, then the leaf.
  // Each header needs the size of what it wraps, so sizes are worked out from the inside.
  const headers: Buffer[] = [];
  let size = inner.length;
  for (let i = levels.length - 1; i >= 0; i--) {
    let header: Buffer;
    if (levels[i] === 'array') {
      // AnyValue.array_value (5) { ArrayValue.values (1) { AnyValue } }
      const arrayValue = Buffer.concat([Buffer.from([0x0a]), len(size)]);
      header = Buffer.concat([Buffer.from([0x2a]), len(arrayValue.length + size), arrayValue]);
    } else {
      // AnyValue.kvlist_value (6) { KeyValueList.values (1) { KeyValue { key (1) "k", value (2) AnyValue } } }
      const keyValue = Buffer.concat([Buffer.from([0x0a, 0x01, 0x6b, 0x12]), len(size)]);
      const list = Buffer.concat([Buffer.from([0x0a]), len(keyValue.length + size)]);
      header = Buffer.concat([
        Buffer.from([0x32]),
        len(list.length + keyValue.length + size),
        list,
        keyValue,
      ]);
    }
    headers.push(header);
    size += header.length;
  }
  return Buffer.concat([...headers.reverse(), inner]);
}

/**
 * The placeholder's AnyValue in a protobuf body replaced by the nested value; every message that
 * encloses it is re-encoded with its new length.
 */
export function spliceDeepProto(body: Buffer, levels: readonly Level[], leaf: string): Buffer {
  const at = body.indexOf(DEEP_PLACEHOLDER);
  if (at === -1) throw new Error('placeholder not found in the protobuf body');
  const replacement = deepAnyValueProto(levels, leaf);
  const placeholderAnyValue = Buffer.concat([
    Buffer.from([0x0a, DEEP_PLACEHOLDER.length]),
    Buffer.from(DEEP_PLACEHOLDER),
  ]);
  // Enclosing messages are few (request, resource spans, scope spans, span, key-value, value): the
  // recursion is bounded by the OTLP structure, not by the nesting being built.
  const splice = (start: number, end: number): Buffer => {
    const fields = parseMessage(body, start, end);
    if (fields === undefined) throw new Error(`not a message at ${start}..${end}`);
    const out: Buffer[] = [];
    for (const f of fields) {
      const encloses = f.payloadStart !== undefined && f.payloadStart <= at && at < f.payloadEnd!;
      if (!encloses) {
        out.push(body.subarray(f.tagStart, f.end));
        continue;
      }
      const payload = body.subarray(f.payloadStart, f.payloadEnd);
      const inner = payload.equals(placeholderAnyValue)
        ? replacement
        : splice(f.payloadStart!, f.payloadEnd!);
      out.push(body.subarray(f.tagStart, f.tagEnd), len(inner.length), inner);
    }
    return Buffer.concat(out);
  };
  return splice(0, body.length);
}
