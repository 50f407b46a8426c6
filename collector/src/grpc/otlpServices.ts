import type { ServiceDefinition } from '@grpc/grpc-js';
import { exportResponse, type ExportPartialSuccess } from '../receiver/otlpResponse.js';

/** gRPC method paths of the OTLP export services, as opentelemetry-proto's collector/*_service.proto name them. */
export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
export const METRICS_EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

/**
 * What an Export call answers on success: an Export*ServiceResponse, empty or with `partial_success`.
 * Traces and metrics share its wire shape: `partial_success = 1 { rejected_spans / rejected_data_points
 * = 1 (int64), error_message = 2 }`.
 */
export interface ExportReply {
  partial?: ExportPartialSuccess;
}

/**
 * One OTLP export service, `rpc Export(Export*ServiceRequest) returns (Export*ServiceResponse)`, as a
 * grpc-js service definition. No generated message classes: the request stays the bytes that arrived
 * (grpc-js has already unframed and, for gzip, inflated them within the size limit), which the
 * collector's own protobuf decoder reads straight into rows; the response is written by the same code
 * as OTLP/HTTP's protobuf responses.
 */
function exportService(path: string): ServiceDefinition {
  return {
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: (body: Buffer) => body,
      requestDeserialize: (bytes: Buffer) => bytes,
      responseSerialize: (reply: ExportReply) => exportResponse('protobuf', reply.partial),
      // Only a client reads responses, and the collector is never one of these services' clients.
      responseDeserialize: (bytes: Buffer) => bytes,
    },
  };
}

export const TRACE_SERVICE = exportService(TRACE_EXPORT_PATH);
export const METRICS_SERVICE = exportService(METRICS_EXPORT_PATH);
