/**
 * SIGTERM with connections in every state, against the real `mcpscope start` process: an idle
 * keep-alive connection, a body dripping one byte a second, a request whose headers are still on the
 * way, a request in flight, and a sender that keeps posting on keep-alive connections throughout.
 * The collector must answer the request in flight (and store its spans), refuse what arrives during
 * the drain with 503 + Retry-After + Connection: close, cut the dripping connection at the grace
 * period, and exit — while the sender is still sending.
 */
import http from 'node:http';
import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { startCollector, waitFor, type TestCollector } from '../helpers/collector.js';
import { otlpRequest } from './helpers/otlpRequest.js';
import { RawConnection, requestHead, type RawResponse } from './helpers/rawHttp.js';
import { storedSpansByTrace } from './helpers/storedSpans.js';

const GRACE_MS = 2_000;
const PROTO = 'application/x-protobuf';

let collector: TestCollector | undefined;
afterAll(async () => {
  await collector?.kill();
  if (collector) rmSync(collector.dataDir, { recursive: true, force: true });
});

interface Sent {
  traceId: string;
  spans: number;
  status?: number;
  retryAfter?: string;
  connection?: string;
  /** Set when the request failed without an answer (connection refused or closed). */
  error?: string;
}

function post(agent: http.Agent, url: string, body: Buffer): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/v1/traces`,
      { method: 'POST', agent, headers: { 'content-type': PROTO, 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res));
        res.on('error', reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error('no answer in 15 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Posts on two keep-alive connections, one request after another, until stopped. */
function sendContinuously(url: string, sent: Sent[]): { stop(): Promise<void> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
  let running = true;
  const worker = async () => {
    while (running) {
      const request = otlpRequest(10, 'keep-alive-sender');
      const record: Sent = { traceId: request.traceId, spans: request.spanIds.length };
      sent.push(record);
      try {
        const res = await post(agent, url, request.body);
        record.status = res.statusCode;
        record.retryAfter = res.headers['retry-after'];
        record.connection = res.headers['connection'];
      } catch (err) {
        record.error = (err as Error).message;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const workers = [worker(), worker()];
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      agent.destroy();
    },
  };
}

it('drains at SIGTERM: answers what is in flight, refuses what arrives, cuts what holds on, exits', async () => {
  collector = await startCollector({ env: { MCPSCOPE_SHUTDOWN_GRACE_MS: String(GRACE_MS) } });
  const { port, url } = collector;

  // An idle keep-alive connection.
  const idle = await RawConnection.open(port);
  idle.write(requestHead('/healthz', {}, 'GET'));
  expect((await idle.response())?.status).toBe(200);

  // A body dripping one byte a second: it would take 1,000 s.
  const dripping = await RawConnection.open(port);
  dripping.write(requestHead('/v1/traces', { 'content-type': PROTO, 'content-length': 1000 }));
  dripping.drip(Buffer.alloc(1000), 1_000);

  // A request whose headers are on the way when the drain begins.
  const late = await RawConnection.open(port);
  late.write('POST /v1/traces HTTP/1.1\r\nhost: localhost\r\n');

  // A request in flight: half its body sent before SIGTERM, the rest after.
  const inFlightRequest = otlpRequest(20, 'in-flight');
  const inFlight = await RawConnection.open(port);
  const half = Math.floor(inFlightRequest.body.length / 2);
  inFlight.write(
    requestHead('/v1/traces', { 'content-type': PROTO, 'content-length': inFlightRequest.body.length }),
  );
  inFlight.write(inFlightRequest.body.subarray(0, half));

  // A sender that never stops on its own.
  const sent: Sent[] = [];
  const sender = sendContinuously(url, sent);
  await waitFor(async () => sent.filter((s) => s.status === 200).length >= 20, 30_000, '20 acknowledged');

  const sentBeforeSignal = sent.length;
  const signalled = performance.now();
  const exited = collector.stop({ keepData: true });
  await waitFor(async () => /SIGTERM: draining/.test(collector?.output() ?? ''), 5_000, 'the drain to begin');

  await idle.closed;
  const idleClosedAfter = performance.now() - signalled;

  late.write(`content-type: ${PROTO}\r\ncontent-length: 0\r\n\r\n`);
  const refused = await late.response();
  inFlight.write(inFlightRequest.body.subarray(half));
  const answered: RawResponse | undefined = await inFlight.response();

  await dripping.closed;
  const drippingClosedAfter = performance.now() - signalled;
  await exited;
  const exitedAfter = performance.now() - signalled;
  const sentAtExit = sent.length;
  await sender.stop();

  // The idle connection went at once; the dripping one at the end of the grace period.
  expect(idleClosedAfter).toBeLessThan(1_000);
  expect(drippingClosedAfter).toBeGreaterThanOrEqual(GRACE_MS - 100);
  expect(drippingClosedAfter).toBeLessThan(GRACE_MS + 2_000);
  // The process exited: after the grace period, the final flush and closing storage.
  expect(exitedAfter, `exited ${exitedAfter.toFixed(0)} ms after SIGTERM`).toBeLessThan(GRACE_MS + 8_000);
  expect(collector.process.exitCode).toBe(0);
  expect(collector.output()).toMatch(/grace period over: closed 1 connection/);

  expect(refused?.status).toBe(503);
  expect(refused?.headers['retry-after']).toBe('5');
  expect(refused?.headers['connection']).toBe('close');
  expect(refused?.headers['content-type']).toBe(PROTO);

  expect(answered?.status).toBe(200);
  expect(answered?.headers['connection']).toBe('close');

  // The sender kept sending through the drain, and the process exited all the same. Every attempt got
  // one of the answers a drain gives: 200 (in flight), 503 (arrived during the drain) or a refused or
  // closed connection — never a hang.
  expect(sentAtExit).toBeGreaterThan(sentBeforeSignal + 2);
  for (const s of sent) {
    expect([200, 503, undefined], JSON.stringify(s)).toContain(s.status);
    if (s.status === 503) {
      expect(s.retryAfter).toBe('5');
      expect(s.connection).toBe('close');
    }
    if (s.status === undefined) expect(s.error).not.toMatch(/no answer in 15 s/);
  }

  // Stored exactly once: the request in flight and every acknowledged one; nothing refused.
  const acked = [...sent.filter((s) => s.status === 200), { traceId: inFlightRequest.traceId, spans: 20 }];
  const refusedSent = sent.filter((s) => s.status === 503);
  const stored = await storedSpansByTrace(collector.dataDir, [
    ...acked.map((s) => s.traceId),
    ...refusedSent.map((s) => s.traceId),
  ]);
  for (const s of acked) expect(stored.get(s.traceId), s.traceId).toEqual({ rows: s.spans, spans: s.spans });
  for (const s of refusedSent) expect(stored.get(s.traceId)?.rows, s.traceId).toBe(0);
}, 120_000);
