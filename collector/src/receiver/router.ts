import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Request, type Response, type Router } from 'express';
import type { CollectorMetrics } from '../metrics.js';
import { bearerChallenge, hasBearerToken } from '../middleware/auth.js';
import { holdThroughDrain } from '../middleware/drain.js';
import { newRequestId } from '../middleware/errors.js';
import type { Batcher } from '../pipeline/batcher.js';
import { admissionWindow, admit } from '../pipeline/admit.js';
import { QueueFullError, StorageRejectedError, StorageUnavailableError } from '../pipeline/errors.js';
import { describeRejections } from '../pipeline/validateSpan.js';
import type { DecodedRequest } from '../storage/rows.js';
import { OtlpDecodeError } from './decodeError.js';
import { decodeJsonTraces } from './decodeJsonTraces.js';
import { decodeProtobufTraces } from './decodeProtobufTraces.js';
import { CONTENT_TYPES, RpcCode, exportResponse, rpcStatus, type OtlpEncoding } from './otlpResponse.js';
import {
  BodyTooLargeError,
  CorruptBodyError,
  RequestAbortedError,
  UnsupportedEncodingError,
  discardRest,
  readBody,
} from './readBody.js';

/** Options of the OTLP/HTTP trace receiver. */
export interface OtlpRouterOptions {
  /** Where decoded spans go; a request is answered 200 only after its spans are committed. */
  batcher: Batcher;
  metrics?: CollectorMetrics;
  /** When set, requests must carry `Authorization: Bearer <ingestToken>` (else 401). Default: none. */
  ingestToken?: string;
  /**
   * Largest request body accepted, in bytes after decompression (else 413). Default 20 MiB: well above
   * what OpenTelemetry exporters send in one batch (512 spans by default), well below what would
   * hurt a 2-core collector's memory.
   */
  maxBodyBytes?: number;
  /** Longest attribute value kept, in UTF-8 bytes; longer ones are truncated. Default 64 KiB. */
  maxAttributeValueBytes?: number;
  /**
   * Where the causes of 500s go (the response carries only a request id that the line repeats).
   * Default: silent.
   */
  log?: (msg: string) => void;
  /**
   * Span retention in days (0: keep everything): spans older than it, or starting more than a day
   * ahead of the clock, are refused in `partial_success` (see pipeline/admit.ts). Default 0.
   */
  retentionDays?: number;
}

const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;
/**
 * How much of a refused body is read and discarded so the client can read the answer (64 MiB: a
 * whole exporter batch well over the limit), and for how long (10 s, an exporter's own timeout).
 */
const DISCARD_MAX_BYTES = 64 * 1024 * 1024;
const DISCARD_MAX_MS = 10_000;
const AUTH_REALM = 'mcpscope-ingest';

/**
 * The OTLP/HTTP trace endpoint, `POST /v1/traces`, as the OTLP specification defines it: protobuf
 * (`application/x-protobuf`) and JSON (`application/json`) bodies, answered in the same encoding;
 * gzip/deflate bodies; `partial_success` when some spans are invalid and the rest are stored;
 * `google.rpc.Status` error bodies; 429/503 with `Retry-After` when the collector cannot take the data
 * now (the exporter retries), 400/413/415 when it never will (the exporter drops it).
 *
 * Mount it before any body-parsing middleware: it reads and decompresses the raw body itself.
 */
export function createOtlpRouter(options: OtlpRouterOptions): Router {
  const router = express.Router();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const decodeOptions = { maxAttributeValueBytes: options.maxAttributeValueBytes };
  const { batcher, metrics, ingestToken } = options;
  const log = options.log ?? (() => {});

  router.post('/v1/traces', async (req: Request, res: Response) => {
    const started = performance.now();
    const encoding = encodingOf(req.headers['content-type']);
    const answer = (
      status: number,
      body: Buffer,
      as: OtlpEncoding,
      headers: Record<string, string> = {},
    ): void => {
      res.status(status);
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      res.setHeader('Content-Type', CONTENT_TYPES[as]);
      res.end(body);
      metrics?.requests.inc({ code: String(status) });
      metrics?.ackSeconds.observe((performance.now() - started) / 1000);
    };
    const fail = (status: number, code: number, message: string, headers?: Record<string, string>): void =>
      answer(status, rpcStatus(encoding ?? 'json', code, message), encoding ?? 'json', headers);
    // A 500 says only that something broke and which request it was; the cause, which may carry the
    // storage engine's own error text, goes to the log.
    const failInternal = (what: string, error: unknown): void => {
      const id = newRequestId();
      log(`OTLP request ${id}: ${what}: ${describeError(error)}`);
      fail(500, RpcCode.INTERNAL, `internal error while ${what} (request ${id})`);
    };

    if (ingestToken !== undefined && !hasBearerToken(req.headers.authorization, ingestToken)) {
      req.resume();
      const presented = req.headers.authorization !== undefined;
      return fail(401, RpcCode.UNAUTHENTICATED, presented ? 'invalid bearer token' : 'missing bearer token', {
        'WWW-Authenticate': bearerChallenge(AUTH_REALM, presented),
      });
    }
    if (encoding === undefined) {
      req.resume();
      return fail(
        415,
        RpcCode.INVALID_ARGUMENT,
        `unsupported Content-Type "${req.headers['content-type'] ?? ''}"; use application/x-protobuf or application/json`,
      );
    }

    let body: Buffer;
    try {
      body = await readBody(req, maxBodyBytes);
    } catch (error) {
      // The body was not read to its end: the rest of it may still be arriving. Discard it (bounded)
      // before answering, so that the client, still sending, reads the answer and the connection can
      // carry its next request; past the bound, answer and close the connection instead.
      const complete = responseGone(res) ? false : await discardRest(req, DISCARD_MAX_BYTES, DISCARD_MAX_MS);
      const close: Record<string, string> = complete ? {} : { Connection: 'close' };
      if (error instanceof BodyTooLargeError)
        return fail(413, RpcCode.INVALID_ARGUMENT, error.message, close);
      if (error instanceof UnsupportedEncodingError)
        return fail(415, RpcCode.INVALID_ARGUMENT, error.message, close);
      if (error instanceof CorruptBodyError) return fail(400, RpcCode.INVALID_ARGUMENT, error.message, close);
      // Answer whatever else went wrong, unless the connection is gone (the client went away, or the
      // server cut a body that arrived too slowly). Not `req.destroyed`: Node destroys the request
      // once its body has been read, while the response can still be sent.
      if (responseGone(res)) return;
      const message = error instanceof RequestAbortedError ? error.message : 'cannot read the request body';
      return fail(400, RpcCode.INVALID_ARGUMENT, message, close);
    }

    let decoded: DecodedRequest;
    try {
      decoded =
        encoding === 'protobuf'
          ? decodeProtobufTraces(body, decodeOptions)
          : decodeJsonTraces(body, decodeOptions);
    } catch (error) {
      if (error instanceof OtlpDecodeError) return fail(400, RpcCode.INVALID_ARGUMENT, error.message);
      return failInternal('decoding the request', error);
    }
    admit(decoded, admissionWindow(options.retentionDays ?? 0));
    if (metrics !== undefined) {
      metrics.spansReceived.inc(decoded.rows.length + decoded.rejected.length);
      for (const r of decoded.rejected) metrics.spansRejected.inc({ reason: r.reason });
    }

    // From here the spans may be committed: a shutdown waits for this answer rather than cutting the
    // connection, or the exporter would send again what is already stored.
    holdThroughDrain(res);
    try {
      await batcher.submit(decoded);
    } catch (error) {
      return failStorage(error, fail, failInternal);
    }

    const partial =
      decoded.rejected.length === 0
        ? undefined
        : { rejectedSpans: decoded.rejected.length, errorMessage: describeRejections(decoded.rejected) };
    answer(200, exportResponse(encoding, partial), encoding);
  });

  router.all('/v1/traces', (_req, res) => {
    res.status(405).setHeader('Allow', 'POST').json({ code: RpcCode.INVALID_ARGUMENT, message: 'use POST' });
  });

  return router;
}

type Fail = (status: number, code: number, message: string, headers?: Record<string, string>) => void;

/**
 * Pipeline errors → HTTP: 429 and 503 are retryable in OTLP and carry `Retry-After`; 500 is final and
 * says no more than that (the cause goes to the log).
 */
function failStorage(error: unknown, fail: Fail, failInternal: (what: string, error: unknown) => void): void {
  if (error instanceof QueueFullError) {
    return fail(429, RpcCode.RESOURCE_EXHAUSTED, error.message, {
      'Retry-After': String(Math.ceil(error.retryAfterSeconds)),
    });
  }
  if (error instanceof StorageUnavailableError) {
    return fail(503, RpcCode.UNAVAILABLE, error.message, {
      'Retry-After': String(Math.ceil(error.retryAfterSeconds)),
    });
  }
  if (error instanceof StorageRejectedError && error.inputFault) {
    // The rows themselves are what storage refuses: sending them again cannot help (a 4xx is final
    // for the exporter), and it is not the collector failing.
    return fail(400, RpcCode.INVALID_ARGUMENT, 'storage refused the spans as invalid');
  }
  return failInternal('storing spans', error);
}

/** Whether the response can no longer be delivered: already sent, or its connection is closed. */
function responseGone(res: Response): boolean {
  return res.writableEnded || res.destroyed || res.socket === null || res.socket.destroyed;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Writes a `google.rpc.Status` body in the request's OTLP encoding (JSON when the request named
 * neither), for answers given outside the router, such as the 503 of a shutting-down collector.
 */
export function writeOtlpStatus(
  req: IncomingMessage,
  res: ServerResponse,
  code: number,
  message: string,
): void {
  const encoding = encodingOf(req.headers['content-type']) ?? 'json';
  res.setHeader('Content-Type', CONTENT_TYPES[encoding]);
  res.end(rpcStatus(encoding, code, message));
}

/** The OTLP encoding named by a Content-Type header, parameters such as charset ignored. */
function encodingOf(contentType: string | undefined): OtlpEncoding | undefined {
  if (contentType === undefined) return undefined;
  const semicolon = contentType.indexOf(';');
  const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (mediaType === 'application/x-protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  return undefined;
}
