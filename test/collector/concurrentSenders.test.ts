/**
 * Several sender processes at once — the real OpenTelemetry SDK with the official OTLP exporters,
 * protobuf and JSON — against one real collector child process: every span whose export the collector
 * acknowledged is stored, and stored exactly once (counted per trace id in the collector's data
 * directory after it stopped).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT, startCollector, type TestCollector } from '../helpers/collector.js';
import type { SenderReport } from './helpers/senderProcess.js';
import { storedSpansByTrace } from './helpers/storedSpans.js';

const SENDER = path.join(REPO_ROOT, 'test/collector/helpers/senderProcess.ts');
const SENDERS: { kind: 'proto' | 'json'; traces: number; spansPerTrace: number }[] = [
  { kind: 'proto', traces: 1500, spansPerTrace: 4 },
  { kind: 'proto', traces: 1500, spansPerTrace: 4 },
  { kind: 'json', traces: 1000, spansPerTrace: 3 },
  { kind: 'json', traces: 1000, spansPerTrace: 3 },
];

let collector: TestCollector;

beforeAll(async () => {
  collector = await startCollector();
});

afterAll(async () => {
  await collector?.stop();
});

function runSender(
  url: string,
  kind: string,
  service: string,
  traces: number,
  spansPerTrace: number,
): Promise<SenderReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', SENDER, url, kind, service, String(traces), String(spansPerTrace)],
      {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      const m = /^SENDER (.*)$/m.exec(out);
      if (code === 0 && m?.[1]) resolve(JSON.parse(m[1]) as SenderReport);
      else reject(new Error(`sender exited with ${code}:\n${out}`));
    });
  });
}

it('stores every acknowledged span exactly once when several processes send at once', async () => {
  const reports = await Promise.all(
    SENDERS.map((s, i) =>
      runSender(collector.url, s.kind, `sender-${i}-${s.kind}`, s.traces, s.spansPerTrace),
    ),
  );
  const acked = new Map<string, number>();
  for (const r of reports)
    for (const [traceId, n] of Object.entries(r.acked)) acked.set(traceId, (acked.get(traceId) ?? 0) + n);
  // The collector had room for everything: every export was acknowledged.
  expect(reports.map((r) => r.failedSpans)).toEqual(SENDERS.map(() => 0));
  expect(acked.size).toBe(SENDERS.reduce((n, s) => n + s.traces, 0));
  expect(reports.every((r) => r.exports > 1)).toBe(true);

  await collector.stop({ keepData: true });
  const stored = await storedSpansByTrace(collector.dataDir, [...acked.keys()]);
  const wrong = [...acked].filter(([traceId, n]) => {
    const got = stored.get(traceId);
    return got?.rows !== n || got.spans !== n;
  });
  expect(wrong, `traces stored other than acknowledged (first: ${JSON.stringify(wrong[0])})`).toEqual([]);
}, 120_000);
