import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  Client,
  Metadata,
  compressionAlgorithms,
  credentials,
  status,
  type ChannelOptions,
  type ServiceError,
} from '@grpc/grpc-js';
import { SpanKind, type HrTime } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../config.js';
import { createMetrics, type CollectorMetrics } from '../metrics.js';
import { Batcher, type BatcherOptions } from '../pipeline/batcher.js';
import { openStorage, type Storage } from '../storage/index.js';
import type { SpanStore } from '../storage/rows.js';
import { OtlpGrpcReceiver, type OtlpGrpcReceiverOptions } from './otlpGrpcReceiver.js';
import { METRICS_EXPORT_PATH, TRACE_EXPORT_PATH } from './otlpServices.js';
import { pipelineExports } from './pipelineExports.js';
import { RETRY_INFO_TYPE_URL, STATUS_DETAILS_TRAILER } from './retryInfo.js';

// A real grpc-js client, sending raw request bytes (what the official exporters send: the OTLP
// serializer's protobuf), into real receivers, the real batcher and embedded ClickHouse. Two storage
// faults that cannot be caused for real here use stand-in stores: an insert held open until released
// (to fill the queue, and to have an export in flight during a shutdown), and every insert refused
// with ECONNREFUSED (storage unreachable).

let dataDir: string;
let storage: Storage;
let metrics: CollectorMetrics;
const batchers: Batcher[] = [];
const receivers: OtlpGrpcReceiver[] = [];
const clients: Client[] = [];
const releases: (() => void)[] = [];

function batcher(store: SpanStore, options: BatcherOptions = {}): Batcher {
  const b = new Batcher(store, options, metrics);
  batchers.push(b);
  return b;
}

/** A store whose inserts wait until `release()`, then go to the real storage. */
function heldStore(): { store: SpanStore; release: () => void } {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  releases.push(release);
  return {
    store: {
      async insert(rows, token) {
        await held;
        await storage.insert(rows, token);
      },
    },
    release,
  };
}

async function receiver(
  b: Batcher,
  options: Partial<OtlpGrpcReceiverOptions> = {},
): Promise<OtlpGrpcReceiver> {
  const r = await OtlpGrpcReceiver.start({
    host: '127.0.0.1',
    port: 0,
    exports: pipelineExports({ batcher: b, metrics }),
    metrics,
    ...options,
  });
  receivers.push(r);
  return r;
}

let main: OtlpGrpcReceiver;
let withToken: OtlpGrpcReceiver;
let small: OtlpGrpcReceiver;
let held: OtlpGrpcReceiver;
let heldRelease: () => void;
let down: OtlpGrpcReceiver;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'mcpscope-grpc-'));
  storage = await openStorage(configFromEnv({ MCPSCOPE_DATA_DIR: dataDir }));
  metrics = createMetrics();
  main = await receiver(batcher(storage));
  withToken = await receiver(batcher(storage), { ingestToken: 's3cret-token' });
  small = await receiver(batcher(storage), { maxMessageBytes: 2048 });
  const h = heldStore();
  heldRelease = h.release;
  held = await receiver(batcher(h.store, { maxQueueSpans: 2, queueFullRetryAfterSeconds: 3 }));
  const downStore: SpanStore = {
    insert: () =>
      Promise.reject(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' }),
      ),
  };
  down = await receiver(batcher(downStore, { retryBaseMs: 1, maxRetries: 1 }));
});

afterAll(async () => {
  for (const release of releases) release();
  for (const c of clients) c.close();
  await Promise.all(receivers.map((r) => r.close(0)));
  await Promise.all(batchers.map((b) => b.close()));
  await storage.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// Recent start times: storage keeps MCPSCOPE_RETENTION_DAYS (30) days.
let second = Math.floor(Date.now() / 1000) - 3600;

function recordSpans(count = 3): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'grpc-test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('grpc-test');
  for (let i = 0; i < count; i++) {
    const start: HrTime = [second++, 1];
    tracer
      .startSpan(`tools/call t${i}`, { kind: SpanKind.CLIENT, startTime: start })
      .end([start[0], 2_000_001]);
  }
  return exporter.getFinishedSpans();
}

const proto = (spans: ReadableSpan[]): Buffer =>
  Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);

async function stored(spans: ReadableSpan[]): Promise<number> {
  let n = 0;
  for (const traceId of new Set(spans.map((s) => s.spanContext().traceId))) {
    n += (await storage.queries.trace(traceId))?.spans.length ?? 0;
  }
  return n;
}

interface Answer {
  error?: ServiceError;
  response?: Buffer;
}

/** One unary call with raw bytes both ways, on a client (one HTTP/2 connection) per receiver and options. */
function call(
  to: OtlpGrpcReceiver,
  body: Buffer,
  opts: { token?: string; gzip?: boolean; path?: string; client?: Client } = {},
): Promise<Answer> {
  const channel: ChannelOptions = opts.gzip
    ? { 'grpc.default_compression_algorithm': compressionAlgorithms.gzip }
    : {};
  const client = opts.client ?? new Client(`127.0.0.1:${to.port}`, credentials.createInsecure(), channel);
  if (opts.client === undefined) clients.push(client);
  const metadata = new Metadata();
  if (opts.token !== undefined) metadata.set('authorization', `Bearer ${opts.token}`);
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      opts.path ?? TRACE_EXPORT_PATH,
      (b: Buffer) => b,
      (b: Buffer) => b,
      body,
      metadata,
      (error, response) => resolve(error ? { error } : { response }),
    );
  });
}

// google.rpc.Status with its details, as googleapis' protos define them (see retryInfo.test.ts).
const statusRoot = protobuf.parse(
  `syntax = "proto3";
   message Any { string type_url = 1; bytes value = 2; }
   message Duration { int64 seconds = 1; int32 nanos = 2; }
   message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
   message RetryInfo { Duration retry_delay = 1; }`,
  { keepCase: true },
).root;

/** The RetryInfo delay in the call's status details, in seconds; undefined when there is none. */
function retryDelaySeconds(error: ServiceError): number | undefined {
  const bytes = error.metadata.get(STATUS_DETAILS_TRAILER)[0];
  if (!Buffer.isBuffer(bytes)) return undefined;
  const Status = statusRoot.lookupType('Status');
  const RetryInfo = statusRoot.lookupType('RetryInfo');
  const s = Status.toObject(Status.decode(bytes), { longs: Number, defaults: true }) as {
    code: number;
    details: { type_url: string; value: Uint8Array }[];
  };
  expect(s.code).toBe(error.code);
  const detail = s.details.find((d) => d.type_url === RETRY_INFO_TYPE_URL);
  if (detail === undefined) return undefined;
  const info = RetryInfo.toObject(RetryInfo.decode(detail.value), { longs: Number, defaults: true }) as {
    retry_delay: { seconds: number; nanos: number };
  };
  return info.retry_delay.seconds + info.retry_delay.nanos / 1e9;
}

describe('OTLP/gRPC TraceService/Export', () => {
  it('stores the spans before answering OK with an empty ExportTraceServiceResponse', async () => {
    const spans = recordSpans();
    const { error, response } = await call(main, proto(spans));
    expect(error).toBeUndefined();
    expect(response?.length).toBe(0);
    expect(await stored(spans)).toBe(3);
  });

  it('reports partial_success with reasons while storing the valid spans', async () => {
    const spans = recordSpans(2);
    const good = spans[0]!;
    const noName = Object.create(good, { name: { value: '' } }) as ReadableSpan;
    const zeroTrace = Object.create(good, {
      spanContext: { value: () => ({ ...good.spanContext(), traceId: '0'.repeat(32) }) },
    }) as ReadableSpan;
    const { error, response } = await call(main, proto([...spans, noName, zeroTrace]));
    expect(error).toBeUndefined();
    const decoded = ProtobufTraceSerializer.deserializeResponse(response!);
    expect(Number(decoded.partialSuccess?.rejectedSpans)).toBe(2);
    expect(decoded.partialSuccess?.errorMessage).toMatch(
      /2 spans rejected: 1 missing_name.*1 invalid_trace_id/,
    );
    expect(await stored(spans)).toBe(2);
  });

  it('answers INVALID_ARGUMENT to bytes that are not an ExportTraceServiceRequest', async () => {
    const { error } = await call(main, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expect(error?.code).toBe(status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/protobuf/);
    expect(retryDelaySeconds(error!)).toBeUndefined();
  });

  it('takes gzip requests', async () => {
    const spans = recordSpans(4);
    const { error } = await call(main, proto(spans), { gzip: true });
    expect(error).toBeUndefined();
    expect(await stored(spans)).toBe(4);
  });

  it('refuses a message over the limit after decompression, RESOURCE_EXHAUSTED without RetryInfo', async () => {
    // Repetitive spans: the gzip request is far below 2 KiB, the message it inflates to far above.
    const spans = recordSpans(60);
    const body = proto(spans);
    expect(body.length).toBeGreaterThan(2048);
    for (const gzip of [false, true]) {
      const { error } = await call(small, body, { gzip });
      expect(error?.code).toBe(status.RESOURCE_EXHAUSTED);
      // Without RetryInfo the OTLP exporters treat it as final: the same bytes will never fit.
      expect(retryDelaySeconds(error!)).toBeUndefined();
    }
    expect(await stored(spans)).toBe(0);
  });

  it('requires the ingest bearer token in the authorization metadata when one is configured', async () => {
    const spans = recordSpans(1);
    const missing = await call(withToken, proto(spans));
    expect(missing.error?.code).toBe(status.UNAUTHENTICATED);
    expect(missing.error?.details).toBe('missing bearer token');
    const wrong = await call(withToken, proto(spans), { token: 'guess' });
    expect(wrong.error?.code).toBe(status.UNAUTHENTICATED);
    expect(wrong.error?.details).toBe('invalid bearer token');
    expect(await stored(spans)).toBe(0);
    const right = await call(withToken, proto(spans), { token: 's3cret-token' });
    expect(right.error).toBeUndefined();
    expect(await stored(spans)).toBe(1);
  });

  it('answers RESOURCE_EXHAUSTED with RetryInfo while the queue is full, and OK once the held insert commits', async () => {
    const first = recordSpans(3);
    const second = recordSpans(1);
    const inFlight = call(held, proto(first));
    // The first export is queued (alone it may exceed the 2-span queue) and its insert held open.
    await waitUntil(() => batchers.some((b) => b.queueDepth.spans === 3));
    const refused = await call(held, proto(second));
    expect(refused.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(refused.error?.details).toMatch(/ingest queue full/);
    expect(retryDelaySeconds(refused.error!)).toBe(3);
    heldRelease();
    expect((await inFlight).error).toBeUndefined();
    expect(await stored(first)).toBe(3);
    expect((await call(held, proto(second))).error).toBeUndefined();
    expect(await stored(second)).toBe(1);
  });

  it('answers UNAVAILABLE with RetryInfo when storage is down — never a false OK', async () => {
    const spans = recordSpans(2);
    const { error } = await call(down, proto(spans));
    expect(error?.code).toBe(status.UNAVAILABLE);
    expect(error?.details).toMatch(/storage unavailable after 2 attempts/);
    expect(retryDelaySeconds(error!)).toBe(5);
    expect(await stored(spans)).toBe(0);
  });

  it('does not offer MetricsService/Export without a pipeline for data points', async () => {
    const { error } = await call(main, Buffer.alloc(0), { path: METRICS_EXPORT_PATH });
    expect(error?.code).toBe(status.UNIMPLEMENTED);
  });

  it('counts answers by gRPC status', async () => {
    const counted = await metrics.grpcRequests.get();
    const count = (code: string) =>
      counted.values.filter((v) => v.labels['code'] === code).reduce((n, v) => n + v.value, 0);
    expect(count('OK')).toBeGreaterThanOrEqual(5);
    expect(count('UNAUTHENTICATED')).toBe(2);
    expect(count('INVALID_ARGUMENT')).toBe(1);
    expect(count('UNAVAILABLE')).toBe(1);
    // The queue-full refusal is counted; the oversize ones are refused inside grpc-js, before us.
    expect(count('RESOURCE_EXHAUSTED')).toBe(1);
  });
});

describe('OTLP/gRPC shutdown', () => {
  it('finishes the export in flight, refuses new ones with UNAVAILABLE, and stores nothing twice', async () => {
    const h = heldStore();
    const b = batcher(h.store);
    const r = await receiver(b);
    const client = new Client(`127.0.0.1:${r.port}`, credentials.createInsecure());
    clients.push(client);
    const spans = recordSpans(2);
    const inFlight = call(r, proto(spans), { client });
    await waitUntil(() => b.queueDepth.spans === 2);

    const closed = r.close(60_000);
    const late = recordSpans(1);
    const refused = await call(r, proto(late), { client });
    expect(refused.error?.code).toBe(status.UNAVAILABLE);

    h.release();
    expect((await inFlight).error).toBeUndefined();
    await closed;
    expect(await stored(spans)).toBe(2);
    expect(await stored(late)).toBe(0);
  });
});

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
