import protobuf from 'protobufjs/minimal.js';

/** The two OTLP/HTTP encodings; a response always uses the request's. */
export type OtlpEncoding = 'protobuf' | 'json';

export const CONTENT_TYPES: Record<OtlpEncoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** `google.rpc.Code` values used in error bodies. */
export const RpcCode = {
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/**
 * `partial_success` of an Export*ServiceResponse, in the signal's own words: the field is
 * `rejected_spans` for traces and `rejected_data_points` for metrics (field 1 of both, so protobuf
 * cannot tell them apart; OTLP/JSON spells the name).
 */
export type ExportPartialSuccess =
  { rejectedSpans: number; errorMessage: string } | { rejectedDataPoints: number; errorMessage: string };

/**
 * `ExportTraceServiceResponse` / `ExportMetricsServiceResponse`: empty on full success, else
 * `partial_success { rejected_spans | rejected_data_points = 1 (int64), error_message = 2 }`. In JSON,
 * int64 is a decimal string per protobuf's JSON mapping.
 */
export function exportResponse(encoding: OtlpEncoding, partial?: ExportPartialSuccess): Buffer {
  const rejected =
    partial === undefined
      ? 0
      : 'rejectedSpans' in partial
        ? partial.rejectedSpans
        : partial.rejectedDataPoints;
  if (encoding === 'json') {
    const body =
      partial === undefined
        ? {}
        : {
            partialSuccess: {
              ['rejectedSpans' in partial ? 'rejectedSpans' : 'rejectedDataPoints']: String(rejected),
              errorMessage: partial.errorMessage,
            },
          };
    return Buffer.from(JSON.stringify(body));
  }
  if (partial === undefined) return Buffer.alloc(0);
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 2).fork();
  w.uint32((1 << 3) | 0).int64(rejected);
  w.uint32((2 << 3) | 2).string(partial.errorMessage);
  w.ldelim();
  return Buffer.from(w.finish());
}

/** `google.rpc.Status { code = 1 (int32), message = 2 }`, the body of every OTLP/HTTP error response. */
export function rpcStatus(encoding: OtlpEncoding, code: number, message: string): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code, message }));
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | 0).int32(code);
  w.uint32((2 << 3) | 2).string(message);
  return Buffer.from(w.finish());
}
