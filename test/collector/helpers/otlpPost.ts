/**
 * Sending one OTLP/HTTP request the way a test needs to see it: any body and headers (including wrong
 * ones), a client-side deadline after which the request counts as unanswered, a body sent in pieces
 * over time (a slow drip), and the OTLP `partial_success` read back from the answer.
 */
import http from 'node:http';
import protobuf from 'protobufjs/minimal.js';
import { RawConnection, requestHead } from './rawHttp.js';

export interface OtlpAnswer {
  status: number;
  /** Header names lowercased. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface PostOutcome {
  answer?: OtlpAnswer;
  /** Why there is no answer: a timeout, a reset, a closed connection. */
  error?: string;
  /**
   * The request failed on a kept-alive connection that the server may have closed as it was reused
   * (the race HTTP/1.1 keep-alive has): Node's documentation advises sending again on a new one.
   */
  staleConnection?: boolean;
  ms: number;
}

export interface PostOptions {
  timeoutMs: number;
  /** The agent to send through; `false` for a connection of its own. Default: Node's global agent. */
  agent?: http.Agent | false;
  /** Send without Content-Length (chunked). */
  chunked?: boolean;
}

/** POSTs `body` to `${url}/v1/traces` with exactly `headers` (plus Content-Length unless chunked). */
export function postTraces(
  url: string,
  body: Buffer,
  headers: Record<string, string>,
  opts: PostOptions,
): Promise<PostOutcome> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: Omit<PostOutcome, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...outcome, ms: performance.now() - started });
    };
    const req = http.request(`${url}/v1/traces`, {
      method: 'POST',
      agent: opts.agent,
      headers: opts.chunked ? headers : { ...headers, 'content-length': String(body.length) },
    });
    const timer = setTimeout(() => {
      settle({ error: `no answer within ${opts.timeoutMs} ms` });
      req.destroy();
    }, opts.timeoutMs);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        settle({
          answer: {
            status: res.statusCode ?? 0,
            headers: flatHeaders(res.headers),
            body: Buffer.concat(chunks),
          },
        }),
      );
      res.on('error', (e) => settle({ error: `response failed: ${e.message}` }));
    });
    req.on('error', (e) => {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      settle({
        error: `${code}: ${e.message}${req.reusedSocket ? ' (on a reused keep-alive connection)' : ''}`,
        staleConnection: req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE'),
      });
    });
    if (opts.chunked) {
      // Several chunks, so that the server cannot know the size up front.
      const step = Math.max(1, Math.ceil(body.length / 8));
      for (let i = 0; i < body.length; i += step) req.write(body.subarray(i, i + step));
      req.end();
    } else req.end(body);
  });
}

/**
 * Sends the request head at once and then `bytesPerTick` bytes of the body every `tickMs`, on a fresh
 * connection. The deadline counts from the last byte sent.
 */
export async function dripTraces(
  port: number,
  body: Buffer,
  headers: Record<string, string>,
  opts: { bytesPerTick: number; tickMs: number; timeoutMs: number },
): Promise<PostOutcome> {
  const started = performance.now();
  const conn = await RawConnection.open(port);
  try {
    conn.write(requestHead('/v1/traces', { ...headers, 'content-length': body.length }));
    for (let i = 0; i < body.length && conn.isOpen; i += opts.bytesPerTick) {
      await new Promise((r) => setTimeout(r, opts.tickMs));
      conn.write(body.subarray(i, i + opts.bytesPerTick));
    }
    const answer = await conn.response(opts.timeoutMs).catch((e: Error) => e);
    if (answer instanceof Error) return { error: answer.message, ms: performance.now() - started };
    if (answer === undefined)
      return { error: 'connection closed without an answer', ms: performance.now() - started };
    return { answer, ms: performance.now() - started };
  } finally {
    conn.destroy();
  }
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers))
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** The media type of a Content-Type value, lowercased, parameters dropped. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

/**
 * The `partial_success` of a 200 answer (`rejectedSpans` 0 when absent), read in the encoding the
 * answer declares; throws when the body is not an `ExportTraceServiceResponse` in that encoding.
 */
export function readPartialSuccess(answer: OtlpAnswer): PartialSuccess {
  const type = mediaType(answer.headers['content-type']);
  if (type === 'application/json') {
    const parsed = JSON.parse(answer.body.toString('utf8')) as {
      partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string };
    };
    const p = parsed.partialSuccess;
    return { rejectedSpans: Number(p?.rejectedSpans ?? 0), errorMessage: p?.errorMessage ?? '' };
  }
  if (type !== 'application/x-protobuf') throw new Error(`answer has Content-Type "${type}"`);
  const result: PartialSuccess = { rejectedSpans: 0, errorMessage: '' };
  const r = protobuf.Reader.create(answer.body);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 !== 1 || (tag & 7) !== 2) {
      r.skipType(tag & 7);
      continue;
    }
    const end = r.uint32() + r.pos;
    while (r.pos < end) {
      const t = r.uint32();
      if (t === ((1 << 3) | 0)) result.rejectedSpans = Number(r.int64().toString());
      else if (t === ((2 << 3) | 2)) result.errorMessage = r.string();
      else r.skipType(t & 7);
    }
  }
  return result;
}
