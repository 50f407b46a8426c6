import type { CollectorMetrics } from '../metrics.js';
import { admissionWindow, admitRows } from '../pipeline/admit.js';
import type { Batcher } from '../pipeline/batcher.js';
import { describeRejections } from '../pipeline/validateSpan.js';
import type { DecodedMetrics, MetricPoint } from '../storage/metricRows.js';
import { decodeExport, storageFailure, type IngestFailure } from './ingestTraces.js';

/** What a metrics export goes through once its body is in hand, whichever transport brought it. */
export interface MetricsIngestOptions {
  /** Where decoded points go; an export succeeds only after its points are committed. */
  batcher: Batcher<MetricPoint>;
  metrics?: CollectorMetrics;
  /** Where the causes of internal errors go (the answer carries only a request id). Default: silent. */
  log?: (msg: string) => void;
  /**
   * Retention in days (0: keep everything): points whose time is older, or more than a day ahead of
   * the clock, are refused in `partial_success` (see pipeline/admit.ts). Default 0.
   */
  retentionDays?: number;
}

/** `partial_success` of an ExportMetricsServiceResponse: how many data points were refused, and why. */
export interface MetricsPartialSuccess {
  rejectedDataPoints: number;
  errorMessage: string;
}

/** How a metrics export ended; see `IngestOutcome` (ingestTraces.ts) for the failure side. */
export type MetricsIngestOutcome = { ok: true; partial?: MetricsPartialSuccess } | IngestFailure;

const pointTime = (row: MetricPoint): string => row.TimeUnix;

/**
 * The part of an OTLP metrics export that does not depend on the transport: decode, admit by time,
 * count, hand to the metrics batcher, wait for the commit, and say how it went — the same steps and
 * outcomes as `ingestTraces` (ingestTraces.ts) for spans. OTLP/HTTP (`POST /v1/metrics`) and OTLP/gRPC
 * (`MetricsService/Export`) both call this:
 *
 * ```ts
 * ingestMetrics(() => decodeProtobufMetrics(body, decodeOptions), options, onCommitting)
 * ```
 *
 * `decode` throws `OtlpDecodeError` for a body that is not an export request (INVALID_ARGUMENT).
 * `onCommitting` runs once the points may be committed: from then on the transport must answer
 * rather than cut the connection on shutdown, or the exporter would send again what is stored.
 * Resolves `{ ok: true, partial? }` only after every accepted point is committed.
 */
export async function ingestMetrics(
  decode: () => DecodedMetrics,
  options: MetricsIngestOptions,
  onCommitting?: () => void,
): Promise<MetricsIngestOutcome> {
  const { batcher, metrics } = options;
  const read = decodeExport(decode, options.log);
  if (!read.ok) return read;
  const decoded = read.decoded;
  admitRows(decoded, admissionWindow(options.retentionDays ?? 0), pointTime, 'time_unix_nano');
  if (metrics !== undefined) {
    metrics.metricPointsReceived.inc(decoded.rows.length + decoded.rejected.length);
    for (const r of decoded.rejected) metrics.metricPointsRejected.inc({ reason: r.reason });
  }

  onCommitting?.();
  try {
    await batcher.submit(decoded);
  } catch (error) {
    return storageFailure(error, options.log, 'data points');
  }
  if (decoded.rejected.length === 0) return { ok: true };
  return {
    ok: true,
    partial: {
      rejectedDataPoints: decoded.rejected.length,
      errorMessage: describeRejections(decoded.rejected, 'data point'),
    },
  };
}
