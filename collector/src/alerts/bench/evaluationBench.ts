/**
 * Alert evaluation at scale, for the query benchmark (storage/bench/queryLatency.ts): 100 rules of
 * every metric, scope and window an on-call team would write for the benchmark's 3 servers and 10
 * tools, evaluated by the real evaluation cycle (rules read, values computed, firings written,
 * notifications sent to a receiver in this process). Reports ClickHouse's own time per cycle (the sum
 * of its queries' statistics) — the target is under 1 s for 100 rules — and the wall time.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import type { ClickHouseClient } from '@clickhouse/client';
import { Alerting } from '../alerting.js';
import { BENCH_SERVERS, BENCH_TOOLS } from '../../storage/bench/fleet.js';

/** The benchmark's rule set: `count` rules cycling through realistic shapes. */
export function benchRules(webhookUrl: string, count = 100): Record<string, unknown>[] {
  const windows = [300, 900, 3600];
  const shapes: ((i: number) => Record<string, unknown>)[] = [
    (i) => ({
      metric: 'error_rate',
      op: '>',
      threshold: 0.05,
      scope: { tool: BENCH_TOOLS[i % BENCH_TOOLS.length] },
    }),
    (i) => ({
      metric: 'error_rate',
      op: '>',
      threshold: 0.01,
      scope: { server: BENCH_SERVERS[i % 3], layer: 'server' },
    }),
    (i) => ({
      metric: 'p95_ms',
      op: '>',
      threshold: 20,
      scope: { tool: BENCH_TOOLS[i % BENCH_TOOLS.length] },
    }),
    (i) => ({ metric: 'p99_ms', op: '>', threshold: 50, scope: { server: BENCH_SERVERS[i % 3] } }),
    (i) => ({
      metric: 'calls',
      op: '<',
      threshold: 1,
      scope: { server: BENCH_SERVERS[i % 3], tool: BENCH_TOOLS[i % 10] },
    }),
    () => ({ metric: 'calls', op: '>', threshold: 100_000, scope: { service: 'agent' } }),
    (i) => ({
      metric: 'error_rate',
      op: '>',
      threshold: 0.02,
      scope: { server: BENCH_SERVERS[i % 3], rootCauseLayer: 'tool' },
    }),
    (i) => ({
      metric: 'calls',
      op: '>',
      threshold: 10,
      scope: { tool: BENCH_TOOLS[i % 10], rootCauseLayer: 'downstream' },
    }),
    (i) => ({
      metric: 'tool_change',
      op: '>',
      threshold: 0,
      flaggedOnly: i % 2 === 0,
      scope: { server: BENCH_SERVERS[i % 3] },
    }),
    () => ({ metric: 'error_rate', op: '>', threshold: 0.5, scope: {} }),
  ];
  return Array.from({ length: count }, (_, i) => ({
    name: `bench rule ${i}`,
    windowSeconds: shapes[i % shapes.length] === shapes[8] ? 86_400 : windows[i % windows.length],
    webhook: { url: webhookUrl, format: i % 2 ? 'slack' : 'alertmanager' },
    ...shapes[i % shapes.length]!(i),
  }));
}

/** Creates the rules and runs `cycles` evaluations (after one warm-up), printing the figures. */
export async function benchAlertEvaluation(
  client: ClickHouseClient,
  database: string,
  opts: { rules?: number; cycles?: number } = {},
): Promise<{ medianClickhouseMs: number; maxClickhouseMs: number }> {
  const received: number[] = [];
  const receiver = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(Date.now());
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const alerting = await Alerting.create(client, database, {
    intervalSeconds: 0,
    externalUrl: () => 'http://localhost:4318',
  });
  try {
    const rules = benchRules(url, opts.rules ?? 100);
    for (const r of rules) await alerting.createRule(r);
    await alerting.start();
    const first = await alerting.evaluator.runCycle(); // warm-up; fires what the data breaches
    await alerting.notifier.idle();
    const ch: number[] = [];
    const wall: number[] = [];
    const cpu: number[] = [];
    let queries = 0;
    const parts = new Map<string, number[]>();
    for (let i = 0; i < (opts.cycles ?? 15); i++) {
      const t = performance.now();
      const cpu0 = process.cpuUsage();
      const report = await alerting.evaluator.runCycle();
      const used = process.cpuUsage(cpu0);
      wall.push(performance.now() - t);
      cpu.push((used.user + used.system) / 1000);
      ch.push(report.clickhouseMs);
      queries = report.queries;
      for (const [name, ms] of Object.entries(report.breakdown))
        parts.set(name, [...(parts.get(name) ?? []), ms]);
    }
    ch.sort((a, b) => a - b);
    wall.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    const mid = (xs: number[]) => xs[Math.floor(xs.length / 2)] ?? NaN;
    console.log(
      `alert evaluation (${rules.length} rules, ${queries} queries/cycle): ClickHouse time median ` +
        `${mid(ch).toFixed(1)} ms, max ${ch.at(-1)?.toFixed(1)} ms per cycle (target ≤ 1000 ms); ` +
        `wall median ${mid(wall).toFixed(1)} ms, max ${wall.at(-1)?.toFixed(1)} ms; ` +
        `CPU of the process (engine and JS) median ${mid(cpu).toFixed(1)} ms; ` +
        `${first.fired} fired on the first cycle, ${received.length} notifications delivered`,
    );
    const byQuery = [...parts].map(
      ([name, xs]) => `${name} ${mid([...xs].sort((a, b) => a - b)).toFixed(1)} ms`,
    );
    console.log(`  ClickHouse time per query (median): ${byQuery.join(', ')}`);
    // Elapsed times include waiting for a core: on a shared machine they say as much about the load.
    console.log(
      `  load average during the run: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    return { medianClickhouseMs: mid(ch), maxClickhouseMs: ch.at(-1) ?? NaN };
  } finally {
    await alerting.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
}
