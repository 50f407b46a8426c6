import type { RejectedSpan } from '../storage/rows.js';

/**
 * The request body cannot be decoded as an OTLP `ExportTraceServiceRequest` (undecodable protobuf,
 * invalid JSON, wrong shape). The receiver answers 400 with a `google.rpc.Status` carrying `message`,
 * which says what was wrong and where.
 */
export class OtlpDecodeError extends Error {
  override readonly name = 'OtlpDecodeError';
}

/**
 * One span breaks a limit (an attribute nested too deep): thrown from inside the span's decoding and
 * caught where the span's extent is known, which refuses that span (in `partial_success`) and goes on
 * with its neighbours.
 */
export class SpanRejection extends Error {
  override readonly name = 'SpanRejection';
  constructor(readonly rejected: RejectedSpan) {
    super(rejected.message);
  }
}
