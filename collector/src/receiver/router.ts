import express, { type Request, type Response, type Router } from 'express';
import type { CollectorMetrics } from '../metrics.js';
import { bearerChallenge, hasBearerToken } from '../middleware/auth.js';
import type { Batcher } from '../pipeline/batcher.js';
import { PipelineError, QueueFullError, StorageUnavailableError } from '../pipeline/errors.js';
import { describeRejections } from '../pipeline/validateSpan.js';
import type { DecodedRequest } from '../storage/rows.js';
import { OtlpDecodeError } from './decodeError.js';
import { decodeJsonTraces } from './decodeJsonTraces.js';
import { decodeProtobufTraces } from './decodeProtobufTraces.js';
import { CONTENT_TYPES, RpcCode, exportResponse, rpcStatus, type OtlpEncoding } from './otlpResponse.js';
import { BodyTooLargeError, CorruptBodyError, UnsupportedEncodingError, readBody } from './readBody.js';

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
}

const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;
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
      if (error instanceof BodyTooLargeError) return fail(413, RpcCode.INVALID_ARGUMENT, error.message);
      if (error instanceof UnsupportedEncodingError)
        return fail(415, RpcCode.INVALID_ARGUMENT, error.message);
      if (error instanceof CorruptBodyError) return fail(400, RpcCode.INVALID_ARGUMENT, error.message);
      // The client went away mid-body: there is nobody to answer.
      if (req.destroyed || res.destroyed) return;
      return fail(400, RpcCode.INVALID_ARGUMENT, `cannot read the request body: ${(error as Error).message}`);
    }

    let decoded: DecodedRequest;
    try {
      decoded =
        encoding === 'protobuf'
          ? decodeProtobufTraces(body, decodeOptions)
          : decodeJsonTraces(body, decodeOptions);
    } catch (error) {
      if (error instanceof OtlpDecodeError) return fail(400, RpcCode.INVALID_ARGUMENT, error.message);
      return fail(500, RpcCode.INTERNAL, 'internal error while decoding the request');
    }
    if (metrics !== undefined) {
      metrics.spansReceived.inc(decoded.rows.length + decoded.rejected.length);
      for (const r of decoded.rejected) metrics.spansRejected.inc({ reason: r.reason });
    }

    try {
      await batcher.submit(decoded);
    } catch (error) {
      return failStorage(error, fail);
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

/** Pipeline errors → HTTP: 429 and 503 are retryable in OTLP and carry `Retry-After`; 500 is final. */
function failStorage(error: unknown, fail: Fail): void {
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
  const message = error instanceof PipelineError ? error.message : 'internal error while storing spans';
  return fail(500, RpcCode.INTERNAL, message);
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
