import {
  Metadata,
  Server,
  ServerCredentials,
  ServerInterceptingCall,
  status,
  type ServerInterceptingCallInterface,
  type ServerUnaryCall,
  type StatusObject,
  type sendUnaryData,
} from '@grpc/grpc-js';
import type { CollectorMetrics } from '../metrics.js';
import { hasBearerToken } from '../middleware/auth.js';
import { DEFAULT_MAX_BODY_BYTES, type IngestFailure } from '../receiver/ingestTraces.js';
import type { ExportPartialSuccess } from '../receiver/otlpResponse.js';
import { METRICS_EXPORT_PATH, METRICS_SERVICE, TRACE_SERVICE, type ExportReply } from './otlpServices.js';
import { STATUS_DETAILS_TRAILER, statusWithRetryInfo } from './retryInfo.js';

/**
 * One OTLP export: the request bytes (an Export*ServiceRequest, already inflated) in, the outcome out,
 * resolved only once what was accepted is committed. The same pipeline as OTLP/HTTP's.
 */
export type ExportHandler = (
  body: Buffer,
) => Promise<{ ok: true; partial?: ExportPartialSuccess } | IngestFailure>;

/** The export services offered; each present handler registers its service. */
export interface OtlpGrpcExports {
  /** `opentelemetry.proto.collector.trace.v1.TraceService/Export`. */
  traces: ExportHandler;
  /**
   * `opentelemetry.proto.collector.metrics.v1.MetricsService/Export`. Unset: the service is not
   * offered, and calls to it are answered UNIMPLEMENTED by grpc-js.
   */
  metrics?: ExportHandler;
}

/** Options of {@link OtlpGrpcReceiver.start}. */
export interface OtlpGrpcReceiverOptions {
  /** Interface to listen on: the HTTP port's (`MCPSCOPE_HOST`). */
  host: string;
  /** Port to listen on (`MCPSCOPE_GRPC_PORT`, 4317 by default); 0 takes a free one. */
  port: number;
  exports: OtlpGrpcExports;
  /** When set, calls must carry `authorization: Bearer <ingestToken>` metadata (else UNAUTHENTICATED). */
  ingestToken?: string;
  /**
   * Largest request message accepted, in bytes after decompression (else RESOURCE_EXHAUSTED, without
   * RetryInfo: final for the exporter). Default: OTLP/HTTP's body limit, 20 MiB.
   */
  maxMessageBytes?: number;
  metrics?: CollectorMetrics;
  /** Where the causes of unexpected failures go. Default: silent. */
  log?: (msg: string) => void;
  /** Delay suggested (RetryInfo) to a call refused because the collector is shutting down. Default 5 s. */
  drainRetryAfterSeconds?: number;
}

/**
 * How long a shutdown waits, once the spans of the calls still in flight after the grace period are
 * committed, for their answers to be written before the remaining connections are cut: an answer is a
 * few bytes on a local socket.
 */
const ANSWER_FLUSH_MS = 1_000;

/**
 * OTLP/gRPC receiver (grpc-js over HTTP/2, plaintext), the twin of the OTLP/HTTP router: the same
 * decoder, validation, `partial_success`, size limit, ingest token and acknowledgement after commit.
 * Where OTLP/HTTP answers 429 or 503 with `Retry-After`, a call ends RESOURCE_EXHAUSTED or
 * UNAVAILABLE with a `google.rpc.RetryInfo` in the status details; 400 is INVALID_ARGUMENT, 401
 * UNAUTHENTICATED. gzip and deflate requests are inflated by grpc-js.
 */
export class OtlpGrpcReceiver {
  private draining = false;
  /** Handler calls not yet answered: their spans are with the pipeline, maybe being committed. */
  private readonly inFlight = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;
  private readonly log: (msg: string) => void;
  private readonly drainRetryAfterSeconds: number;
  private readonly server: Server;

  private boundPort = 0;

  private constructor(private readonly options: OtlpGrpcReceiverOptions) {
    this.log = options.log ?? (() => {});
    this.drainRetryAfterSeconds = options.drainRetryAfterSeconds ?? 5;
    this.server = new Server({
      'grpc.max_receive_message_length': options.maxMessageBytes ?? DEFAULT_MAX_BODY_BYTES,
      // Runs on each call's metadata, before its message is read.
      interceptors: [(method, call) => this.intercept(method.path, call)],
    });
    this.server.addService(TRACE_SERVICE, { Export: this.exportHandler(options.exports.traces) });
    if (options.exports.metrics !== undefined) {
      this.server.addService(METRICS_SERVICE, { Export: this.exportHandler(options.exports.metrics) });
    }
  }

  /** Binds the port and starts answering. Rejects when the port cannot be bound. */
  static async start(options: OtlpGrpcReceiverOptions): Promise<OtlpGrpcReceiver> {
    const receiver = new OtlpGrpcReceiver(options);
    receiver.boundPort = await new Promise<number>((resolve, reject) => {
      receiver.server.bindAsync(
        hostPort(options.host, options.port),
        ServerCredentials.createInsecure(),
        (err, port) => (err ? reject(err) : resolve(port)),
      );
    });
    return receiver;
  }

  /** The port listened on (the one asked for, or the free one taken for 0). */
  get port(): number {
    return this.boundPort;
  }

  /**
   * Drains: stops listening and closes every connection gracefully (HTTP/2 GOAWAY: the calls in flight
   * finish, new ones are refused and the exporter's retry finds the port closed, UNAVAILABLE); a call
   * that still arrives is answered UNAVAILABLE with RetryInfo. After `graceMs` the connections still
   * open are cut — once the calls whose spans are with the pipeline have been answered, so that no
   * committed export goes unacknowledged (the exporter would send it again). Idempotent.
   */
  close(graceMs: number): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.draining = true;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(grace);
        resolve();
      };
      const grace = setTimeout(() => {
        const open = this.inFlight.size;
        if (open > 0) this.log(`gRPC: waiting for ${open} export(s) whose spans are being committed`);
        void Promise.all(this.inFlight).then(() =>
          setTimeout(() => {
            this.server.forceShutdown();
            finish();
          }, ANSWER_FLUSH_MS),
        );
      }, graceMs);
      this.server.tryShutdown(finish);
    });
    return this.closing;
  }

  /**
   * Runs before a call's message is read: refuses it while draining (UNAVAILABLE + RetryInfo) or
   * without the ingest token (UNAUTHENTICATED), so a refused sender's payload is never inflated or
   * decoded; and counts every answer by status.
   */
  private intercept(path: string, call: ServerInterceptingCallInterface): ServerInterceptingCall {
    const started = performance.now();
    const service = path === METRICS_EXPORT_PATH ? 'metrics' : 'traces';
    const { metrics, ingestToken } = this.options;
    const count = (code: number | undefined): void => {
      metrics?.grpcRequests.inc({ code: statusName(code ?? status.UNKNOWN), service });
      metrics?.ackSeconds.observe((performance.now() - started) / 1000);
    };
    return new ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            let refusal: StatusObject | undefined;
            if (this.draining) {
              refusal = retryableStatus(
                status.UNAVAILABLE,
                'the collector is shutting down; retry later',
                this.drainRetryAfterSeconds,
              );
            } else if (ingestToken !== undefined) {
              const presented = metadata.get('authorization')[0];
              const value = typeof presented === 'string' ? presented : undefined;
              if (!hasBearerToken(value, ingestToken)) {
                refusal = {
                  code: status.UNAUTHENTICATED,
                  details: presented === undefined ? 'missing bearer token' : 'invalid bearer token',
                  metadata: new Metadata(),
                };
              }
            }
            if (refusal === undefined) return nextMetadata(metadata);
            count(refusal.code);
            call.sendStatus(refusal);
          },
        }),
      sendStatus: (s, next) => {
        count(s.code);
        next(s);
      },
    });
  }

  private exportHandler(handle: ExportHandler) {
    return (call: ServerUnaryCall<Buffer, ExportReply>, callback: sendUnaryData<ExportReply>): void => {
      const answered = handle(call.request).then(
        (outcome) => {
          if (outcome.ok) return callback(null, { partial: outcome.partial });
          if (outcome.retryAfterSeconds !== undefined) {
            return callback(retryableStatus(outcome.code, outcome.message, outcome.retryAfterSeconds));
          }
          callback({ code: outcome.code, details: outcome.message });
        },
        (error: unknown) => {
          // The handlers answer their own failures; this is a bug, and says no more than that.
          this.log(
            `gRPC export failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
          callback({ code: status.INTERNAL, details: 'internal error' });
        },
      );
      this.inFlight.add(answered);
      void answered.finally(() => this.inFlight.delete(answered));
    };
  }
}

/** A failed status whose details carry RetryInfo: the exporter retries after `retryAfterSeconds`. */
function retryableStatus(code: status, message: string, retryAfterSeconds: number): StatusObject {
  const trailer = new Metadata();
  trailer.set(STATUS_DETAILS_TRAILER, statusWithRetryInfo(code, message, retryAfterSeconds));
  return { code, details: message, metadata: trailer };
}

function statusName(code: number): string {
  return status[code] ?? String(code);
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
