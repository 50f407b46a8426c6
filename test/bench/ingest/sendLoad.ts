/**
 * Sends OTLP/HTTP protobuf requests as fast as the receiver acknowledges them, with a fixed number of
 * requests in flight over keep-alive connections, and records what came back. A request answered 429
 * or 503 is retried with the same body after its `Retry-After` (as an OpenTelemetry exporter does),
 * so a span counts as stored only once its request got a 200.
 */
import http from 'node:http';
import type { RequestPatcher } from './workload.js';

export interface LoadOptions {
  /** Base URL of the receiver, e.g. `http://127.0.0.1:4318`. */
  url: string;
  concurrency: number;
  /** Total sending time, warm-up included. */
  durationMs: number;
  /** Leading time whose acknowledgements are left out of the rate and latency figures. */
  warmupMs: number;
  /** Longest wait honoured from a `Retry-After`, in ms. Default 1000: keeps a run inside its time. */
  maxRetryWaitMs?: number;
}

export interface LoadResult {
  /** Requests answered 200, and their spans, over the whole run. */
  ackedRequests: number;
  ackedSpans: number;
  /** Spans whose acknowledgement came inside the measurement window (after the warm-up). */
  windowSpans: number;
  windowSeconds: number;
  /** Acknowledgement latency of the 200s inside the window, ms, sorted ascending. */
  latenciesMs: number[];
  /** Answers by HTTP status (retried ones included). */
  statuses: Record<string, number>;
  retries: number;
  /** Transport errors (connection reset, …). */
  errors: string[];
  /** Acknowledged spans per second of the run, for spotting stalls. */
  timeline: number[];
}

interface Answer {
  status: number;
  retryAfterSeconds: number;
}

function post(agent: http.Agent, target: URL, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
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
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfterSeconds: Number(res.headers['retry-after'] ?? 1),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs the load until `durationMs` has passed and every request in flight has been answered. */
export async function sendLoad(patcher: RequestPatcher, options: LoadOptions): Promise<LoadResult> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
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

  const worker = async () => {
    while (performance.now() < stopAt) {
      const { body, spans } = patcher.nextBody();
      for (;;) {
        const sent = performance.now();
        let answer: Answer;
        try {
          answer = await post(agent, target, body);
        } catch (error) {
          result.errors.push((error as Error).message);
          if (result.errors.length > 100) throw error;
          break;
        }
        const now = performance.now();
        result.statuses[answer.status] = (result.statuses[answer.status] ?? 0) + 1;
        if (answer.status === 200) {
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
        if (answer.status !== 429 && answer.status !== 503) break;
        result.retries++;
        await new Promise((r) => setTimeout(r, Math.min(maxRetryWaitMs, answer.retryAfterSeconds * 1000)));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  agent.destroy();
  for (let i = 0; i < result.timeline.length; i++) result.timeline[i] ??= 0;
  result.latenciesMs.sort((a, b) => a - b);
  return result;
}
