import type { Attributes, Histogram, Meter } from '@opentelemetry/api';
import {
  METRIC_MCP_CLIENT_OPERATION_DURATION,
  METRIC_MCP_CLIENT_SESSION_DURATION,
  METRIC_MCP_SERVER_OPERATION_DURATION,
  METRIC_MCP_SERVER_SESSION_DURATION,
} from '../../semconv.js';

/**
 * Bucket boundaries (seconds) of the operation histograms.
 *
 * Deviation from the MCP semconv advice (which starts at 10 ms): MCP calls over stdio or in-memory
 * transports commonly finish in well under 10 ms, and a first bucket of 10 ms would put all of them in
 * one bucket. These boundaries start at 0.5 ms and still reach the 300 s a slow tool may take.
 */
export const OPERATION_DURATION_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
];

/** Bucket boundaries (seconds) of the session histograms: sessions last from a second to hours. */
export const SESSION_DURATION_BUCKETS = [0.01, 0.1, 1, 5, 10, 30, 60, 300, 600, 1800, 3600, 14400, 86400];

/** The four semconv MCP histograms, in seconds. */
export class McpMetrics {
  readonly clientOperation: Histogram;
  readonly serverOperation: Histogram;
  readonly clientSession: Histogram;
  readonly serverSession: Histogram;

  constructor(meter: Meter) {
    const operation = { unit: 's', advice: { explicitBucketBoundaries: OPERATION_DURATION_BUCKETS } };
    const session = { unit: 's', advice: { explicitBucketBoundaries: SESSION_DURATION_BUCKETS } };
    this.clientOperation = meter.createHistogram(METRIC_MCP_CLIENT_OPERATION_DURATION, {
      ...operation,
      description: 'Duration of MCP requests as seen by the sender.',
    });
    this.serverOperation = meter.createHistogram(METRIC_MCP_SERVER_OPERATION_DURATION, {
      ...operation,
      description: 'Duration of MCP requests as seen by the receiver.',
    });
    this.clientSession = meter.createHistogram(METRIC_MCP_CLIENT_SESSION_DURATION, {
      ...session,
      description: 'Duration of MCP sessions as seen by the client.',
    });
    this.serverSession = meter.createHistogram(METRIC_MCP_SERVER_SESSION_DURATION, {
      ...session,
      description: 'Duration of MCP sessions as seen by the server.',
    });
  }

  /** Records one operation; `outgoing` is true for requests this process sent (the client role). */
  recordOperation(outgoing: boolean, seconds: number, attributes: Attributes): void {
    (outgoing ? this.clientOperation : this.serverOperation).record(seconds, attributes);
  }
}
