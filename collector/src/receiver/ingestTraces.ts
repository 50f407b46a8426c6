import type { CollectorMetrics } from '../metrics.js';
import { newRequestId } from '../middleware/errors.js';
import { admissionWindow, admit } from '../pipeline/admit.js';
import type { Batcher } from '../pipeline/batcher.js';
import { QueueFullError, StorageRejectedError, StorageUnavailableError } from '../pipeline/errors.js';
import { normalizeDialects } from '../pipeline/dialects/normalizeDialects.js';
import { describeRejections } from '../pipeline/validateSpan.js';
import type { DecodedRequest } from '../storage/rows.js';
import { OtlpDecodeError } from './decodeError.js';
import { RpcCode } from './otlpResponse.js';

/**
 * Largest export request accepted, in bytes after decompression, by both OTLP transports. 20 MiB: well
 * above what OpenTelemetry exporters send in one batch (512 spans by default), well below what would
 * hurt a 2-core collector's memory.
 */
export const DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024;

/** What an export request goes through once its body is in hand, whichever transport brought it. */
export interface TraceIngestOptions {
  /** Where decoded spans go; an export succeeds only after its spans are committed. */
  batcher: Batcher;
  metrics?: CollectorMetrics;
  /** Where the causes of internal errors go (the answer carries only a request id). Default: silent. */
  log?: (msg: string) => void;
  /** Span retention in days (0: keep everything); see pipeline/admit.ts. Default 0. */
  retentionDays?: number;
}

/** `partial_success` of an ExportTraceServiceResponse: how many spans were refused, and why. */
export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

/**
 * How an export ended, in transport-neutral terms: `code` is a `google.rpc.Code` (the gRPC status
 * itself; OTLP/HTTP maps it to a status line), `retryAfterSeconds` is set when the sender should try
 * again after that long (HTTP `Retry-After`, gRPC `RetryInfo`).
 */
export type IngestOutcome =
  | { ok: true; partial?: PartialSuccess }
  | { ok: false; code: number; message: string; retryAfterSeconds?: number };

/** The failed outcomes, the same for every signal. */
export type IngestFailure = Extract<IngestOutcome, { ok: false }>;

/**
 * The part of an OTLP trace export that does not depend on the transport: decode, admit by time,
 * count, hand to the batcher, wait for the commit, and say how it went. `decode` throws
 * `OtlpDecodeError` for a body that is not an export request. `onCommitting` runs once the spans
 * may be committed (the transport must then answer rather than cut the connection on shutdown, or
 * the exporter would send again what is already stored).
 */
export async function ingestTraces(
  decode: () => DecodedRequest,
  options: TraceIngestOptions,
  onCommitting?: () => void,
): Promise<IngestOutcome> {
  const { batcher, metrics } = options;
  const read = decodeExport(decode, options.log);
  if (!read.ok) return read;
  const decoded = read.decoded;
  admit(decoded, admissionWindow(options.retentionDays ?? 0));
  // Other instrumentations' MCP names → the canonical attributes the views read (originals kept).
  decoded.bytes += normalizeDialects(decoded.rows);
  if (metrics !== undefined) {
    metrics.spansReceived.inc(decoded.rows.length + decoded.rejected.length);
    for (const r of decoded.rejected) metrics.spansRejected.inc({ reason: r.reason });
  }

  onCommitting?.();
  try {
    await batcher.submit(decoded);
  } catch (error) {
    return storageFailure(error, options.log);
  }
  return decoded.rejected.length === 0
    ? { ok: true }
    : {
        ok: true,
        partial: {
          rejectedSpans: decoded.rejected.length,
          errorMessage: describeRejections(decoded.rejected),
        },
      };
}

/**
 * Runs an export's decoder (either signal): a body that is not an export request (`OtlpDecodeError`)
 * is INVALID_ARGUMENT, anything else thrown is an internal error.
 */
export function decodeExport<T>(
  decode: () => T,
  log: ((msg: string) => void) | undefined,
): { ok: true; decoded: T } | IngestFailure {
  try {
    return { ok: true, decoded: decode() };
  } catch (error) {
    if (error instanceof OtlpDecodeError)
      return { ok: false, code: RpcCode.INVALID_ARGUMENT, message: error.message };
    return internalError('decoding the request', error, log);
  }
}

/**
 * Pipeline errors → outcomes (of any signal: `noun` names its rows): a full queue and unavailable storage are worth retrying after a while;
 * rows storage refuses as invalid are final; anything else is an internal error that says no more
 * than that (the cause goes to the log).
 */
export function storageFailure(
  error: unknown,
  log: ((msg: string) => void) | undefined,
  noun = 'spans',
): IngestFailure {
  if (error instanceof QueueFullError) {
    return {
      ok: false,
      code: RpcCode.RESOURCE_EXHAUSTED,
      message: error.message,
      retryAfterSeconds: error.retryAfterSeconds,
    };
  }
  if (error instanceof StorageUnavailableError) {
    return {
      ok: false,
      code: RpcCode.UNAVAILABLE,
      message: error.message,
      retryAfterSeconds: error.retryAfterSeconds,
    };
  }
  if (error instanceof StorageRejectedError && error.inputFault) {
    // The rows themselves are what storage refuses: sending them again cannot help, and it is not the
    // collector failing.
    return { ok: false, code: RpcCode.INVALID_ARGUMENT, message: `storage refused the ${noun} as invalid` };
  }
  return internalError(`storing ${noun}`, error, log);
}

/**
 * An internal error says only that something broke and which request it was; the cause, which may
 * carry the storage engine's own error text, goes to the log.
 */
export function internalError(
  what: string,
  error: unknown,
  log: ((msg: string) => void) | undefined,
): IngestFailure {
  const id = newRequestId();
  log?.(`OTLP request ${id}: ${what}: ${describeError(error)}`);
  return { ok: false, code: RpcCode.INTERNAL, message: `internal error while ${what} (request ${id})` };
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
