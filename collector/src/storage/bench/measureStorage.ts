/**
 * Measures, on the embedded engine, what the storage targets are about: bytes per span on disk and
 * insert throughput through `Storage.insert` (JSONEachRow, derived rows, materialized views).
 *
 *   node --conditions=mcpscope-source --import tsx collector/src/storage/bench/measureStorage.ts [spans] [batch]
 *
 * The spans are realistic MCP traffic: one agent calling three servers over stdio and HTTP, sessions of
 * ~100 calls with incrementing JSON-RPC ids, log-normal latencies, 2% tool errors, spread over ten minutes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configFromEnv } from '../../config.js';
import { toolCall } from '../fixtures.js';
import { openStorage } from '../index.js';
import type { SpanRow } from '../rows.js';
import { TABLES } from '../schema.js';
import { connectClickHouse } from '../client.js';

const total = Number(process.argv[2] ?? 100_000);
const batch = Number(process.argv[3] ?? 10_000);

const servers = [
  { name: 'weather', tools: ['get_weather', 'get_forecast', 'get_alerts'] },
  { name: 'github', tools: ['search_issues', 'create_issue', 'get_file_contents', 'list_pull_requests'] },
  { name: 'filesystem', tools: ['read_file', 'write_file', 'list_directory'] },
];

function logNormalMs(medianMs: number): number {
  const u = Math.random() || 1e-9;
  const v = Math.random();
  return medianMs * Math.exp(0.8 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
}

function generate(n: number): SpanRow[] {
  const rows: SpanRow[] = [];
  const start = Date.now() - 15 * 60_000;
  const step = (10 * 60_000) / (n / 3);
  let session = randomUUID();
  let rid = 0;
  for (let i = 0; rows.length < n; i++) {
    if (rid >= 100) {
      session = randomUUID();
      rid = 0;
    }
    const server = servers[i % servers.length] as (typeof servers)[number];
    const tool = server.tools[Math.floor(Math.random() * server.tools.length)] as string;
    const failed = Math.random() < 0.02;
    const call = toolCall({
      traceId: randomBytes(16).toString('hex'),
      startMs: Math.round((start + i * step) * 1000) / 1000,
      durationMs: Math.round(logNormalMs(server.name === 'github' ? 180 : 4) * 1000) / 1000,
      tool,
      server: server.name,
      sessionId: session,
      requestId: ++rid,
      error: failed ? { type: 'tool_error', fault: 'tool', message: 'upstream returned 502' } : undefined,
    });
    for (const s of call) s.SpanId = randomBytes(8).toString('hex');
    // Keep the parent links consistent after re-randomizing the span ids.
    (call[1] as SpanRow).ParentSpanId = (call[0] as SpanRow).SpanId;
    (call[2] as SpanRow).ParentSpanId = (call[1] as SpanRow).SpanId;
    rows.push(...call);
  }
  return rows.slice(0, n);
}

const dir = mkdtempSync(path.join(tmpdir(), 'mcpscope-measure-'));
const config = { ...configFromEnv({}), dataDir: dir };
const storage = await openStorage(config);
const { client } = connectClickHouse(config);
try {
  const rows = generate(total);
  const batches: SpanRow[][] = [];
  for (let i = 0; i < rows.length; i += batch) batches.push(rows.slice(i, i + batch));
  const t0 = performance.now();
  for (const b of batches) await storage.insert(b);
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `insert: ${total} spans in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} spans/s (batches of ${batch})`,
  );

  const perSpan = async (label: string) => {
    const rs = await client.query({
      query: `SELECT sum(data_compressed_bytes) AS c, sum(data_uncompressed_bytes) AS u, sum(rows) AS r, count() AS parts
               FROM system.parts WHERE database = {db:String} AND table = {t:String} AND active`,
      query_params: { db: config.clickhouseDatabase, t: TABLES.spans },
      format: 'JSONEachRow',
    });
    const [p] = await rs.json<{ c: string; u: string; r: string; parts: string }>();
    console.log(
      `${label}: ${(Number(p?.c) / Number(p?.r)).toFixed(1)} bytes/span compressed ` +
        `(${(Number(p?.u) / Number(p?.r)).toFixed(0)} uncompressed) in ${p?.parts} parts`,
    );
  };
  await perSpan('disk as inserted');
  await client.command({ query: `OPTIMIZE TABLE \`${config.clickhouseDatabase}\`.${TABLES.spans} FINAL` });
  await perSpan('disk after merge');
  const cols = await client.query({
    query: `SELECT column AS name, sum(column_data_compressed_bytes) AS c FROM system.parts_columns
            WHERE database = {db:String} AND table = {t:String} AND active GROUP BY column ORDER BY c DESC LIMIT 14`,
    query_params: { db: config.clickhouseDatabase, t: TABLES.spans },
    format: 'JSONEachRow',
  });
  for (const c of await cols.json<{ name: string; c: string }>()) {
    console.log(`  ${c.name.padEnd(24)} ${(Number(c.c) / total).toFixed(2)} B/span`);
  }
} finally {
  await client.close();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
