import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Request, type Response, type Router } from 'express';
import type { Counter } from 'prom-client';
import type { CollectorMetrics } from '../metrics.js';
import { bearerChallenge, hasBearerToken } from '../middleware/auth.js';
import { holdThroughDrain } from '../middleware/drain.js';
import type { Batcher } from '../pipeline/batcher.js';
import type { MetricPoint } from '../storage/metricRows.js';
import { decodeJsonMetrics } from './decodeJsonMetrics.js';
import { decodeJsonTraces } from './decodeJsonTraces.js';
import { decodeProtobufMetrics } from './decodeProtobufMetrics.js';
import { decodeProtobufTraces } from './decodeProtobufTraces.js';
import { ingestMetrics } from './ingestMetrics.js';
import { DEFAULT_MAX_BODY_BYTES, ingestTraces, type IngestFailure } from './ingestTraces.js';
import {
  CONTENT_TYPES,
  RpcCode,
  exportResponse,
  rpcStatus,
  type ExportPartialSuccess,
  type OtlpEncoding,
} from './otlpResponse.js';
import {
  BodyTooLargeError,
  CorruptBodyError,
  RequestAbortedError,
  UnsupportedEncodingError,
  discardRest,
  readBody,
} from './readBody.js';

/** Options of the OTLP/HTTP receiver. */
export interface OtlpRouterOptions {
  /** Where decoded spans go; a request is answered 200 only after its spans are committed. */
  batcher: Batcher;
  /**
   * Where decoded metric data points go (`POST /v1/metrics`), answered 200 only after they are
   * committed. Unset: the router has no `/v1/metrics` (404).
   */
  metricBatcher?: Batcher<MetricPoint>;
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
   * Retention in days (0: keep everything): spans and data points older than it, or more than a day
   * ahead of the clock, are refused in `partial_success` (see pipeline/admit.ts). Default 0.
   */
  retentionDays?: number;
}

/**
 * One signal's export, once its body is read: decode it as `encoding`, ingest it, and resolve with
 * the outcome after the commit. `onCommitting` marks the point from which the answer must be sent.
 */
type ExportIngest = (
  body: Buffer,
  encoding: OtlpEncoding,
  onCommitting: () => void,
) => Promise<{ ok: true; partial?: ExportPartialSuccess } | IngestFailure>;

/**
 * How much of a refused body is read and discarded so the client can read the answer (64 MiB: a
 * whole exporter batch well over the limit), and for how long (10 s, an exporter's own timeout).
 */
const DISCARD_MAX_BYTES = 64 * 1024 * 1024;
const DISCARD_MAX_MS = 10_000;
const AUTH_REALM = 'mcpscope-ingest';

/**
 * The OTLP/HTTP endpoints, `POST /v1/traces` and `POST /v1/metrics`, as the OTLP specification
 * defines them: protobuf (`application/x-protobuf`) and JSON (`application/json`) bodies, answered in
 * the same encoding; gzip/deflate bodies; `partial_success` when some spans or data points are invalid
 * and the rest are stored; `google.rpc.Status` error bodies; 429/503 with `Retry-After` when the
 * collector cannot take the data now (the exporter retries), 400/413/415 when it never will (the
 * exporter drops it). Both signals share every rule; only their decoders and pipelines differ.
 *
 * Mount it before any body-parsing middleware: it reads and decompresses the raw body itself.
 */
export function createOtlpRouter(options: OtlpRouterOptions): Router {
  const router = express.Router();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const decodeOptions = { maxAttributeValueBytes: options.maxAttributeValueBytes };
  const { batcher, metricBatcher, metrics, ingestToken, retentionDays } = options;
  const log = options.log ?? (() => {});

  /** The route of one signal: authentication, content type, body, then `ingest`, and the answer. */
  const exportRoute =
    (requests: Counter<'code'> | undefined, ingest: ExportIngest) => async (req: Request, res: Response) => {
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
        requests?.inc({ code: String(status) });
        metrics?.ackSeconds.observe((performance.now() - started) / 1000);
      };
      const fail = (status: number, code: number, message: string, headers?: Record<string, string>): void =>
        answer(status, rpcStatus(encoding ?? 'json', code, message), encoding ?? 'json', headers);

      if (ingestToken !== undefined && !hasBearerToken(req.headers.authorization, ingestToken)) {
        req.resume();
        const presented = req.headers.authorization !== undefined;
        return fail(
          401,
          RpcCode.UNAUTHENTICATED,
          presented ? 'invalid bearer token' : 'missing bearer token',
          {
            'WWW-Authenticate': bearerChallenge(AUTH_REALM, presented),
          },
        );
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
        const complete = responseGone(res)
          ? false
          : await discardRest(req, DISCARD_MAX_BYTES, DISCARD_MAX_MS);
        const close: Record<string, string> = complete ? {} : { Connection: 'close' };
        if (error instanceof BodyTooLargeError)
          return fail(413, RpcCode.INVALID_ARGUMENT, error.message, close);
        if (error instanceof UnsupportedEncodingError)
          return fail(415, RpcCode.INVALID_ARGUMENT, error.message, close);
        if (error instanceof CorruptBodyError)
          return fail(400, RpcCode.INVALID_ARGUMENT, error.message, close);
        // Answer whatever else went wrong, unless the connection is gone (the client went away, or the
        // server cut a body that arrived too slowly). Not `req.destroyed`: Node destroys the request
        // once its body has been read, while the response can still be sent.
        if (responseGone(res)) return;
        const message = error instanceof RequestAbortedError ? error.message : 'cannot read the request body';
        return fail(400, RpcCode.INVALID_ARGUMENT, message, close);
      }

      // From the commit on, a shutdown waits for this answer rather than cutting the connection, or
      // the exporter would send again what is already stored.
      const outcome = await ingest(body, encoding, () => holdThroughDrain(res));
      if (outcome.ok) return answer(200, exportResponse(encoding, outcome.partial), encoding);
      const retry = outcome.retryAfterSeconds;
      return fail(
        httpStatusOf(outcome.code),
        outcome.code,
        outcome.message,
        retry === undefined ? undefined : { 'Retry-After': String(Math.ceil(retry)) },
      );
    };

  router.post(
    '/v1/traces',
    exportRoute(metrics?.requests, (body, encoding, onCommitting) =>
      ingestTraces(
        () =>
          encoding === 'protobuf'
            ? decodeProtobufTraces(body, decodeOptions)
            : decodeJsonTraces(body, decodeOptions),
        { batcher, metrics, log, retentionDays },
        onCommitting,
      ),
    ),
  );
  if (metricBatcher !== undefined) {
    router.post(
      '/v1/metrics',
      exportRoute(metrics?.metricRequests, (body, encoding, onCommitting) =>
        ingestMetrics(
          () =>
            encoding === 'protobuf'
              ? decodeProtobufMetrics(body, decodeOptions)
              : decodeJsonMetrics(body, decodeOptions),
          { batcher: metricBatcher, metrics, log, retentionDays },
          onCommitting,
        ),
      ),
    );
  }

  router.all(metricBatcher === undefined ? '/v1/traces' : ['/v1/traces', '/v1/metrics'], (_req, res) => {
    res.status(405).setHeader('Allow', 'POST').json({ code: RpcCode.INVALID_ARGUMENT, message: 'use POST' });
  });

  return router;
}

/**
 * An export's outcome → HTTP: 429 and 503 are retryable in OTLP and carry `Retry-After`; 400 and 500
 * are final (a 500 says no more than that; its cause went to the log).
 */
function httpStatusOf(code: number): number {
  switch (code) {
    case RpcCode.INVALID_ARGUMENT:
      return 400;
    case RpcCode.RESOURCE_EXHAUSTED:
      return 429;
    case RpcCode.UNAVAILABLE:
      return 503;
    default:
      return 500;
  }
}

/** Whether the response can no longer be delivered: already sent, or its connection is closed. */
function responseGone(res: Response): boolean {
  return res.writableEnded || res.destroyed || res.socket === null || res.socket.destroyed;
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
