/**
 * What one case of the ingest fuzz test is — a request and what a truthful collector does with it —
 * and what the case builders share: the encodings, compression, and the spans they start from.
 */
import * as zlib from 'node:zlib';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { refOf, toJson, toProtobuf, type SdkSpans, type SpanRef } from './sdkSpans.js';
import type { SeededRandom } from './seededRandom.js';

export type Encoding = 'protobuf' | 'json';

export const CONTENT_TYPE: Record<Encoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** Text a span was sent with, to be found stored unchanged (see TEXT_MARKER in storedRows.ts). */
export interface SentText {
  spanId: string;
  service: string;
  name: string;
  value: string;
  key: string;
}

export type Expectation =
  /** Every span valid: 200 without rejections, every span stored exactly once (and its text unchanged). */
  | { kind: 'valid'; spans: SpanRef[]; texts?: SentText[] }
  /**
   * One span bad, the rest good: 200; the neighbours stored exactly once; the bad span either refused
   * (rejected_spans 1, not stored) or accepted (rejected_spans 0, stored once) — and refused when
   * `mustReject` (the OTLP data model or storage cannot hold it).
   */
  | {
      kind: 'span';
      neighbours: SpanRef[];
      mutated: SpanRef;
      /** Span ids of the request as built, to find rows stored under ids the mutation changed. */
      spanIds: string[];
      traceIds: string[];
      mustReject: boolean;
    }
  /**
   * Bad as a whole: never 5xx, and only `statuses` when given. A refusal stores nothing of it; a 200
   * stores no span twice and, when the mutation kept every span's ids (`keepsIds`), stores each span
   * that was not counted in rejected_spans.
   */
  | { kind: 'invalid'; spans: SpanRef[]; statuses?: readonly number[]; keepsIds: boolean };

/** A request of the fuzz test and what a truthful answer to it is. */
export interface FuzzCase {
  index: number;
  category: string;
  /** What was done, short, for failure messages. */
  detail: string;
  body: Buffer;
  headers: Record<string, string>;
  expect: Expectation;
  drip?: { bytesPerTick: number; tickMs: number };
  chunked?: boolean;
}

/** A case before it is numbered. */
export type CaseBody = Omit<FuzzCase, 'index' | 'category'>;

export function encode(enc: Encoding, spans: ReadableSpan[]): Buffer {
  return enc === 'json' ? toJson(spans) : toProtobuf(spans);
}

export type Coding = 'gzip' | 'x-gzip' | 'deflate' | 'deflate-raw' | 'br';

/** `body` compressed; deflate-raw is sent as `Content-Encoding: deflate`, as some clients do. */
export function compress(coding: Coding, body: Buffer): Buffer {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gzipSync(body);
    case 'deflate':
      return zlib.deflateSync(body);
    case 'deflate-raw':
      return zlib.deflateRawSync(body);
    case 'br':
      return zlib.brotliCompressSync(body);
  }
}

export function valid(
  spans: ReadableSpan[],
  body: Buffer,
  headers: Record<string, string>,
  detail: string,
): CaseBody {
  return { body, headers, detail, expect: { kind: 'valid', spans: spans.map(refOf) } };
}

export function invalid(
  spans: ReadableSpan[],
  body: Buffer,
  headers: Record<string, string>,
  detail: string,
  keepsIds: boolean,
): CaseBody {
  return { body, headers, detail, expect: { kind: 'invalid', spans: spans.map(refOf), keepsIds } };
}

/** Bad as a whole and refused only with one of `statuses` (its spans keep their ids). */
export function refused(
  spans: ReadableSpan[],
  body: Buffer,
  headers: Record<string, string>,
  detail: string,
  statuses: readonly number[],
): CaseBody {
  return {
    body,
    headers,
    detail,
    expect: { kind: 'invalid', spans: spans.map(refOf), statuses, keepsIds: true },
  };
}

/** What every case builder draws from: the seeded generator and real SDK spans. */
export abstract class CaseSource {
  constructor(
    protected readonly random: SeededRandom,
    protected readonly sdk: SdkSpans,
  ) {}

  protected encoding(): Encoding {
    return this.random.chance(0.55) ? 'protobuf' : 'json';
  }

  /** One to three traces of `minPerTrace` to four spans, under one of a few services. */
  protected spans(minPerTrace = 1): ReadableSpan[] {
    const service = this.random.pick(['fuzz-agent', 'fuzz-server', 'fuzz-proxy']);
    return this.sdk.traces(service, this.random.int(1, 3), this.random.int(minPerTrace, 4));
  }
}
