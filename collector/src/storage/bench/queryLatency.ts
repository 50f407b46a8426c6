/**
 * Query latency at scale on the embedded engine: fills the span table with N synthetic MCP spans
 * (default 10M, over the last 24 hours, generated inside ClickHouse so the fill is quick), the verdicts
 * of their failed calls and a tool-definition history, and times every dashboard query — trace by id
 * and the 1-hour overview are the ones with targets — then, with the operation histograms of the same
 * traffic added as if its traces were sampled one in ten, the overview read from them, and the
 * evaluation of 100 alert rules.
 *
 *   npm run bench:query                      (10M spans)
 *   MCPSCOPE_BENCH_SPANS=1000000 npm run bench:query
 *   node --conditions=mcpscope-source --import tsx collector/src/storage/bench/queryLatency.ts [spans]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { configFromEnv } from '../../config.js';
import { connectClickHouse } from '../client.js';
import { openStorage } from '../index.js';
import { TABLES } from '../schema.js';
import { toolsList } from '../fixtures.js';
import { benchAlertEvaluation } from '../../alerts/bench/evaluationBench.js';
import { fillOperationHistograms } from './histogramFill.js';

const total = Number(process.argv[2] ?? process.env['MCPSCOPE_BENCH_SPANS'] ?? 10_000_000);
const dir = mkdtempSync(path.join(tmpdir(), 'mcpscope-latency-'));
// 4 GiB (the engine's share 2.4 GiB): filling 10M spans through the materialized views can pass the
// default limit's 1.2 GiB, and the limit changes nothing in what the timed queries do.
const config = { ...configFromEnv({}), dataDir: dir, memoryLimitMb: 4096 };
const storage = await openStorage(config);
const { client } = connectClickHouse(config);
const db = `\`${config.clickhouseDatabase}\``;

// Three spans per call (client, transport, server), 10 tools on 3 servers, 2% errors, log-normal-ish
// durations, calls evenly spread over 24 hours.
const fill = `
INSERT INTO ${db}.${TABLES.spans}
  (Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, ResourceAttributes,
   ScopeName, ScopeVersion, SpanAttributes, Duration, StatusCode, StatusMessage)
SELECT
  fromUnixTimestamp64Nano(toInt64({start:Int64}) + toInt64(call * {step:UInt64}) + layer * 50000) AS Timestamp,
  lower(hex(MD5(toString(call)))) AS TraceId,
  substring(lower(hex(MD5(concat(toString(call), '/', toString(layer))))), 1, 16) AS SpanId,
  if(layer = 0, '', substring(lower(hex(MD5(concat(toString(call), '/', toString(layer - 1))))), 1, 16)) AS ParentSpanId,
  '' AS TraceState,
  if(layer = 1, 'stdio tools/call', concat('tools/call ', tool)) AS SpanName,
  ['Client', 'Internal', 'Server'][layer + 1] AS SpanKind,
  if(layer = 2, server, 'agent') AS ServiceName,
  map('service.name', if(layer = 2, server, 'agent'), 'telemetry.sdk.language', 'nodejs') AS ResourceAttributes,
  '@mcpscope/sdk' AS ScopeName, '0.1.0' AS ScopeVersion,
  mapFilter((k, v) -> v != '', map(
    'mcp.method.name', 'tools/call',
    'gen_ai.tool.name', if(layer = 1, '', tool),
    'jsonrpc.request.id', toString(call % 100),
    'mcp.session.id', lower(hex(MD5(toString(intDiv(call, 100))))),
    'mcpscope.layer', ['client', 'transport', 'server'][layer + 1],
    'mcpscope.server.name', server,
    'network.transport', 'pipe',
    'error.type', if(failed AND layer != 1, 'tool_error', ''),
    'mcpscope.fault', if(failed AND layer = 2, 'tool', ''))) AS SpanAttributes,
  toUInt64(durationNs - layer * 100000) AS Duration,
  if(failed AND layer != 1, 'Error', 'Unset') AS StatusCode,
  if(failed AND layer != 1, 'upstream returned 502', '') AS StatusMessage
FROM (
  SELECT number AS n, intDiv(number, 3) AS call, number % 3 AS layer,
    ['weather', 'github', 'filesystem'][call % 3 + 1] AS server,
    ['get_weather', 'get_forecast', 'get_alerts', 'search_issues', 'create_issue', 'get_file_contents',
     'list_pull_requests', 'read_file', 'write_file', 'list_directory'][cityHash64(call) % 10 + 1] AS tool,
    cityHash64(call, 'e') % 50 = 0 AS failed,
    toUInt64(exp(log(4000000) + 0.8 * (randNormal(0, 1)))) + 300000 AS durationNs
  FROM numbers({total:UInt64})
)`;

const nowNs = BigInt(Date.now()) * 1_000_000n;
const dayNs = 86_400_000_000_000n;
const calls = BigInt(Math.ceil(total / 3));
const t0 = performance.now();
await client.command({
  query: fill,
  query_params: { start: (nowNs - dayNs).toString(), step: (dayNs / calls).toString(), total },
  // Blocks of 256k rows: the materialized views aggregate each block in memory, and a block of the
  // default 1M rows needs more than the engine's share of the collector's default memory limit.
  clickhouse_settings: {
    max_insert_threads: '2',
    max_threads: 2,
    max_block_size: '262144',
    min_insert_block_size_rows: '262144',
    min_insert_block_size_bytes: '0',
  },
});
console.log(`filled ${total} spans in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// The verdicts of the failed calls (the tool failed, as the spans say), as the root-cause updater
// would have written them: the errors view and root-cause alerts read these, never the spans.
const verdicts = `
INSERT INTO ${db}.${TABLES.rootCauses}
SELECT TraceId, toDateTime(intDiv(startNs, 1000000000)) AS Start, 1 AS Version,
  [startNs], [clientSpan], ['agent'], [concat('agent,', server)], [server], ['tools/call'], [tool],
  ['client,server,transport'], ['tool'], [serverSpan], ['tool_error'], ['tool_error'],
  ['upstream returned 502'], ['upstream returned <n>']
FROM (
  SELECT number AS call,
    lower(hex(MD5(toString(call)))) AS TraceId,
    toInt64({start:Int64}) + toInt64(call * {step:UInt64}) AS startNs,
    substring(lower(hex(MD5(concat(toString(call), '/0')))), 1, 16) AS clientSpan,
    substring(lower(hex(MD5(concat(toString(call), '/2')))), 1, 16) AS serverSpan,
    ['weather', 'github', 'filesystem'][call % 3 + 1] AS server,
    ['get_weather', 'get_forecast', 'get_alerts', 'search_issues', 'create_issue', 'get_file_contents',
     'list_pull_requests', 'read_file', 'write_file', 'list_directory'][cityHash64(call) % 10 + 1] AS tool
  FROM numbers({calls:UInt64})
  WHERE cityHash64(call, 'e') % 50 = 0
)`;
await client.command({
  query: verdicts,
  query_params: { start: (nowNs - dayNs).toString(), step: (dayNs / calls).toString(), calls: Number(calls) },
  clickhouse_settings: { max_insert_threads: '2', max_threads: 2 },
});
// A tool-definition history: each server's tool set, changed every few hours (some without a bump).
const history = [];
for (const [s, server] of ['weather', 'github', 'filesystem'].entries()) {
  for (let v = 0; v < 6; v++) {
    const at = Date.now() - 86_400_000 + v * 4 * 3_600_000 + s * 60_000;
    history.push(
      toolsList({
        startMs: at,
        server,
        serverVersion: `1.${Math.floor(v / 2)}.0`,
        sessionId: `s-${server}-${v}`,
        tools: Array.from({ length: 5 }, (_, t) => ({
          name: `${server}_tool_${t}`,
          description: `Tool ${t} of ${server}, revision ${t === v % 5 ? v : 0}.`,
          inputSchema: { type: 'object', properties: { q: { type: 'string' } } },
        })),
      }),
    );
  }
}
await storage.insert(history);

async function timeIt(label: string, f: () => Promise<unknown>, runs = 15): Promise<void> {
  await f(); // warm caches: the targets are about steady state, not the first query after start
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  console.log(
    `${label.padEnd(34)} median ${times[Math.floor(runs / 2)]?.toFixed(1)} ms, max ${times.at(-1)?.toFixed(1)} ms`,
  );
}

try {
  const ids = await client.query({
    query: `SELECT lower(hex(MD5(toString(number * 7919 % {calls:UInt64})))) AS id FROM numbers(7)`,
    query_params: { calls: Number(calls) },
    format: 'JSONEachRow',
  });
  const traceIds = (await ids.json<{ id: string }>()).map((r) => r.id);
  let i = 0;
  await timeIt('trace by id', async () => {
    const t = await storage.queries.trace(traceIds[i++ % traceIds.length] as string);
    if (!t || t.spans.length !== 3) throw new Error(`trace lookup returned ${t?.spans.length} spans`);
  });
  const to = new Date();
  const hour = { from: new Date(to.getTime() - 3_600_000), to };
  await timeIt('overview (1 h, all tools)', () => storage.queries.overview(hour));
  await timeIt('overview (24 h, all tools)', () =>
    storage.queries.overview({ from: new Date(to.getTime() - 86_400_000), to }),
  );
  await timeIt('tools list (1 h, all tools)', () => storage.queries.tools(hour));
  await timeIt('tools detail (1 h, one tool)', () => storage.queries.tools({ ...hour, tool: 'get_weather' }));
  await timeIt('errors (1 h)', () => storage.queries.errors({ ...hour, limit: 200 }));
  await timeIt('errors (24 h)', () =>
    storage.queries.errors({ from: new Date(to.getTime() - 86_400_000), to, limit: 200 }),
  );
  await timeIt('tool changes', () => storage.queries.toolChanges({}));
  await timeIt('traces list (1 h, newest 50)', () => storage.queries.traces({ ...hour, limit: 50 }));
  await timeIt('traces list (1 h, tool + error)', () =>
    storage.queries.traces({ ...hour, tool: 'get_weather', status: 'error', limit: 50 }),
  );
  // The SDK's operation histograms, counting ten times the spans' calls (traces sampled one in ten):
  // the overview then reads them. Filled after the rows above, which time the span-sourced overview.
  const t1 = performance.now();
  const points = await fillOperationHistograms(client, config.clickhouseDatabase, to.getTime());
  console.log(`filled ${points} histogram points in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  const sampled = await storage.queries.overview(hour);
  if (sampled.source.used !== 'metrics') throw new Error(`overview read ${sampled.source.used}, not metrics`);
  await timeIt('overview (1 h, sampled → metrics)', () => storage.queries.overview(hour));
  await timeIt('overview (24 h, sampled → metrics)', () =>
    storage.queries.overview({ from: new Date(to.getTime() - 86_400_000), to }),
  );
  await timeIt('overview (1 h, source=metrics)', () =>
    storage.queries.overview({ ...hour, source: 'metrics' }),
  );
  await timeIt('overview (1 h, source=spans)', () => storage.queries.overview({ ...hour, source: 'spans' }));
  await benchAlertEvaluation(client, config.clickhouseDatabase);
} finally {
  await client.close();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
}
