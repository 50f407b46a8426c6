import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { BatcherMetrics } from './pipeline/batcher.js';
import type { RootCauseStats } from './storage/rootCauses.js';

/**
 * The collector's own Prometheus metrics. Every collector gets its own `Registry` (never prom-client's
 * global one) so that two collectors in one process — tests, benchmarks — do not share or clash.
 * `registry` is what the app serves at `GET /metrics`.
 */
export interface CollectorMetrics {
  registry: Registry;
  /** Spans decoded from OTLP requests, valid or not. */
  spansReceived: Counter;
  /** Spans whose insert committed. */
  spansStored: Counter;
  /** Spans refused by the receiver (reported in `partial_success`), by `reason`. */
  spansRejected: Counter<'reason'>;
  /** OTLP requests answered, by HTTP status `code`. */
  requests: Counter<'code'>;
  /** OTLP/gRPC export calls answered, by gRPC status name (`OK`, `RESOURCE_EXHAUSTED`, …) and `service`. */
  grpcRequests: Counter<'code' | 'service'>;
  /** Spans accepted but not yet committed (queued or being inserted). */
  queueSpans: Gauge;
  /** Approximate bytes of the spans in `queueSpans`. */
  queueBytes: Gauge;
  /** Rows per insert. */
  batchRows: Histogram;
  /** Time of one insert, retries included, in seconds. */
  flushSeconds: Histogram;
  /** Time from an OTLP request's arrival to its answer, in seconds. */
  ackSeconds: Histogram;
  /** Failed insert attempts, by `kind`: `transient` (retried) or `permanent`. */
  storageErrors: Counter<'kind'>;
  /** Insert attempts repeated after a transient error. */
  storageRetries: Counter;
  /** OTLP metric data points decoded from `/v1/metrics` requests, valid or not. */
  metricPointsReceived: Counter;
  /** Metric data points whose insert committed. */
  metricPointsStored: Counter;
  /** Metric data points refused as invalid (reported in partial_success), by `reason`. */
  metricPointsRejected: Counter<'reason'>;
  /** OTLP/HTTP `/v1/metrics` requests answered, by HTTP status `code`. */
  metricRequests: Counter<'code'>;
  /** Metric data points accepted and not yet committed. */
  metricQueuePoints: Gauge;
  /** Approximate bytes of the points in `metricQueuePoints`. */
  metricQueueBytes: Gauge;
}

// Ack latency is dominated by one insert (milliseconds) plus the batching interval, so the buckets
// are dense below 100 ms where a healthy collector lives and sparse above where it is in trouble.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const BATCH_BUCKETS = [1, 10, 100, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000];

/** Creates a fresh registry with process metrics and the collector's ingest metrics. */
export function createMetrics(): CollectorMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    spansReceived: new Counter({
      name: 'mcpscope_spans_received_total',
      help: 'Spans decoded from OTLP requests, valid or not.',
      registers,
    }),
    spansStored: new Counter({
      name: 'mcpscope_spans_stored_total',
      help: 'Spans committed to storage.',
      registers,
    }),
    spansRejected: new Counter({
      name: 'mcpscope_spans_rejected_total',
      help: 'Spans refused as invalid (reported to the sender in partial_success), by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    requests: new Counter({
      name: 'mcpscope_otlp_requests_total',
      help: 'OTLP export requests answered, by HTTP status code.',
      labelNames: ['code'] as const,
      registers,
    }),
    grpcRequests: new Counter({
      name: 'mcpscope_otlp_grpc_requests_total',
      help: 'OTLP/gRPC export calls answered, by gRPC status name and service (traces, metrics).',
      labelNames: ['code', 'service'] as const,
      registers,
    }),
    queueSpans: new Gauge({
      name: 'mcpscope_queue_spans',
      help: 'Spans accepted and not yet committed.',
      registers,
    }),
    queueBytes: new Gauge({
      name: 'mcpscope_queue_bytes',
      help: 'Approximate bytes of the spans accepted and not yet committed.',
      registers,
    }),
    batchRows: new Histogram({
      name: 'mcpscope_batch_rows',
      help: 'Rows per storage insert.',
      buckets: BATCH_BUCKETS,
      registers,
    }),
    flushSeconds: new Histogram({
      name: 'mcpscope_flush_duration_seconds',
      help: 'Duration of one storage insert including retries.',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    ackSeconds: new Histogram({
      name: 'mcpscope_ack_duration_seconds',
      help: 'Time from an OTLP request arriving to its response.',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    storageErrors: new Counter({
      name: 'mcpscope_storage_errors_total',
      help: 'Failed insert attempts, by kind (transient: retried; permanent: not retried).',
      labelNames: ['kind'] as const,
      registers,
    }),
    storageRetries: new Counter({
      name: 'mcpscope_storage_retries_total',
      help: 'Insert attempts repeated after a transient error.',
      registers,
    }),
    metricPointsReceived: new Counter({
      name: 'mcpscope_metric_points_received_total',
      help: 'OTLP metric data points decoded from export requests, valid or not.',
      registers,
    }),
    metricPointsStored: new Counter({
      name: 'mcpscope_metric_points_stored_total',
      help: 'Metric data points committed to storage.',
      registers,
    }),
    metricPointsRejected: new Counter({
      name: 'mcpscope_metric_points_rejected_total',
      help: 'Metric data points refused as invalid (reported to the sender in partial_success), by reason.',
      labelNames: ['reason'] as const,
      registers,
    }),
    metricRequests: new Counter({
      name: 'mcpscope_otlp_metrics_requests_total',
      help: 'OTLP/HTTP metrics export requests answered, by HTTP status code.',
      labelNames: ['code'] as const,
      registers,
    }),
    metricQueuePoints: new Gauge({
      name: 'mcpscope_metric_queue_points',
      help: 'Metric data points accepted and not yet committed.',
      registers,
    }),
    metricQueueBytes: new Gauge({
      name: 'mcpscope_metric_queue_bytes',
      help: 'Approximate bytes of the metric data points accepted and not yet committed.',
      registers,
    }),
  };
}

/**
 * The counters a metrics batcher keeps: its own row and queue counters under the names the batcher
 * uses, the insert timings and storage errors shared with spans.
 */
export function metricBatcherMetrics(m: CollectorMetrics): BatcherMetrics {
  return {
    batchRows: m.batchRows,
    flushSeconds: m.flushSeconds,
    storageErrors: m.storageErrors,
    storageRetries: m.storageRetries,
    spansStored: m.metricPointsStored,
    queueSpans: m.metricQueuePoints,
    queueBytes: m.metricQueueBytes,
  };
}

/**
 * Exposes what the root-cause updater has done (storage/rootCauses.ts), read from its stats at each
 * scrape: traces decided, the time spent deciding them, failed rounds and the traces waiting.
 */
export function watchRootCauses(registry: Registry, stats: Readonly<RootCauseStats>): void {
  const registers = [registry];
  new Counter({
    name: 'mcpscope_root_cause_traces_decided_total',
    help: 'Traces whose failed calls were decided after ingest (a trace decided again counts again).',
    registers,
    collect() {
      this.reset();
      this.inc(stats.decided);
    },
  });
  new Counter({
    name: 'mcpscope_root_cause_seconds_total',
    help: 'Time spent deciding root causes after ingest (reading spans, deciding, writing verdicts).',
    registers,
    collect() {
      this.reset();
      this.inc(stats.roundMs / 1000);
    },
  });
  new Counter({
    name: 'mcpscope_root_cause_failed_rounds_total',
    help: 'Rounds of root-cause decisions that failed on storage (their traces are retried).',
    registers,
    collect() {
      this.reset();
      this.inc(stats.failedRounds);
    },
  });
  new Counter({
    name: 'mcpscope_root_cause_dropped_total',
    help: 'Traces dropped from a full root-cause queue (their trace page still decides at read time).',
    registers,
    collect() {
      this.reset();
      this.inc(stats.dropped);
    },
  });
  new Gauge({
    name: 'mcpscope_root_cause_pending_traces',
    help: 'Traces waiting for their root causes to be decided.',
    registers,
    collect() {
      this.set(stats.pending);
    },
  });
}
