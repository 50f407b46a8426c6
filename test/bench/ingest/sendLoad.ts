/**
 * Sends OTLP protobuf export requests, over HTTP (`POST /v1/traces`) or gRPC (`TraceService/Export`),
 * as fast as the receiver acknowledges them, with a fixed number of requests in flight over long-lived
 * connections, and records what came back. A request refused as retryable (HTTP 429/503, gRPC
 * RESOURCE_EXHAUSTED/UNAVAILABLE) is retried with the same body after the delay the answer names
 * (`Retry-After`, RetryInfo), as an OpenTelemetry exporter does, so a span counts as stored only once
 * its request was acknowledged.
 */
import http from 'node:http';
import { Client, credentials, status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import { retryDelayMs } from '../../collector/helpers/grpcExport.js';
import type { RequestPatcher } from './workload.js';

/** Where the load goes: an OTLP/HTTP base URL, or an OTLP/gRPC `host:port`. */
export type LoadTarget = { protocol: 'http'; url: string } | { protocol: 'grpc'; address: string };

export interface LoadOptions {
  target: LoadTarget;
  concurrency: number;
  /** Total sending time, warm-up included. */
  durationMs: number;
  /** Leading time whose acknowledgements are left out of the rate and latency figures. */
  warmupMs: number;
  /** Longest wait honoured from a `Retry-After` / RetryInfo, in ms. Default 1000: keeps a run inside its time. */
  maxRetryWaitMs?: number;
}

export interface LoadResult {
  /** Requests acknowledged (HTTP 200, gRPC OK), and their spans, over the whole run. */
  ackedRequests: number;
  ackedSpans: number;
  /** Spans whose acknowledgement came inside the measurement window (after the warm-up). */
  windowSpans: number;
  windowSeconds: number;
  /** Acknowledgement latency inside the window, ms, sorted ascending. */
  latenciesMs: number[];
  /** Answers by HTTP status or gRPC status name (retried ones included). */
  statuses: Record<string, number>;
  retries: number;
  /** Transport errors (connection reset, …). */
  errors: string[];
  /** Acknowledged spans per second of the run, for spotting stalls. */
  timeline: number[];
}

interface Answer {
  /** HTTP status or gRPC status name. */
  status: string;
  acked: boolean;
  /** Set when the request should be sent again after this long. */
  retryAfterMs?: number;
}

/** Sends one body; one sender per request in flight. Throws on transport errors. */
interface Sender {
  send(body: Buffer): Promise<Answer>;
  close(): void;
}

function httpSenders(url: string, count: number): Sender[] {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: count });
  const send = (body: Buffer) =>
    new Promise<Answer>((resolve, reject) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: '/v1/traces',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
        },
        (res) => {
          res.on('data', () => {});
          res.on('end', () => {
            const code = res.statusCode ?? 0;
            const retryable = code === 429 || code === 503;
            resolve({
              status: String(code),
              acked: code === 200,
              ...(retryable ? { retryAfterMs: Number(res.headers['retry-after'] ?? 1) * 1000 } : {}),
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return Array.from({ length: count }, (_, i) => ({
    send,
    close: () => (i === 0 ? agent.destroy() : undefined),
  }));
}

const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/**
 * One grpc-js client, on a connection of its own, per request in flight: the many exporters a
 * collector serves each hold their own connection (as the HTTP senders' keep-alive sockets do).
 */
function grpcSenders(address: string, count: number): Sender[] {
  return Array.from({ length: count }, () => {
    // Without a local subchannel pool, clients of one target share one connection.
    const client = new Client(address, credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
    });
    return {
      send: (body: Buffer) =>
        new Promise<Answer>((resolve, reject) => {
          client.makeUnaryRequest(
            TRACE_EXPORT_PATH,
            (b: Buffer) => b,
            (b: Buffer) => b,
            body,
            (error: ServiceError | null) => {
              if (error === null) return resolve({ status: 'OK', acked: true });
              const name = grpcStatus[error.code] ?? String(error.code);
              const delay = retryDelayMs(error);
              // Refused by the server with RetryInfo: retry. Anything else (a transport error is
              // UNAVAILABLE without RetryInfo) is a failure of the run.
              if (delay !== undefined) return resolve({ status: name, acked: false, retryAfterMs: delay });
              if (error.code === grpcStatus.UNAVAILABLE || error.code === grpcStatus.INTERNAL) {
                return reject(error);
              }
              resolve({ status: name, acked: false });
            },
          );
        }),
      close: () => client.close(),
    };
  });
}

/** Runs the load until `durationMs` has passed and every request in flight has been answered. */
export async function sendLoad(patcher: RequestPatcher, options: LoadOptions): Promise<LoadResult> {
  const { target } = options;
  const senders =
    target.protocol === 'http'
      ? httpSenders(target.url, options.concurrency)
      : grpcSenders(target.address, options.concurrency);
  const maxRetryWaitMs = options.maxRetryWaitMs ?? 1000;
  const started = performance.now();
  const stopAt = started + options.durationMs;
  const windowStart = started + options.warmupMs;
  const result: LoadResult = {
    ackedRequests: 0,
    ackedSpans: 0,
    windowSpans: 0,
    windowSeconds: (options.durationMs - options.warmupMs) / 1000,
    latenciesMs: [],
    statuses: {},
    retries: 0,
    errors: [],
    timeline: [],
  };

  const worker = async (sender: Sender) => {
    while (performance.now() < stopAt) {
      const { body, spans } = patcher.nextBody();
      for (;;) {
        const sent = performance.now();
        let answer: Answer;
        try {
          answer = await sender.send(body);
        } catch (error) {
          result.errors.push((error as Error).message);
          if (result.errors.length > 100) throw error;
          break;
        }
        const now = performance.now();
        result.statuses[answer.status] = (result.statuses[answer.status] ?? 0) + 1;
        if (answer.acked) {
          result.ackedRequests++;
          result.ackedSpans += spans;
          const second = Math.floor((now - started) / 1000);
          result.timeline[second] = (result.timeline[second] ?? 0) + spans;
          // Throughput is what was acknowledged inside the window, whenever it was sent.
          if (now >= windowStart && now <= stopAt) {
            result.windowSpans += spans;
            result.latenciesMs.push(now - sent);
          }
          break;
        }
        const retryAfterMs = answer.retryAfterMs;
        if (retryAfterMs === undefined) break;
        result.retries++;
        await new Promise((r) => setTimeout(r, Math.min(maxRetryWaitMs, retryAfterMs)));
      }
    }
  };
  try {
    await Promise.all(senders.map(worker));
  } finally {
    for (const s of senders) s.close();
  }
  for (let i = 0; i < result.timeline.length; i++) result.timeline[i] ??= 0;
  result.latenciesMs.sort((a, b) => a - b);
  return result;
}
