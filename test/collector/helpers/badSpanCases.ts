/**
 * Fuzz cases where one span of a request is bad and its neighbours are good: times OTLP or storage
 * cannot hold, AnyValues nested 30 to 5000 deep, huge and many attributes, invalid ids. The promise:
 * the request is answered 200, the bad span is refused in partial_success (or accepted and stored),
 * the neighbours are stored.
 */
import type { HrTime } from '@opentelemetry/api';
import { DEEP_PLACEHOLDER, spliceDeepJson, spliceDeepProto, type Level } from './deepAnyValue.js';
import { CaseSource, CONTENT_TYPE, encode, type CaseBody, type Encoding } from './fuzzCase.js';
import { hrTimeOfNanos, refOf, withChanges, type SpanChanges } from './sdkSpans.js';

type JsonObject = Record<string, unknown>;

const MIB = 1024 * 1024;

export class BadSpanCases extends CaseSource {
  /** A time field set to what OTLP/protobuf can carry and storage cannot hold, or OTLP/JSON cannot parse. */
  time(): CaseBody {
    const r = this.random;
    const ns = (v: bigint): HrTime => hrTimeOfNanos(v);
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    const U64_MAX = 2n ** 64n - 1n;
    if (r.chance(0.5)) {
      // Times a protobuf fixed64 can carry, through the official serializers.
      const variants: [string, SpanChanges, boolean][] = [
        ['start 0 (missing)', { startTime: ns(0n), endTime: ns(nowNs) }, true],
        ['start 1 ns', { startTime: ns(1n), endTime: ns(1_000n) }, false],
        ['start 10-digit', { startTime: ns(1_700_000_000n), endTime: ns(1_700_001_000n) }, false],
        [
          'start 18-digit',
          { startTime: ns(170_000_000_000_000_000n), endTime: ns(170_000_000_000_001_000n) },
          false,
        ],
        ['end 2^64-1', { endTime: ns(U64_MAX) }, true],
        ['start and end 2^64-1', { startTime: ns(U64_MAX), endTime: ns(U64_MAX) }, true],
        ['start and end 2^63 (year 2262)', { startTime: ns(2n ** 63n), endTime: ns(2n ** 63n + 5n) }, true],
        ['end before start', { startTime: ns(nowNs), endTime: ns(nowNs - 1_000_000n) }, true],
        ['end 0', { startTime: ns(nowNs), endTime: ns(0n) }, true],
        ['event at 2^64-1', { eventTime: ns(U64_MAX) }, false],
        ['event at 0', { eventTime: ns(0n) }, false],
      ];
      const [detail, changes, mustReject] = r.pick(variants);
      return this.oneBadSpan(changes, mustReject, detail, r.chance(0.5) ? 'protobuf' : 'json');
    }
    // What only OTLP/JSON can carry: numbers, signs, exponents and words where a decimal string goes.
    const field = r.pick(['startTimeUnixNano', 'endTimeUnixNano'] as const);
    const variants: [unknown, boolean][] = [
      [0, true],
      ['0', true],
      ['', true],
      [1e300, true],
      ['1e300', true],
      [-5, true],
      ['-5', true],
      ['abc', true],
      ['18446744073709551615', true],
      ['18446744073709551616', true],
      ['99999999999999999999999999', true],
      ['1.5e18', true],
      [' 1700000000000000000', true],
      ['0x1000', true],
      [1.5, true],
      // Valid 1970 times as a start; as an end they fall before the start.
      ['1', field === 'endTimeUnixNano'],
      ['1700000000', field === 'endTimeUnixNano'],
      [Number(nowNs), false],
    ];
    const [value, mustReject] = r.pick(variants);
    return this.oneBadSpan({}, mustReject, `JSON ${field} = ${JSON.stringify(value)}`, 'json', (span) => {
      span[field] = value;
    });
  }

  /** Ids the OTLP data model calls invalid (all zero, wrong length, not hex), and an empty name. */
  ids(): CaseBody {
    const r = this.random;
    const variants: [string, SpanChanges, boolean, ((s: JsonObject) => void)?][] = [
      ['trace_id all zero', { traceId: '0'.repeat(32) }, true],
      ['span_id all zero', { spanId: '0'.repeat(16) }, true],
      ['span_id of 7 bytes', { spanId: r.hexId(7) }, true],
      ['span_id of 9 bytes', { spanId: r.hexId(9) }, true],
      ['trace_id of 15 bytes', { traceId: r.hexId(15) }, true],
      ['parent_span_id of 3 bytes', { parentSpanId: r.hexId(3) }, true],
      ['empty name', { name: '' }, false],
      ['span_id not hex (JSON)', {}, true, (s) => (s['spanId'] = 'zzzzzzzzzzzzzzzz')],
      ['trace_id not hex (JSON)', {}, true, (s) => (s['traceId'] = 'g'.repeat(32))],
      // Reading a base64 id is lenient, not false, as long as what is stored matches the answer.
      [
        'span_id as base64 (JSON)',
        {},
        false,
        (s) => (s['spanId'] = Buffer.from(String(s['spanId']), 'hex').toString('base64')),
      ],
    ];
    const [detail, changes, mustReject, patch] = r.pick(variants);
    return this.oneBadSpan(changes, mustReject, detail, patch ? 'json' : this.encoding(), patch);
  }

  /** An attribute whose AnyValue nests arrays, kvlists or both 30 to 5000 deep. */
  deep(): CaseBody {
    const r = this.random;
    const depth = r.chance(0.5) ? r.pick([30, 31, 32, 33, 34, 64, 128, 1000, 5000]) : r.int(30, 5000);
    const shape = r.pick(['array', 'kvlist', 'mixed'] as const);
    // `depth` AnyValues in all: depth - 1 arrays or kvlists around a string.
    const levels = Array.from({ length: depth - 1 }, (): Level =>
      shape === 'array' || (shape === 'mixed' && r.chance(0.5)) ? 'array' : 'kvlist',
    );
    const enc = this.encoding();
    const splice = enc === 'json' ? spliceDeepJson : spliceDeepProto;
    return this.oneBadSpan(
      { attributes: { 'fuzz.deep': DEEP_PLACEHOLDER } },
      false,
      `AnyValue ${shape} ${depth} deep`,
      enc,
      undefined,
      (body) => splice(body, levels, 'leaf'),
    );
  }

  /** An attribute value of 1 to 4 MiB. */
  hugeValue(): CaseBody {
    const bytes = this.random.int(1, 4) * MIB;
    const value = String.fromCharCode(97 + this.random.int(0, 25)).repeat(bytes);
    return this.oneBadSpan(
      { attributes: { 'gen_ai.tool.call.result': value } },
      false,
      `attribute of ${bytes} bytes`,
    );
  }

  /** 2 000 to 20 000 attributes on one span. */
  manyAttributes(): CaseBody {
    const n = this.random.int(2_000, 20_000);
    const attributes: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) attributes[`fuzz.attr.${i}`] = i % 3 ? `value-${i}` : i;
    return this.oneBadSpan({ attributes }, false, `${n} attributes`);
  }

  /** A request of good spans with one span changed (as a protobuf or JSON body). */
  private oneBadSpan(
    changes: SpanChanges,
    mustReject: boolean,
    detail: string,
    enc: Encoding = this.encoding(),
    patchJson?: (span: JsonObject) => void,
    patchBody?: (body: Buffer) => Buffer,
  ): CaseBody {
    const spans = this.spans(2);
    const at = this.random.int(0, spans.length - 1);
    const original = spans[at]!;
    const sent = spans.map((s, i) => (i === at ? withChanges(s, changes) : s));
    let body = encode(enc, sent);
    if (patchJson !== undefined) {
      const doc = JSON.parse(body.toString()) as JsonObject;
      const target = jsonSpans(doc).find((s) => s['spanId'] === original.spanContext().spanId);
      if (target === undefined) throw new Error('mutated span not found in the JSON body');
      patchJson(target);
      body = Buffer.from(JSON.stringify(doc));
    }
    if (patchBody !== undefined) body = patchBody(body);
    const refs = spans.map(refOf);
    return {
      body,
      headers: { 'content-type': CONTENT_TYPE[enc] },
      detail: `${enc}: ${detail}`,
      expect: {
        kind: 'span',
        neighbours: refs.filter((_, i) => i !== at),
        mutated: refs[at]!,
        spanIds: refs.map((s) => s.spanId),
        traceIds: [...new Set(refs.map((s) => s.traceId))],
        mustReject,
      },
    };
  }
}

function jsonSpans(doc: JsonObject): JsonObject[] {
  const out: JsonObject[] = [];
  for (const rs of (doc['resourceSpans'] as JsonObject[] | undefined) ?? [])
    for (const ss of (rs['scopeSpans'] as JsonObject[] | undefined) ?? [])
      for (const s of (ss['spans'] as JsonObject[] | undefined) ?? []) out.push(s);
  return out;
}
