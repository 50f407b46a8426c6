/**
 * `npm run bench:rootcause` — what deciding root causes at ingest costs, and what it saves the reads,
 * on the embedded engine, each measured against its baseline in the same run, in alternating rounds.
 *
 *  1. Ingest: inserting batches of MCP calls (MCPSCOPE_BENCH_FAILED_PCT % of them failed: tool errors,
 *     caller faults, timeouts, downstream 503s) through storage with the verdicts decided after each
 *     batch (the updater's read of the failed traces' spans, the model, the verdict insert) against the
 *     span insert alone.
 *  2. The errors view over the window: grouped from the verdicts kept at ingest (what the API does)
 *     against deciding at read time (every failed trace's spans read and decided on each request).
 *  3. The model alone: microseconds to decide one failed trace, against reading its spans.
 *
 *   npm run bench:rootcause
 *   MCPSCOPE_BENCH_CALLS=60000 MCPSCOPE_BENCH_ROUNDS=7 npm run bench:rootcause
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configFromEnv } from '../../config.js';
import { decideRootCauses } from '../../model/rootCause.js';
import { connectClickHouse } from '../client.js';
import { hexId, span, toolCall } from '../fixtures.js';
import { openStorage } from '../index.js';
import { RootCauseUpdater } from '../rootCauses.js';
import type { SpanRow } from '../rows.js';
import { SpanWriter } from '../writer.js';

const calls = envInt('MCPSCOPE_BENCH_CALLS', 40_000);
const failedPct = envInt('MCPSCOPE_BENCH_FAILED_PCT', 5);
const rounds = envInt('MCPSCOPE_BENCH_ROUNDS', 7);
const batchCalls = 3_000;

function envInt(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const FAILURES = [
  { type: 'tool_error', fault: 'tool', message: 'card declined for cus_{n}: amount over limit' },
  { type: '-32602', fault: 'caller', message: 'MCP error -32602: Input validation error' },
  { type: 'timeout', fault: 'server', message: 'MCP error -32001: Request timed out' },
  { type: 'tool_error', fault: 'tool', message: 'weather backend unavailable', downstream: true },
] as const;

/** `n` calls spread over the last hour, every 100/pct-th one failed. */
function makeCalls(n: number, seed: string): SpanRow[][] {
  const out: SpanRow[][] = [];
  const start = Date.now() - 60 * 60_000;
  const every = Math.max(1, Math.round(100 / failedPct));
  for (let i = 0; i < n; i += batchCalls) {
    const batch: SpanRow[] = [];
    for (let k = i; k < Math.min(n, i + batchCalls); k++) {
      const f = k % every === 0 ? FAILURES[(k / every) % FAILURES.length] : undefined;
      const rows = toolCall({
        traceId: hexId(16, `${seed}-${k}`),
        startMs: start + (k * 3_600_000) / n,
        durationMs: 5 + (k % 40),
        tool: ['get_weather', 'charge_card', 'get_alerts'][k % 3]!,
        error: f ? { type: f.type, fault: f.fault, message: f.message.replace('{n}', String(k)) } : undefined,
      });
      if (f && 'downstream' in f) {
        const server = rows[2]!;
        rows.push(
          span({
            traceId: server.TraceId,
            parentSpanId: server.SpanId,
            name: 'GET /v1/alerts',
            kind: 'Client',
            service: server.ServiceName,
            startMs: start + (k * 3_600_000) / n + 1,
            durationMs: 3,
            attributes: { 'http.response.status_code': '503' },
            status: 'Error',
          }),
        );
      }
      batch.push(...rows);
    }
    out.push(batch);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;

const dir = mkdtempSync(path.join(tmpdir(), 'mcpscope-rootcause-bench-'));
const config = { ...configFromEnv({}), dataDir: dir };
const storage = await openStorage(config);
const { client } = connectClickHouse(config);
const db = config.clickhouseDatabase;
const writer = new SpanWriter(client, db);
const updater = new RootCauseUpdater(client, db, { delayMs: 0 });

try {
  // ── 1. ingest: span insert + verdicts vs the span insert alone ──────────────────────────────────
  const batches = makeCalls(calls, 'ingest');
  const spans = batches.reduce((n, b) => n + b.length, 0);
  const withVerdicts: number[] = [];
  const without: number[] = [];
  // Warm-up (JIT, first parts).
  await writer.write(makeCalls(batchCalls, 'warm')[0]!);
  let next = 0;
  const perRound = Math.max(1, Math.floor(batches.length / (2 * rounds)));
  for (let r = 0; r < rounds && next < batches.length; r++) {
    for (const mode of r % 2 === 0 ? ['with', 'without'] : ['without', 'with']) {
      const slice = batches.slice(next, next + perRound);
      next += perRound;
      if (slice.length === 0) break;
      const n = slice.reduce((k, b) => k + b.length, 0);
      const t0 = performance.now();
      for (const b of slice) {
        await writer.write(b);
        if (mode === 'with') {
          updater.noteCommitted(b);
          await updater.flush();
        }
      }
      const usPerSpan = ((performance.now() - t0) * 1000) / n;
      (mode === 'with' ? withVerdicts : without).push(usPerSpan);
    }
  }
  // What was not inserted in the rounds goes in now; every failed trace gets its verdict (those of
  // the "without" rounds too) so that both read paths below see the same failed calls.
  for (const b of batches.slice(next)) await writer.write(b);
  for (const b of batches) updater.noteCommitted(b);
  await updater.flush();
  const ingestRatio = median(withVerdicts) / median(without);

  // ── 2. the errors view: verdicts kept at ingest vs decided at read time ─────────────────────────
  const window = { from: new Date(Date.now() - 61 * 60_000), to: new Date(Date.now() + 60_000) };
  const kept: number[] = [];
  const readTime: number[] = [];
  let groupsKept = 0;
  let groupsRead = 0;
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 === 0 ? ['kept', 'read'] : ['read', 'kept']) {
      const t0 = performance.now();
      if (mode === 'kept') {
        groupsKept = (await storage.queries.errors({ ...window, limit: 100 })).errors.length;
        kept.push(performance.now() - t0);
      } else {
        const rs = await client.query({
          query: `SELECT DISTINCT TraceId FROM \`${db}\`.otel_traces
                  WHERE Timestamp >= fromUnixTimestamp64Milli({from:Int64}) AND Timestamp < fromUnixTimestamp64Milli({to:Int64})
                    AND IsError = 1`,
          query_params: { from: window.from.getTime(), to: window.to.getTime() },
          format: 'JSONEachRow',
        });
        const ids = (await rs.json<{ TraceId: string }>()).map((x) => x.TraceId);
        const groups = new Set<string>();
        for (let i = 0; i < ids.length; i += 1000) {
          for (const row of await updater.decide(ids.slice(i, i + 1000))) {
            row['Calls.Layer'].forEach((layer, k) =>
              groups.add(
                `${row['Calls.Server'][k]}|${row['Calls.Tool'][k]}|${layer}|${row['Calls.Template'][k]}`,
              ),
            );
          }
        }
        groupsRead = groups.size;
        readTime.push(performance.now() - t0);
      }
    }
  }

  // ── 3. the model alone, per failed trace ─────────────────────────────────────────────────────────
  const sample = makeCalls(2_000, 'model').flat();
  const byTrace = new Map<string, SpanRow[]>();
  for (const row of sample) {
    if (!byTrace.has(row.TraceId)) byTrace.set(row.TraceId, []);
    byTrace.get(row.TraceId)!.push(row);
  }
  const traces = [...byTrace.values()].map((rows) =>
    rows.map((s) => ({
      spanId: s.SpanId,
      parentSpanId: s.ParentSpanId,
      name: s.SpanName,
      kind: s.SpanKind,
      service: s.ServiceName,
      startTimeUnixNano: s.Timestamp,
      durationNs: s.Duration,
      statusCode: s.StatusCode,
      statusMessage: s.StatusMessage,
      attributes: s.SpanAttributes,
    })),
  );
  const modelUs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (const t of traces) decideRootCauses(t);
    modelUs.push(((performance.now() - t0) * 1000) / traces.length);
  }

  const stats = { ...updater.stats };
  console.log(
    `root causes, embedded ClickHouse, ${calls} calls (${spans} spans), ${failedPct}% failed, ${rounds} rounds`,
  );
  console.log(
    `ingest, µs per span      with verdicts ${median(withVerdicts).toFixed(2)} (${spread(withVerdicts)})` +
      `   span insert alone ${median(without).toFixed(2)} (${spread(without)})   ratio ${ingestRatio.toFixed(2)}×`,
  );
  console.log(
    `  updater: ${stats.decided} traces decided in ${stats.rounds} rounds, ${(stats.roundMs / Math.max(stats.decided, 1)).toFixed(3)} ms per trace`,
  );
  console.log(
    `errors view, ms           kept at ingest ${median(kept).toFixed(1)} (${spread(kept)})` +
      `   decided at read time ${median(readTime).toFixed(1)} (${spread(readTime)})` +
      `   ratio ${(median(readTime) / median(kept)).toFixed(1)}× (groups ${groupsKept} / ${groupsRead})`,
  );
  console.log(
    `model, µs per trace       ${median(modelUs).toFixed(1)} (${spread(modelUs)}), ${traces.length} traces of 3–4 spans`,
  );
} finally {
  await updater.close();
  await client.close();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
