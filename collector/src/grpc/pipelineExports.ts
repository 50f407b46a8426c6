import type { Batcher } from '../pipeline/batcher.js';
import { decodeProtobufMetrics } from '../receiver/decodeProtobufMetrics.js';
import { decodeProtobufTraces } from '../receiver/decodeProtobufTraces.js';
import type { DecodeOptions } from '../receiver/decodeOptions.js';
import { ingestMetrics } from '../receiver/ingestMetrics.js';
import { ingestTraces, type TraceIngestOptions } from '../receiver/ingestTraces.js';
import type { MetricPoint } from '../storage/metricRows.js';
import type { OtlpGrpcExports } from './otlpGrpcReceiver.js';

/** Options of {@link pipelineExports}. */
export interface PipelineExportsOptions extends TraceIngestOptions, DecodeOptions {
  /** Where data points go; unset: MetricsService is not offered (UNIMPLEMENTED), as /v1/metrics is not. */
  metricBatcher?: Batcher<MetricPoint>;
}

/**
 * The collector's pipeline behind the OTLP/gRPC services: the protobuf decoders and ingest paths of
 * OTLP/HTTP (admission, validation, batching, acknowledgement after commit), fed the request bytes.
 */
export function pipelineExports(options: PipelineExportsOptions): OtlpGrpcExports {
  const decodeOptions: DecodeOptions = { maxAttributeValueBytes: options.maxAttributeValueBytes };
  const { batcher, metrics, log, retentionDays, metricBatcher } = options;
  return {
    traces: (body) =>
      ingestTraces(() => decodeProtobufTraces(body, decodeOptions), { batcher, metrics, log, retentionDays }),
    ...(metricBatcher === undefined
      ? {}
      : {
          metrics: (body: Buffer) =>
            ingestMetrics(() => decodeProtobufMetrics(body, decodeOptions), {
              batcher: metricBatcher,
              metrics,
              log,
              retentionDays,
            }),
        }),
  };
}
