/**
 * OTLP/gRPC from the test side: a free port for a collector's gRPC receiver, raw Export calls (grpc-js
 * client, raw Buffer serializers: the bytes are what the official exporters send), and the
 * `google.rpc.RetryInfo` a refusal carries in its `grpc-status-details-bin` trailer, read with
 * protobufjs from the message definitions of googleapis' google/rpc protos.
 */
import { createServer } from 'node:net';
import { Client, Metadata, credentials, type ServiceError } from '@grpc/grpc-js';
import protobuf from 'protobufjs';

export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** A port free right now on 127.0.0.1 (the OS picks it; the collector binds it next). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One raw Export call; resolves with the error or the response bytes. */
export function exportRaw(
  address: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<{ error?: ServiceError; response?: Buffer }> {
  const client = new Client(address, credentials.createInsecure());
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      TRACE_EXPORT_PATH,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      metadata,
      (error, response) => {
        client.close();
        resolve(error ? { error } : { response });
      },
    );
  });
}

const root = protobuf.parse(
  `syntax = "proto3";
   message Any { string type_url = 1; bytes value = 2; }
   message Duration { int64 seconds = 1; int32 nanos = 2; }
   message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
   message RetryInfo { Duration retry_delay = 1; }`,
  { keepCase: true },
).root;

/**
 * The RetryInfo delay, in ms, of a failed call's status details (`grpc-status-details-bin`), or
 * undefined when the status carries none. Accepts any error: the exporters hand back grpc-js's
 * ServiceError as their ExportResult's error.
 */
export function retryDelayMs(error: unknown): number | undefined {
  const metadata = (error as { metadata?: Partial<Metadata> } | undefined)?.metadata;
  if (typeof metadata?.get !== 'function') return undefined;
  const bytes = metadata.get('grpc-status-details-bin')[0];
  if (!Buffer.isBuffer(bytes)) return undefined;
  const Status = root.lookupType('Status');
  const RetryInfo = root.lookupType('RetryInfo');
  const status = Status.toObject(Status.decode(bytes), { longs: Number, defaults: true }) as {
    details: { type_url: string; value: Uint8Array }[];
  };
  const detail = status.details.find((d) => d.type_url === 'type.googleapis.com/google.rpc.RetryInfo');
  if (detail === undefined) return undefined;
  const { retry_delay } = RetryInfo.toObject(RetryInfo.decode(detail.value), {
    longs: Number,
    defaults: true,
  }) as { retry_delay: { seconds: number; nanos: number } };
  return retry_delay.seconds * 1000 + retry_delay.nanos / 1e6;
}
