import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { SpanKind, type HrTime } from '@opentelemetry/api';
import { OTLPTraceExporter as OTLPHttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import express from 'express';
import protobuf from 'protobufjs/minimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../config.js';
import { createMetrics, type CollectorMetrics } from '../metrics.js';
import { Batcher } from '../pipeline/batcher.js';
import { openStorage, type Storage } from '../storage/index.js';
import type { SpanStore } from '../storage/rows.js';
import { createOtlpRouter } from './router.js';
import { connectClickHouse } from '../storage/client.js';
import { SpanWriter } from '../storage/writer.js';

// Real HTTP (node:http + fetch, and the real OpenTelemetry OTLP exporters) into the real router,
// batcher and embedded ClickHouse. Mounted under prefixes: the default receiver at /, one with an
// ingest token at /auth, one with a small body limit at /small. Two storage faults that cannot be
// caused for real here use stand-in stores, mounted at /held (an insert held open, to fill the queue)
// and /down (every insert refused with ECONNREFUSED); /rejected spoils each row's Duration before the
// real insert, so that ClickHouse itself refuses it; /broken writes to a database that does not exist.

let dataDir: string;
let storage: Storage;
let server: Server;
let base: string;
let metrics: CollectorMetrics;
let release: () => void = () => {};
const batchers: Batcher[] = [];
const logs: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'mcpscope-router-'));
  storage = await openStorage(configFromEnv({ MCPSCOPE_DATA_DIR: dataDir }));
  metrics = createMetrics();
  const batcher = (store: SpanStore, options = {}): Batcher => {
    const b = new Batcher(store, options, metrics);
    batchers.push(b);
    return b;
  };
  const held = new Promise<void>((resolve) => (release = resolve));
  const heldStore: SpanStore = {
    async insert(rows) {
      await held;
      await storage.insert(rows);
    },
  };
  const downStore: SpanStore = {
    insert: () =>
      Promise.reject(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' }),
      ),
  };
  const app = express();
  app.use('/auth', createOtlpRouter({ batcher: batcher(storage), ingestToken: 's3cret-token' }));
  app.use('/small', createOtlpRouter({ batcher: batcher(storage), maxBodyBytes: 2048 }));
  app.use(
    '/held',
    createOtlpRouter({ batcher: batcher(heldStore, { maxQueueSpans: 2, queueFullRetryAfterSeconds: 3 }) }),
  );
  app.use('/down', createOtlpRouter({ batcher: batcher(downStore, { retryBaseMs: 1, maxRetries: 1 }) }));
  const spoilingStore: SpanStore = {
    insert: (rows) => storage.insert(rows.map((r) => ({ ...r, Duration: 'about a second' }))),
  };
  app.use('/rejected', createOtlpRouter({ batcher: batcher(spoilingStore), log: (m) => logs.push(m) }));
  // A real engine error that is not the rows' fault: the database the writer names does not exist.
  const lostClient = connectClickHouse(configFromEnv({ MCPSCOPE_DATA_DIR: dataDir })).client;
  const lostWriter = new SpanWriter(lostClient, 'no_such_database');
  const lostStore: SpanStore = { insert: (rows, token) => lostWriter.write(rows, token) };
  app.use('/broken', createOtlpRouter({ batcher: batcher(lostStore), log: (m) => logs.push(m) }));
  app.use('/retained', createOtlpRouter({ batcher: batcher(storage), retentionDays: 30 }));
  app.use(createOtlpRouter({ batcher: batcher(storage), metrics }));
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  release();
  await Promise.all(batchers.map((b) => b.close()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await storage.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// Recent start times: storage keeps MCPSCOPE_RETENTION_DAYS (30) days.
let second = Math.floor(Date.now() / 1000) - 3600;

function recordSpans(count = 3): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'router-test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('router-test');
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
const jsonBody = (spans: ReadableSpan[]): Buffer => Buffer.from(JsonTraceSerializer.serializeRequest(spans)!);

async function post(
  pathname: string,
  body: Buffer | string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(base + pathname, { method: 'POST', body, headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** google.rpc.Status from protobuf: 1 code (int32), 2 message (string). */
function decodeStatus(body: Buffer): { code: number; message: string } {
  const r = protobuf.Reader.create(body);
  const out = { code: 0, message: '' };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 8) out.code = r.int32();
    else if (tag === 18) out.message = r.string();
    else r.skipType(tag & 7);
  }
  return out;
}

async function stored(spans: ReadableSpan[]): Promise<number> {
  let n = 0;
  for (const traceId of new Set(spans.map((s) => s.spanContext().traceId))) {
    n += (await storage.queries.trace(traceId))?.spans.length ?? 0;
  }
  return n;
}

const PROTO = { 'Content-Type': 'application/x-protobuf' };
const JSON_CT = { 'Content-Type': 'application/json' };

describe('POST /v1/traces', () => {
  it('stores protobuf spans before answering 200 with an empty protobuf response', async () => {
    const spans = recordSpans();
    const res = await post('/v1/traces', proto(spans), PROTO);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    expect(res.body.length).toBe(0);
    expect(await stored(spans)).toBe(3);
  });

  it('stores JSON spans and answers {} in JSON, whatever the charset parameter', async () => {
    const spans = recordSpans();
    const res = await post('/v1/traces', jsonBody(spans), {
      'Content-Type': 'application/json; charset=utf-8',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(res.body.toString())).toEqual({});
    expect(await stored(spans)).toBe(3);
  });

  it('reports partial success in protobuf and JSON while storing the valid spans', async () => {
    for (const [encode, headers] of [
      [proto, PROTO],
      [jsonBody, JSON_CT],
    ] as const) {
      const spans = recordSpans(2);
      const good = spans[0]!;
      const noName = Object.create(good, { name: { value: '' } }) as ReadableSpan;
      const zeroTrace = Object.create(good, {
        spanContext: { value: () => ({ ...good.spanContext(), traceId: '0'.repeat(32) }) },
      }) as ReadableSpan;
      const res = await post('/v1/traces', encode([...spans, noName, zeroTrace]), headers);
      expect(res.status).toBe(200);
      const response =
        headers === PROTO
          ? ProtobufTraceSerializer.deserializeResponse(res.body)
          : JsonTraceSerializer.deserializeResponse(res.body);
      expect(Number(response.partialSuccess?.rejectedSpans)).toBe(2);
      expect(response.partialSuccess?.errorMessage).toMatch(
        /2 spans rejected: 1 missing_name.*1 invalid_trace_id/,
      );
      expect(await stored(spans)).toBe(2);
    }
    // int64 in OTLP/JSON is a decimal string.
    const spans = recordSpans(1);
    const bad = Object.create(spans[0]!, { name: { value: '' } }) as ReadableSpan;
    const res = await post('/v1/traces', jsonBody([bad]), JSON_CT);
    expect(JSON.parse(res.body.toString()).partialSuccess.rejectedSpans).toBe('1');
  });

  it('refuses spans older than the retention or a day ahead, with reasons, and stores the rest', async () => {
    const spans = recordSpans(3);
    const shift = (span: ReadableSpan, seconds: number) =>
      Object.create(span, {
        startTime: { value: [span.startTime[0] + seconds, span.startTime[1]] },
        endTime: { value: [span.endTime[0] + seconds, span.endTime[1]] },
      }) as ReadableSpan;
    const res = await post(
      '/retained/v1/traces',
      jsonBody([spans[0]!, shift(spans[1]!, -40 * 86_400), shift(spans[2]!, 3 * 86_400)]),
      JSON_CT,
    );
    expect(res.status).toBe(200);
    const partial = (
      JSON.parse(res.body.toString()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } }
    ).partialSuccess;
    expect(partial.rejectedSpans).toBe('2');
    expect(partial.errorMessage).toMatch(/1 expired \(.*retention of 30 days\).*1 invalid_timestamp/);
    expect(await stored([spans[0]!])).toBe(1);
  });

  it('accepts gzip, zlib deflate and raw deflate bodies', async () => {
    const cases = [
      ['gzip', gzipSync],
      ['deflate', deflateSync],
      ['deflate', deflateRawSync],
    ] as const;
    for (const [encoding, compress] of cases) {
      const spans = recordSpans(2);
      const res = await post('/v1/traces', compress(proto(spans)), {
        ...PROTO,
        'Content-Encoding': encoding,
      });
      expect(res.status).toBe(200);
      expect(await stored(spans)).toBe(2);
    }
  });

  it('answers 413 when the body passes the limit after decompression, without inflating it all', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024)); // 64 MiB of zeros in ~64 KiB
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const res = await post('/v1/traces', bomb, { ...PROTO, 'Content-Encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(decodeStatus(res.body).message).toMatch(/exceeds the limit of 20971520 bytes after decompression/);

    const big = await post(
      '/small/v1/traces',
      JSON.stringify({ resourceSpans: [], pad: 'x'.repeat(4096) }),
      JSON_CT,
    );
    expect(big.status).toBe(413);
    // Without a Content-Length (chunked), the limit is enforced while streaming.
    const chunks = [Buffer.from('{"resourceSpans":[],"pad":"'), Buffer.alloc(4096, 'x'), Buffer.from('"}')];
    const chunked = await fetch(`${base}/small/v1/traces`, {
      method: 'POST',
      headers: JSON_CT,
      body: new ReadableStream({
        start(controller) {
          for (const c of chunks) controller.enqueue(c);
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(big.body.toString())).toEqual({
      code: 3,
      message: expect.stringMatching(/2048 bytes/),
    });
  });

  it('answers 415 with a JSON google.rpc.Status for other content types and encodings', async () => {
    const res = await post('/v1/traces', 'hello', { 'Content-Type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(res.body.toString())).toEqual({
      code: 3,
      message: expect.stringMatching(/unsupported Content-Type "text\/plain"/),
    });
    const zstd = await post('/v1/traces', proto(recordSpans(1)), { ...PROTO, 'Content-Encoding': 'zstd' });
    expect(zstd.status).toBe(415);
    expect(decodeStatus(zstd.body).message).toMatch(/unsupported Content-Encoding "zstd"/);
  });

  it('answers 400 with a google.rpc.Status in the request encoding for malformed bodies', async () => {
    const pb = await post('/v1/traces', Buffer.from([0x0a, 0xff, 0x01, 0x02]), PROTO);
    expect(pb.status).toBe(400);
    expect(pb.headers.get('content-type')).toBe('application/x-protobuf');
    const status = decodeStatus(pb.body);
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/protobuf/);

    const js = await post('/v1/traces', '{"resourceSpans": {}}', JSON_CT);
    expect(js.status).toBe(400);
    expect(JSON.parse(js.body.toString())).toEqual({ code: 3, message: 'resourceSpans: expected an array' });

    const corrupt = await post('/v1/traces', Buffer.from('not gzip at all'), {
      ...PROTO,
      'Content-Encoding': 'gzip',
    });
    expect(corrupt.status).toBe(400);
    expect(decodeStatus(corrupt.body).message).toMatch(/cannot decompress the gzip body/);
    const badDeflate = await post('/v1/traces', Buffer.from('not deflate'), {
      ...JSON_CT,
      'Content-Encoding': 'deflate',
    });
    expect(badDeflate.status).toBe(400);
    expect(JSON.parse(badDeflate.body.toString()).message).toMatch(/cannot decompress the deflate body/);
  });

  it('accepts Brotli bodies', async () => {
    const spans = recordSpans(2);
    const res = await post('/v1/traces', brotliCompressSync(proto(spans)), {
      ...PROTO,
      'Content-Encoding': 'br',
    });
    expect(res.status).toBe(200);
    expect(await stored(spans)).toBe(2);
  });

  it('answers every corrupt compressed body 400 at once, Brotli included', async () => {
    const body = proto(recordSpans(3));
    const cases: [string, Buffer][] = [
      ['br', Buffer.from('not brotli at all, really not')],
      ['br', brotliCompressSync(body).subarray(0, 8)],
      ['gzip', Buffer.from('not gzip at all')],
      ['gzip', gzipSync(body).subarray(0, 20)],
      ['deflate', Buffer.from('not deflate')],
      ['deflate', deflateSync(body).subarray(0, 12)],
    ];
    for (const [encoding, compressed] of cases) {
      for (const headers of [PROTO, JSON_CT]) {
        const started = performance.now();
        const res = await post('/v1/traces', compressed, { ...headers, 'Content-Encoding': encoding });
        const took = performance.now() - started;
        expect(res.status, encoding).toBe(400);
        expect(took, `${encoding} answered in ${took.toFixed(0)} ms`).toBeLessThan(1_000);
        const status = headers === PROTO ? decodeStatus(res.body) : JSON.parse(res.body.toString());
        expect(status.code).toBe(3);
        expect(status.message).toMatch(new RegExp(`cannot decompress the ${encoding} body`));
      }
    }
  });

  it('answers 400 when the engine refuses a value of the rows (the sender’s data, final)', async () => {
    const spans = recordSpans(1);
    const res = await post('/rejected/v1/traces', proto(spans), PROTO);
    expect(res.status).toBe(400);
    expect(decodeStatus(res.body)).toEqual({ code: 3, message: 'storage refused the spans as invalid' });
    expect(await stored(spans)).toBe(0);
  });

  it('answers 500 without the storage engine’s error text, which goes to the log', async () => {
    const spans = recordSpans(1);
    const res = await post('/broken/v1/traces', proto(spans), PROTO);
    expect(res.status).toBe(500);
    const status = decodeStatus(res.body);
    expect(status.code).toBe(13);
    expect(status.message).toMatch(/^internal error while storing spans \(request [0-9a-f]{8}\)$/);
    const id = /request ([0-9a-f]{8})/.exec(status.message)?.[1] ?? '';
    const line = logs.find((l) => l.includes(id)) ?? '';
    expect(line).toMatch(/StorageRejectedError: storage refused the spans/);
    expect(await stored(spans)).toBe(0);
  });

  it('treats an empty request as a success', async () => {
    expect((await post('/v1/traces', Buffer.alloc(0), PROTO)).status).toBe(200);
    const js = await post('/v1/traces', '{}', JSON_CT);
    expect(js.status).toBe(200);
    expect(JSON.parse(js.body.toString())).toEqual({});
  });

  it('requires the ingest bearer token when one is configured', async () => {
    const spans = recordSpans(1);
    const missing = await post('/auth/v1/traces', proto(spans), PROTO);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="mcpscope-ingest"');
    expect(decodeStatus(missing.body)).toEqual({ code: 16, message: 'missing bearer token' });
    const wrong = await post('/auth/v1/traces', proto(spans), { ...PROTO, Authorization: 'Bearer s3cret' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect(await stored(spans)).toBe(0);
    const ok = await post('/auth/v1/traces', proto(spans), {
      ...PROTO,
      Authorization: 'bearer s3cret-token',
    });
    expect(ok.status).toBe(200);
    expect(await stored(spans)).toBe(1);
  });

  it('answers 429 with Retry-After while the queue is full, and 200 once the held insert commits', async () => {
    const first = recordSpans(2);
    const pending = post('/held/v1/traces', proto(first), PROTO);
    // Let the first request reach the batcher (its insert is held open).
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await post('/held/v1/traces', jsonBody(recordSpans(1)), JSON_CT);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('3');
    expect(JSON.parse(refused.body.toString())).toEqual({
      code: 8,
      message: expect.stringMatching(/queue full/),
    });
    release();
    expect((await pending).status).toBe(200);
    expect(await stored(first)).toBe(2);
  });

  it('answers 503 with Retry-After when storage is unavailable — never a false 200', async () => {
    const res = await post('/down/v1/traces', proto(recordSpans(1)), PROTO);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(decodeStatus(res.body)).toEqual({ code: 14, message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('answers 405 to other methods', async () => {
    const res = await fetch(`${base}/v1/traces`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('is a standard OTLP endpoint for the OpenTelemetry protobuf and JSON exporters', async () => {
    for (const Exporter of [OTLPProtoExporter, OTLPHttpJsonExporter]) {
      const exporter = new Exporter({ url: `${base}/v1/traces`, compression: 'gzip' as never });
      const spans = recordSpans(4);
      const result = await new Promise<{ code: number; error?: Error }>((resolve) =>
        exporter.export(spans, resolve),
      );
      expect(result.error).toBeUndefined();
      expect(result.code).toBe(0);
      expect(await stored(spans)).toBe(4);
      await exporter.shutdown();
    }
  });

  it('counts requests by status and spans received, rejected and stored', async () => {
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/mcpscope_otlp_requests_total\{code="200"\} [1-9]/);
    expect(text).toMatch(/mcpscope_otlp_requests_total\{code="413"\} 1/);
    expect(text).toMatch(/mcpscope_spans_rejected_total\{reason="missing_name"\} [1-9]/);
    expect(text).toMatch(/mcpscope_spans_stored_total [1-9]/);
    expect(text).toMatch(/mcpscope_ack_duration_seconds_count [1-9]/);
    expect(text).toMatch(/process_cpu_user_seconds_total/);
  });
});
