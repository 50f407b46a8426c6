import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { RETRY_INFO_TYPE_URL, statusWithRetryInfo } from './retryInfo.js';

// The messages as googleapis' google/rpc/status.proto, google/rpc/error_details.proto and
// google/protobuf/{any,duration}.proto define them, read by protobufjs's own parser: an encoder
// independent of the hand-written one under test.
const root = protobuf.parse(
  `
  syntax = "proto3";
  message Any { string type_url = 1; bytes value = 2; }
  message Duration { int64 seconds = 1; int32 nanos = 2; }
  message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
  message RetryInfo { Duration retry_delay = 1; }
`,
  { keepCase: true },
).root;
const Status = root.lookupType('Status');
const RetryInfo = root.lookupType('RetryInfo');

interface DecodedStatus {
  code: number;
  message: string;
  details: { type_url: string; value: Uint8Array }[];
}

function decode(bytes: Buffer): { status: DecodedStatus; delay: { seconds: number; nanos: number } } {
  const status = Status.toObject(Status.decode(bytes), {
    longs: Number,
    defaults: true,
  }) as DecodedStatus;
  const detail = status.details[0]!;
  const info = RetryInfo.toObject(RetryInfo.decode(detail.value), { longs: Number, defaults: true }) as {
    retry_delay: { seconds: number; nanos: number };
  };
  return { status, delay: info.retry_delay };
}

describe('statusWithRetryInfo', () => {
  it('is a google.rpc.Status with the code, the message and one RetryInfo detail', () => {
    const { status, delay } = decode(statusWithRetryInfo(8, 'ingest queue full (12 spans queued)', 1));
    expect(status.code).toBe(8);
    expect(status.message).toBe('ingest queue full (12 spans queued)');
    expect(status.details.map((d) => d.type_url)).toEqual([RETRY_INFO_TYPE_URL]);
    expect(delay).toEqual({ seconds: 1, nanos: 0 });
  });

  it('carries fractions of a second as nanos, and whole minutes as seconds', () => {
    expect(decode(statusWithRetryInfo(14, 'storage unavailable', 0.25)).delay).toEqual({
      seconds: 0,
      nanos: 250_000_000,
    });
    expect(decode(statusWithRetryInfo(14, 'storage unavailable', 90.5)).delay).toEqual({
      seconds: 90,
      nanos: 500_000_000,
    });
  });
});
