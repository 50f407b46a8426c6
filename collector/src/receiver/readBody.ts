import type { IncomingMessage } from 'node:http';
import { Transform, finished, type Readable } from 'node:stream';
import * as zlib from 'node:zlib';

/** The body, after decompression, is larger than the limit (HTTP 413). */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

/** The `Content-Encoding` is not one the receiver can decode (HTTP 415). */
export class UnsupportedEncodingError extends Error {
  override readonly name = 'UnsupportedEncodingError';
}

/** The compressed body is corrupt (HTTP 400). */
export class CorruptBodyError extends Error {
  override readonly name = 'CorruptBodyError';
}

/**
 * The request ended before its body was complete: the client went away, or the server cut the
 * connection (its `requestTimeout` passed). There is usually nobody left to answer.
 */
export class RequestAbortedError extends Error {
  override readonly name = 'RequestAbortedError';
}

/**
 * Reads a request body, decompressing `gzip`, `deflate` (zlib-wrapped or raw, both are sent as
 * "deflate" in the wild) and `br`, and stops as soon as the decompressed size passes `maxBytes`:
 * a small gzip body can inflate to gigabytes, so the output is counted as it streams out of zlib and
 * inflation is abandoned at the limit rather than checked afterwards.
 *
 * It always settles: every error of the decoder, whatever its code (zlib's are `Z_*`, Brotli's
 * `ERR_*`), is a `CorruptBodyError`, and a request that ends early is a `RequestAbortedError`. How long
 * a body may take to arrive is bounded by the HTTP server (`requestTimeout`, see app.ts), which cuts
 * the connection and so ends the read here.
 *
 * On failure the rest of the request is drained, not read into memory, so that the response can
 * still be delivered on the same connection.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const declared = Number(req.headers['content-length']);
  if ((encoding === 'identity' || encoding === '') && declared > maxBytes) {
    drain(req);
    throw new BodyTooLargeError(`request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`);
  }
  let decoder: Transform | undefined;
  switch (encoding) {
    case '':
    case 'identity':
      break;
    case 'gzip':
    case 'x-gzip':
      decoder = zlib.createGunzip();
      break;
    case 'deflate':
      decoder = deflateDecoder();
      break;
    case 'br':
      decoder = zlib.createBrotliDecompress();
      break;
    default:
      drain(req);
      throw new UnsupportedEncodingError(
        `unsupported Content-Encoding "${encoding}"; use gzip, deflate, br or identity`,
      );
  }
  let source: Readable = req;
  let stopWatching = (): void => {};
  if (decoder !== undefined) {
    const d = decoder;
    // `pipe` forwards data, not errors or an early close: without this a request cut off mid-body
    // would leave the decoder waiting for the rest forever, and this read with it.
    stopWatching = finished(req, { writable: false }, (error) => {
      if (error) d.destroy(new RequestAbortedError('the request ended before its body was complete'));
    });
    source = req.pipe(d);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > maxBytes) {
        throw new BodyTooLargeError(
          `request body exceeds the limit of ${maxBytes} bytes${decoder ? ' after decompression' : ''}`,
        );
      }
      chunks.push(chunk);
    }
  } catch (error) {
    stopWatching();
    if (decoder !== undefined) {
      req.unpipe(decoder);
      decoder.destroy();
    }
    drain(req);
    if (error instanceof BodyTooLargeError || error instanceof RequestAbortedError) throw error;
    // Without a decoder, only the request itself can fail; with one, anything else came out of it.
    if (decoder === undefined) {
      throw new RequestAbortedError(`the request failed while its body was read: ${String(error)}`, {
        cause: error,
      });
    }
    throw new CorruptBodyError(`cannot decompress the ${encoding} body: ${(error as Error).message}`, {
      cause: error,
    });
  }
  stopWatching();
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

/**
 * HTTP's "deflate" is the zlib format (RFC 1950), but some clients send raw deflate (RFC 1951). A zlib
 * stream starts with a CMF byte whose low nibble is 8 and a 16-bit header divisible by 31; the first
 * chunk decides which inflater to use.
 */
function deflateDecoder(): Transform {
  let inflater: zlib.Inflate | zlib.InflateRaw | undefined;
  // The inflater ends by itself at the end of the deflate stream, whatever follows it. Bytes after
  // that are ignored (as Node's Brotli decoder ignores them), and nothing may wait on an inflater that
  // has ended: a write callback or an 'end' that never comes left such a request unanswered.
  let ended = false;
  let pending: (() => void) | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (ended) return callback();
      if (inflater === undefined) {
        const b0 = chunk[0] ?? 0;
        const b1 = chunk[1] ?? 0;
        const isZlib = (b0 & 0x0f) === 8 && ((b0 << 8) | b1) % 31 === 0;
        inflater = isZlib ? zlib.createInflate() : zlib.createInflateRaw();
        inflater.on('data', (out: Buffer) => this.push(out));
        inflater.on('error', (error) => this.destroy(error));
        inflater.once('end', () => {
          ended = true;
          const waiting = pending;
          pending = undefined;
          waiting?.();
        });
      }
      let called = false;
      const done = (): void => {
        if (called) return;
        called = true;
        if (pending === done) pending = undefined;
        callback();
      };
      pending = done;
      inflater.write(chunk, done);
    },
    flush(callback) {
      if (inflater === undefined || ended) return callback();
      inflater.once('end', () => callback());
      inflater.end();
    },
    destroy(error, callback) {
      inflater?.destroy();
      callback(error);
    },
  });
}

function drain(req: IncomingMessage): void {
  req.resume();
}

/**
 * After a body was refused part-way (too large, corrupt, of an unknown encoding), waits for the rest of
 * it to arrive and be discarded, so the client, still sending, can read the answer, and the
 * connection can carry its next request. Gives up — resolving false, and the connection must then be
 * closed — after `maxBytes` more bytes or `maxMs`: a client sending without end is not waited for.
 */
export function discardRest(req: IncomingMessage, maxBytes: number, maxMs: number): Promise<boolean> {
  if (req.complete || req.readableEnded) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    let seen = 0;
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      resolve(ok);
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > maxBytes) done(false);
    };
    const onEnd = (): void => done(true);
    const onClose = (): void => done(req.complete);
    const timer = setTimeout(() => done(false), maxMs);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    req.resume();
  });
}
