import protobuf from 'protobufjs/minimal.js';
import { rpcStatus } from '../receiver/otlpResponse.js';

/** The trailer in which gRPC carries the full `google.rpc.Status` of a failed call, details included. */
export const STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';

/** `type_url` of a `google.rpc.RetryInfo` packed in a `google.protobuf.Any`. */
export const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * `google.rpc.Status { code = 1, message = 2, details = 3 }` whose one detail is a
 * `google.rpc.RetryInfo { retry_delay = 1 (google.protobuf.Duration { seconds = 1, nanos = 2 }) }`,
 * packed in `google.protobuf.Any { type_url = 1, value = 2 }`.
 *
 * This is how OTLP/gRPC says "throttled, try again after this long" (the gRPC twin of HTTP's
 * `Retry-After`): the OTLP specification has exporters retry RESOURCE_EXHAUSTED only when the status
 * carries a RetryInfo, and honour its delay for UNAVAILABLE too.
 */
export function statusWithRetryInfo(code: number, message: string, retryAfterSeconds: number): Buffer {
  const delayNanos = Math.max(0, Math.round(retryAfterSeconds * 1e9));
  const seconds = Math.floor(delayNanos / 1e9);
  const nanos = delayNanos - seconds * 1e9;

  const retryInfo = protobuf.Writer.create();
  retryInfo.uint32((1 << 3) | 2).fork();
  if (seconds !== 0) retryInfo.uint32((1 << 3) | 0).int64(seconds);
  if (nanos !== 0) retryInfo.uint32((2 << 3) | 0).int32(nanos);
  retryInfo.ldelim();

  const details = protobuf.Writer.create();
  details.uint32((3 << 3) | 2).fork();
  details.uint32((1 << 3) | 2).string(RETRY_INFO_TYPE_URL);
  details.uint32((2 << 3) | 2).bytes(retryInfo.finish());
  details.ldelim();

  // Fields of a message may come in any order and in pieces: the code and message are the same
  // google.rpc.Status bytes that OTLP/HTTP error bodies carry, the detail follows them.
  return Buffer.concat([rpcStatus('protobuf', code, message), details.finish()]);
}
