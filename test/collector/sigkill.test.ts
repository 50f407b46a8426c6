/**
 * Crash safety of the acknowledgement: senders push OTLP requests continuously to a real collector
 * child process, which is killed with SIGKILL mid-stream (no flush, no cleanup) and restarted on the
 * same data directory. Every request the collector answered 200 must be stored in full, exactly once;
 * a request that got no answer may be stored or not, but never in part (a request's spans travel in
 * one insert).
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startCollector, waitFor, type TestCollector } from '../helpers/collector.js';
import { otlpRequest } from './helpers/otlpRequest.js';
import { storedSpansByTrace } from './helpers/storedSpans.js';

const SPANS_PER_REQUEST = 50;
const WORKERS = 8;

const dataDir = mkdtempSync(path.join(tmpdir(), 'mcpscope-sigkill-'));
let collector: TestCollector | undefined;

afterAll(async () => {
  await collector?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Sent {
  traceId: string;
  spans: number;
  /** HTTP status, or undefined when the request failed without an answer. */
  status?: number;
}

function post(agent: http.Agent, url: string, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/v1/traces`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends with WORKERS requests in flight until `stop()`; every request is recorded with its outcome. */
function sendContinuously(url: string, sent: Sent[]): { stop(): Promise<void> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS });
  let running = true;
  const worker = async () => {
    while (running) {
      const request = otlpRequest(SPANS_PER_REQUEST, 'crash-sender');
      const record: Sent = { traceId: request.traceId, spans: request.spanIds.length };
      sent.push(record);
      try {
        record.status = await post(agent, url, request.body);
      } catch {
        // No answer: the collector died with the request in flight, or refused the connection.
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const workers = Array.from({ length: WORKERS }, worker);
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      agent.destroy();
    },
  };
}

it('keeps every acknowledged span across a SIGKILL and restart on the same data directory', async () => {
  collector = await startCollector({ dataDir });
  const beforeCrash: Sent[] = [];
  const senders = sendContinuously(collector.url, beforeCrash);
  await waitFor(
    async () => beforeCrash.filter((s) => s.status === 200).length >= 60,
    30_000,
    '60 acknowledged requests',
  );
  await collector.kill();
  await senders.stop();

  const acked = beforeCrash.filter((s) => s.status === 200);
  const unanswered = beforeCrash.filter((s) => s.status === undefined);
  expect(beforeCrash.filter((s) => s.status !== undefined && s.status !== 200)).toEqual([]);
  // The kill landed mid-stream: requests were in flight when the collector died.
  expect(unanswered.length).toBeGreaterThan(0);

  // Restart on the same directory; it must come up and take new spans after the crash.
  collector = await startCollector({ dataDir });
  const afterRestart: Sent[] = [];
  const moreSenders = sendContinuously(collector.url, afterRestart);
  await waitFor(
    async () => afterRestart.filter((s) => s.status === 200).length >= 10,
    30_000,
    '10 acknowledged requests after restart',
  );
  await moreSenders.stop();
  await collector.stop();
  collector = undefined;

  const all = [...beforeCrash, ...afterRestart];
  const stored = await storedSpansByTrace(
    dataDir,
    all.map((s) => s.traceId),
  );
  const count = (s: Sent) => stored.get(s.traceId) ?? { rows: 0, spans: 0 };
  const lost = [...acked, ...afterRestart.filter((s) => s.status === 200)].filter(
    (s) => count(s).rows !== s.spans || count(s).spans !== s.spans,
  );
  expect(lost, `acknowledged requests not stored exactly once (of ${acked.length} before the crash)`).toEqual(
    [],
  );
  const partial = unanswered.filter((s) => count(s).rows !== 0 && count(s).rows !== s.spans);
  expect(partial, 'unacknowledged requests stored in part').toEqual([]);
}, 120_000);
