/**
 * Requests a fault test follows from send to storage: built from real SDK spans (or directly, when
 * large), sent as protobuf, every answer kept (resends included), resent after 429/503 the way the
 * OpenTelemetry exporters do, and checked against what the collector stored.
 */
import type http from 'node:http';
import { otlpRequest } from './otlpRequest.js';
import { postTraces, type OtlpAnswer, type PostOutcome } from './otlpPost.js';
import { refOf, toProtobuf, type SdkSpans, type SpanRef } from './sdkSpans.js';
import type { StoredRows } from './storedRows.js';

const PROTO = { 'content-type': 'application/x-protobuf' };
const REQUEST_TIMEOUT_MS = 30_000;

/** A request whose spans a test follows: every answer it got, and where its spans should be stored. */
export interface Tracked {
  name: string;
  body: Buffer;
  refs: SpanRef[];
  /** Every answer, in order (resends included); undefined for a request that got none. */
  answers: (OtlpAnswer | undefined)[];
  errors: string[];
}

/** A protobuf request of real SDK spans: `traces` traces of `spansPerTrace` spans. */
export function tracked(sdk: SdkSpans, name: string, traces: number, spansPerTrace: number): Tracked {
  const spans = sdk.traces(`faults-${name}`, traces, spansPerTrace);
  return { name, body: toProtobuf(spans), refs: spans.map(refOf), answers: [], errors: [] };
}

/** A large request of one trace, built directly (faster than SDK spans at 20 000 spans). */
export function trackedLarge(name: string, spans: number): Tracked {
  const r = otlpRequest(spans, `faults-${name}`);
  return {
    name,
    body: r.body,
    refs: r.spanIds.map((spanId) => ({ traceId: r.traceId, spanId })),
    answers: [],
    errors: [],
  };
}

export async function send(url: string, t: Tracked, agent?: http.Agent): Promise<OtlpAnswer | undefined> {
  const outcome: PostOutcome = await postTraces(url, t.body, PROTO, { timeoutMs: REQUEST_TIMEOUT_MS, agent });
  t.answers.push(outcome.answer);
  if (outcome.error) t.errors.push(outcome.error);
  return outcome.answer;
}

export const last = (t: Tracked) => t.answers[t.answers.length - 1];
export const statuses = (t: Tracked) => t.answers.map((a) => a?.status ?? 'none').join('→');

export function describeAnswer(a: OtlpAnswer | undefined): string {
  if (!a) return 'no answer';
  const ra = a.headers['retry-after'] === undefined ? '' : ` Retry-After ${a.headers['retry-after']}`;
  return `${a.status}${ra} ${a.body.toString('utf8', 0, 200).replace(/[^\x20-\x7e]/g, '.')}`;
}

/** Seconds of a Retry-After header given as delay-seconds, else undefined. */
export function retryAfterSeconds(a: OtlpAnswer): number | undefined {
  const v = a.headers['retry-after'];
  return v !== undefined && /^\d+$/.test(v.trim()) ? Number(v) : undefined;
}

/**
 * Sends again after 429/503 (or no answer) as the OTLP exporters do, waiting Retry-After (at most
 * `maxWaitS`) between attempts, until a final answer or `attempts` sends.
 */
export async function resendLikeAnExporter(
  url: string,
  t: Tracked,
  attempts = 8,
  maxWaitS = 10,
): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    const a = last(t);
    if (a && a.status !== 429 && a.status !== 503) return;
    const waitS = Math.min(a ? (retryAfterSeconds(a) ?? 1) : 1, maxWaitS);
    await new Promise((r) => setTimeout(r, waitS * 1000));
    await send(url, t);
  }
}

/** Spans of `t` not stored exactly once, as "spanId×rows". */
export function notStoredOnce(stored: StoredRows, t: Tracked): string[] {
  return t.refs.filter((r) => stored.of(r) !== 1).map((r) => `${r.spanId}×${stored.of(r)}`);
}

export /** Spans of `t` stored at least once, under any trace id. */
function storedCount(stored: StoredRows, t: Tracked): number {
  return t.refs.filter((r) => stored.ofSpanId(r.spanId) > 0).length;
}
