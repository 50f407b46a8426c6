/**
 * The request body cannot be decoded as an OTLP `ExportTraceServiceRequest` (undecodable protobuf,
 * invalid JSON, wrong shape). The receiver answers 400 with a `google.rpc.Status` carrying `message`,
 * which says what was wrong and where.
 */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}
