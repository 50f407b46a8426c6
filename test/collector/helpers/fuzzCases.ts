/**
 * The cases of the ingest fuzz test, in the order a seed gives them: valid OTLP requests built from
 * real SDK spans (tracked: every span must be stored exactly once when the answer is 200), requests
 * where one span is bad and its neighbours are good (badSpanCases.ts), requests bad as a whole
 * (badRequestCases.ts), and a few rare or slow ones spread evenly over the run: bombs, bodies past the
 * size limit, slow drips.
 *
 * Generation is synchronous and draws only from the seeded generator, so a seed replays the run.
 */
import * as zlib from 'node:zlib';
import { BadRequestCases } from './badRequestCases.js';
import { BadSpanCases } from './badSpanCases.js';
import { encodeVarint, flipBytes } from './byteMutations.js';
import {
  CaseSource,
  CONTENT_TYPE,
  compress,
  encode,
  invalid,
  refused,
  valid,
  type CaseBody,
  type Encoding,
  type FuzzCase,
  type SentText,
} from './fuzzCase.js';
import { refOf, toProtobuf, withChanges, type SdkSpans } from './sdkSpans.js';
import type { SeededRandom } from './seededRandom.js';
import { TEXT_MARKER } from './storedRows.js';

export type { Expectation, FuzzCase } from './fuzzCase.js';

const MIB = 1024 * 1024;
/** Past the collector's body limit after decompression (20 MiB). */
const OVERSIZE_BYTES = 21 * MIB;
/** What the bombs inflate to. */
const BOMB_BYTES = 100 * MIB;

/** Categories drawn at random, with their weights. */
const WEIGHTS = {
  'valid/protobuf': 14,
  'valid/json': 10,
  'valid/compressed': 8,
  'valid/content-type': 3,
  'valid/hostile-text': 3,
  'span/time': 10,
  'span/deep': 6,
  'span/huge-value': 1.5,
  'span/many-attributes': 1.5,
  'span/ids': 5,
  'bytes/flip': 6,
  'bytes/truncate': 5,
  'bytes/insert': 4,
  'bytes/delete': 4,
  'proto/wire-type': 4,
  'proto/huge-length': 4,
  'utf8/invalid': 3,
  'json/type-confusion': 5,
  'json/null': 3,
  'json/deep-text': 0.5,
  'json/not-json': 1,
  'content-type/wrong': 2,
  'content-type/swapped': 1.5,
  'encoding/unknown': 1.5,
  'encoding/corrupt': 2,
  empty: 1,
} as const;

/** Rare or slow cases, spread evenly over the run rather than drawn. */
const SCHEDULED = [
  'bomb/gzip',
  'drip/valid',
  'bomb/deflate',
  'oversize/plain',
  'drip/valid',
  'bomb/br',
  'drip/invalid',
  'bomb/gzip',
  'drip/valid',
  'oversize/chunked',
  'bomb/deflate',
  'drip/valid',
  'bomb/br',
  'drip/invalid',
] as const;

/** Text that ends literals in SQL, heredocs, JSON, C and terminals, and text that merely looks odd. */
const HOSTILE_TEXT = [
  '$$',
  '$',
  '$$); DROP TABLE mcpscope.otel_traces; --',
  "'",
  "\\'",
  '\\',
  '"',
  '\u0000',
  'a\u0000b$$',
  '\n\r\t',
  '\u2028\u2029',
  'émoji 🧪 漢字',
  "Robert'); DROP TABLE otel_traces;--",
  '$$ FORMAT JSONEachRow',
  '{"a":1}',
  '\\u0024\\u0024',
  '%s%n%x',
  '\u007f\u001b[31m',
  `${'x'.repeat(1000)}$$`,
  '${7*7}',
  '\ufeff',
  ' leading and trailing ',
  '',
  'null',
];

export class FuzzCases extends CaseSource {
  private readonly scheduledAt = new Map<number, (typeof SCHEDULED)[number]>();
  private readonly bombs = new Map<string, Buffer>();
  private readonly badSpan: BadSpanCases;
  private readonly badRequest: BadRequestCases;

  constructor(random: SeededRandom, sdk: SdkSpans, total: number) {
    super(random, sdk);
    this.badSpan = new BadSpanCases(random, sdk);
    this.badRequest = new BadRequestCases(random, sdk);
    SCHEDULED.forEach((category, k) => {
      this.scheduledAt.set(Math.floor(((k + 1) * total) / (SCHEDULED.length + 1)), category);
    });
  }

  next(index: number): FuzzCase {
    const category = this.scheduledAt.get(index) ?? this.random.weighted(WEIGHTS);
    return { index, category, ...this.build(category) };
  }

  private build(category: string): CaseBody {
    switch (category) {
      case 'valid/protobuf':
      case 'valid/json': {
        const enc: Encoding = category === 'valid/json' ? 'json' : 'protobuf';
        const spans = this.spans();
        return valid(spans, encode(enc, spans), { 'content-type': CONTENT_TYPE[enc] }, enc);
      }
      case 'valid/compressed': {
        const enc = this.encoding();
        const spans = this.spans();
        const coding = this.random.pick(['gzip', 'deflate', 'deflate-raw', 'br', 'x-gzip'] as const);
        const headers = {
          'content-type': CONTENT_TYPE[enc],
          'content-encoding': coding === 'deflate-raw' ? 'deflate' : coding,
        };
        return valid(spans, compress(coding, encode(enc, spans)), headers, `${enc} ${coding}`);
      }
      case 'valid/content-type': {
        const enc = this.encoding();
        const spans = this.spans();
        const type = this.random.pick(
          enc === 'json'
            ? ['application/json; charset=utf-8', 'Application/JSON', 'application/json ; charset="UTF-8"']
            : ['application/x-protobuf; proto=opentelemetry.proto', 'APPLICATION/X-PROTOBUF'],
        );
        return valid(spans, encode(enc, spans), { 'content-type': type }, type);
      }
      case 'valid/hostile-text':
        return this.hostileText();
      case 'span/time':
        return this.badSpan.time();
      case 'span/deep':
        return this.badSpan.deep();
      case 'span/huge-value':
        return this.badSpan.hugeValue();
      case 'span/many-attributes':
        return this.badSpan.manyAttributes();
      case 'span/ids':
        return this.badSpan.ids();
      case 'bytes/flip':
      case 'bytes/truncate':
      case 'bytes/insert':
      case 'bytes/delete':
        return this.badRequest.bytes(
          category.slice('bytes/'.length) as 'flip' | 'truncate' | 'insert' | 'delete',
        );
      case 'proto/wire-type':
      case 'proto/huge-length':
        return this.badRequest.protobufStructure(
          category === 'proto/wire-type' ? 'wire-type' : 'huge-length',
        );
      case 'utf8/invalid':
        return this.badRequest.invalidUtf8();
      case 'json/type-confusion':
      case 'json/null':
        return this.badRequest.jsonConfusion(category === 'json/null');
      case 'json/deep-text':
        return this.badRequest.deepJsonText();
      case 'json/not-json':
        return this.badRequest.notJson();
      case 'content-type/wrong':
        return this.badRequest.wrongContentType();
      case 'content-type/swapped':
        return this.badRequest.swappedContentType();
      case 'encoding/unknown':
        return this.badRequest.unknownEncoding();
      case 'encoding/corrupt':
        return this.badRequest.corruptCompressed();
      case 'empty':
        return this.badRequest.empty();
      case 'bomb/gzip':
      case 'bomb/deflate':
      case 'bomb/br': {
        const coding = category.slice('bomb/'.length) as 'gzip' | 'deflate' | 'br';
        const headers = { 'content-type': CONTENT_TYPE.protobuf, 'content-encoding': coding };
        return refused(
          [],
          this.bomb(coding),
          headers,
          `${coding} of ${BOMB_BYTES / MIB} MiB of zeros`,
          [413],
        );
      }
      case 'oversize/plain':
      case 'oversize/chunked': {
        // A valid request, padded with an unknown field (number 99, bytes) past the body limit.
        const spans = this.spans();
        const padding = Buffer.alloc(OVERSIZE_BYTES, 0x61);
        const field = Buffer.concat([
          Buffer.from([0x9a, 0x06]),
          encodeVarint(BigInt(padding.length)),
          padding,
        ]);
        return {
          ...refused(
            spans,
            Buffer.concat([toProtobuf(spans), field]),
            { 'content-type': CONTENT_TYPE.protobuf },
            `${OVERSIZE_BYTES} bytes`,
            [413],
          ),
          chunked: category === 'oversize/chunked',
        };
      }
      case 'drip/valid': {
        const enc = this.encoding();
        const spans = this.spans();
        const body = encode(enc, spans);
        return {
          ...valid(spans, body, { 'content-type': CONTENT_TYPE[enc] }, `${body.length} bytes dripped`),
          drip: { bytesPerTick: Math.max(4, Math.ceil(body.length / 50)), tickMs: 100 },
        };
      }
      case 'drip/invalid': {
        const spans = this.spans();
        const body = flipBytes(toProtobuf(spans), this.random);
        return {
          ...invalid(
            spans,
            body,
            { 'content-type': CONTENT_TYPE.protobuf },
            `${body.length} flipped bytes dripped`,
            false,
          ),
          drip: { bytesPerTick: Math.max(4, Math.ceil(body.length / 50)), tickMs: 100 },
        };
      }
      default:
        throw new Error(`unknown fuzz category ${category}`);
    }
  }

  /**
   * Valid spans whose service, name, attribute key and value hold what could end a string literal, a
   * heredoc or a C string on the way into storage: stored exactly once and unchanged.
   */
  private hostileText(): CaseBody {
    const r = this.random;
    const enc = this.encoding();
    const service = `svc ${r.pick(HOSTILE_TEXT)}`;
    const spans = this.sdk.traces(service, 1, r.int(1, 4));
    const texts: SentText[] = [];
    const sent = spans.map((s) => {
      const text = {
        spanId: s.spanContext().spanId,
        service,
        name: `tools/call ${r.pick(HOSTILE_TEXT)}`,
        value: r.pick(HOSTILE_TEXT),
        key: `k.${r.pick(HOSTILE_TEXT)}`,
      };
      texts.push(text);
      return withChanges(s, { name: text.name, attributes: { [TEXT_MARKER]: text.value, [text.key]: 'v' } });
    });
    return {
      body: encode(enc, sent),
      headers: { 'content-type': CONTENT_TYPE[enc] },
      detail: `${enc}: ${JSON.stringify(texts[0]?.value)}`,
      expect: { kind: 'valid', spans: spans.map(refOf), texts },
    };
  }

  /** A small body that inflates to {@link BOMB_BYTES} of zeros, made once per coding. */
  private bomb(coding: 'gzip' | 'deflate' | 'br'): Buffer {
    let bomb = this.bombs.get(coding);
    if (bomb === undefined) {
      const zeros = Buffer.alloc(BOMB_BYTES);
      bomb =
        coding === 'gzip'
          ? zlib.gzipSync(zeros, { level: 9 })
          : coding === 'deflate'
            ? zlib.deflateSync(zeros, { level: 9 })
            : zlib.brotliCompressSync(zeros, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } });
      this.bombs.set(coding, bomb);
    }
    return bomb;
  }
}
