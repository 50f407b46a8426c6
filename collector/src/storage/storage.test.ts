/**
 * Storage against the embedded ClickHouse engine: migrations, schema properties, and what `insert`
 * derives. One data directory for the whole file (libchdb binds one per process).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectorConfig } from '../config.js';
import { hexId, span, toolCall, toolsList } from './fixtures.js';
import { openStorage, type Storage } from './index.js';
import { checkServerVersion, runMigrations } from './migrate.js';
import { MAX_PAYLOAD_BYTES } from './payloads.js';
import { applyRetention } from './retention.js';
import { queryRows } from './queries/sql.js';
import { buildMigrations, TABLES } from './schema.js';
import { ALERT_TABLES } from './alertsSchema.js';
import { TOOL_APPROVALS_TABLE } from './toolApprovals.js';
import { METRIC_TABLES } from './metricsSchema.js';
import { openTempStorage, type TempStorage } from './tempStorage.js';

let temp: TempStorage;
let config: CollectorConfig;
let storage: Storage;
let client: ClickHouseClient;
const db = 'mcpscope_test';

const rows = <T>(query: string, params: Record<string, string | number> = {}): Promise<T[]> =>
  queryRows<T>(client, query, params);

beforeAll(async () => {
  temp = await openTempStorage('storage', { clickhouseDatabase: db, retentionDays: 7 });
  ({ storage, config, client } = temp);
});

afterAll(async () => {
  await temp?.close();
});

describe('migrations', () => {
  it('records every version once and applies nothing on a second run', async () => {
    const ledger = await rows<{ Version: number }>(
      `SELECT Version FROM ${db}.${TABLES.migrations} FINAL ORDER BY Version`,
    );
    const ddl = buildMigrations({ database: db, retentionDays: 7 });
    expect(ledger.map((r) => Number(r.Version))).toEqual(ddl.migrations.map((m) => m.version));
    const again = await runMigrations(client, ddl, db);
    expect(again.applied).toEqual([]);
    const reopened = await openStorage(config);
    await reopened.close();
    const after = await rows<{ n: string }>(`SELECT count() AS n FROM ${db}.${TABLES.migrations} FINAL`);
    expect(Number(after[0]?.n)).toBe(ddl.migrations.length);
  });

  it('re-runs every statement of an already applied schema without error (idempotent DDL)', async () => {
    const ddl = buildMigrations({ database: db, retentionDays: 7 });
    for (const m of ddl.migrations)
      for (const statement of m.statements) await client.command({ query: statement });
    const tables = await rows<{ name: string }>(
      `SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name`,
      { db },
    );
    expect(tables.map((t) => t.name)).toEqual(
      [
        TABLES.toolDefinitions,
        TABLES.rootCauses,
        TABLES.payloads,
        TABLES.rollup,
        `${TABLES.rollup}_mv`,
        TABLES.migrations,
        TABLES.spans,
        TABLES.traceIdTs,
        `${TABLES.traceIdTs}_mv`,
        TABLES.writeProbe,
        ALERT_TABLES.rules,
        ALERT_TABLES.firings,
        TOOL_APPROVALS_TABLE,
        ...Object.values(METRIC_TABLES),
      ].sort(),
    );
  });

  it('runs concurrently from two openers without failing', async () => {
    const other = { ...config, clickhouseDatabase: 'mcpscope_concurrent' };
    const [a, b] = await Promise.all([openStorage(other), openStorage(other)]);
    const ledger = await rows<{ n: string }>(
      `SELECT count() AS n FROM mcpscope_concurrent.${TABLES.migrations} FINAL`,
    );
    expect(Number(ledger[0]?.n)).toBe(buildMigrations({ database: 'x', retentionDays: 1 }).migrations.length);
    await Promise.all([a.close(), b.close()]);
  });

  it('puts the retention TTL (dropping whole parts) on the span table', async () => {
    const [create] = await rows<{ statement: string }>(`SHOW CREATE TABLE ${db}.${TABLES.spans}`);
    expect(create?.statement).toMatch(/TTL toDate\(Timestamp\) \+ toIntervalDay\(7\)/);
    expect(create?.statement).toContain('ttl_only_drop_parts = 1');
    expect(create?.statement).toContain('bloom_filter(0.001)');
  });

  it('applies a changed retention to the existing tables on the next open', async () => {
    const ttlOf = async (t: string) => {
      const [r] = await rows<{ engine_full: string }>(
        'SELECT engine_full FROM system.tables WHERE database = {db:String} AND name = {t:String}',
        { db, t },
      );
      return r?.engine_full ?? '';
    };
    const reopened = await openStorage({ ...config, retentionDays: 3 });
    await reopened.close();
    const ttlTables = [
      ...[TABLES.spans, TABLES.traceIdTs, TABLES.rollup, TABLES.payloads, TABLES.rootCauses],
      ...Object.values(METRIC_TABLES),
    ];
    for (const t of ttlTables) {
      expect(await ttlOf(t), t).toMatch(/TTL toDate\(\w+\) \+ toIntervalDay\(3\)/);
    }
    // Unchanged retention: nothing to do.
    expect(await applyRetention(client, { database: db, retentionDays: 3 })).toEqual([]);
    expect(await applyRetention(client, { database: db, retentionDays: 0 })).toHaveLength(ttlTables.length);
    expect(await ttlOf(TABLES.spans)).not.toContain('TTL');
    expect(await applyRetention(client, { database: db, retentionDays: 7 })).toHaveLength(ttlTables.length);
    expect(await ttlOf(TABLES.spans)).toContain('toIntervalDay(7)');
  });

  it('accepts this engine version and describes itself', async () => {
    const version = await checkServerVersion(client);
    expect(version).toMatch(/^\d+\.\d+/);
    // Where it lives is for the startup log only: /readyz, which anyone may read, shows this.
    expect(storage.describe()).toBe(`embedded ClickHouse ${version}`);
    await expect(storage.ping()).resolves.toBeUndefined();
  });
});

describe('insert', () => {
  const T0 = Date.now() - 10 * 60_000;

  it('fills the MCP columns, the trace lookup and the rollup', async () => {
    const traceId = hexId(16, 'insert-mcp-columns');
    await storage.insert(
      toolCall({
        traceId,
        startMs: T0,
        durationMs: 25,
        tool: 'get_weather',
        sessionId: 'sess-1',
        error: { type: 'tool_error', fault: 'tool', message: 'city not found' },
      }),
    );
    const spans = await rows<Record<string, string>>(
      `SELECT McpMethod, McpTool, McpServer, McpSession, McpLayer, ErrorType, Fault, IsError
       FROM ${db}.${TABLES.spans} WHERE TraceId = {t:String} ORDER BY Timestamp`,
      { t: traceId },
    );
    expect(spans).toEqual([
      {
        McpMethod: 'tools/call',
        McpTool: 'get_weather',
        McpServer: 'weather',
        McpSession: 'sess-1',
        McpLayer: 'client',
        ErrorType: 'tool_error',
        Fault: '',
        IsError: 1,
      },
      {
        McpMethod: 'tools/call',
        McpTool: '',
        McpServer: 'weather',
        McpSession: '',
        McpLayer: 'transport',
        ErrorType: '',
        Fault: '',
        IsError: 0,
      },
      {
        McpMethod: 'tools/call',
        McpTool: 'get_weather',
        McpServer: 'weather',
        McpSession: 'sess-1',
        McpLayer: 'server',
        ErrorType: 'tool_error',
        Fault: 'tool',
        IsError: 1,
      },
    ]);
    const [lookup] = await rows<{ n: string; start: string; end: string }>(
      `SELECT sum(SpanCount) AS n, toUnixTimestamp(min(Start)) AS start, toUnixTimestamp(max(End)) AS end
       FROM ${db}.${TABLES.traceIdTs} WHERE TraceId = {t:String}`,
      { t: traceId },
    );
    expect(Number(lookup?.n)).toBe(3);
    expect(Number(lookup?.start)).toBe(Math.floor(T0 / 1000));
    expect(Number(lookup?.end)).toBe(Math.floor((T0 + 25.4) / 1000));
    const rollup = await rows<{ McpLayer: string; c: string; e: string }>(
      `SELECT McpLayer, sum(Count) AS c, sum(Errors) AS e FROM ${db}.${TABLES.rollup}
       WHERE McpTool = 'get_weather' AND Minute = toStartOfMinute(toDateTime({s:UInt32})) GROUP BY McpLayer ORDER BY McpLayer`,
      { s: Math.floor(T0 / 1000) },
    );
    expect(rollup.map((r) => [r.McpLayer, Number(r.c), Number(r.e)])).toEqual([
      ['client', 1, 1],
      ['server', 1, 1],
    ]);
  });

  it('counts a caller-fault refusal as a failed call on the server too (the root cause says whose)', async () => {
    const traceId = hexId(16, 'insert-caller-fault');
    await storage.insert(
      toolCall({
        traceId,
        startMs: T0,
        durationMs: 1,
        tool: 'x',
        error: { type: '-32602', fault: 'caller', message: 'bad' },
      }),
    );
    const r = await rows<{ McpLayer: string; IsError: number }>(
      `SELECT McpLayer, IsError FROM ${db}.${TABLES.spans} WHERE TraceId = {t:String} ORDER BY Timestamp`,
      { t: traceId },
    );
    expect(r.map((x) => [x.McpLayer, x.IsError])).toEqual([
      ['client', 1],
      ['transport', 0],
      ['server', 1],
    ]);
  });

  it('moves payloads out, truncates them at 64 KiB and keeps the original size', async () => {
    const traceId = hexId(16, 'insert-payloads');
    const huge = 'é'.repeat(MAX_PAYLOAD_BYTES); // 2 bytes each: twice the cap
    const row = span({
      traceId,
      name: 'tools/call big',
      service: 'agent',
      startMs: T0,
      durationMs: 3,
      attributes: {
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.call.result': huge,
        // The SDK already cut this one at 8 KiB and recorded the size before.
        'gen_ai.tool.call.arguments': '{"q":"…"}',
        'gen_ai.tool.call.arguments.original_size': '20000',
        'http.request.header.note': 'n'.repeat(1500),
        small: 'kept',
      },
    });
    await storage.insert([row]);
    const [stored] = await rows<{ SpanAttributes: Record<string, string> }>(
      `SELECT SpanAttributes FROM ${db}.${TABLES.spans} WHERE TraceId = {t:String}`,
      { t: traceId },
    );
    expect(Object.keys(stored?.SpanAttributes ?? {}).sort()).toEqual([
      'gen_ai.tool.call.arguments.original_size',
      'mcp.method.name',
      'small',
    ]);
    const payloads = await rows<{ Name: string; len: string; OriginalSize: number; Truncated: number }>(
      `SELECT Name, length(Value) AS len, OriginalSize, Truncated FROM ${db}.${TABLES.payloads}
       WHERE TraceId = {t:String} ORDER BY Name`,
      { t: traceId },
    );
    expect(payloads.map((p) => [p.Name, Number(p.len), Number(p.OriginalSize), Number(p.Truncated)])).toEqual(
      [
        ['gen_ai.tool.call.arguments', Buffer.byteLength('{"q":"…"}'), 20000, 1],
        ['gen_ai.tool.call.result', MAX_PAYLOAD_BYTES, 2 * MAX_PAYLOAD_BYTES, 1],
        ['http.request.header.note', 1500, 1500, 0],
      ],
    );
    // The caller's rows are untouched (the pipeline may retry them).
    expect(row.SpanAttributes['gen_ai.tool.call.result']).toBe(huge);
  });

  it('shows a retried batch once in the trace view', async () => {
    const traceId = hexId(16, 'insert-retry');
    const batch = toolCall({ traceId, startMs: T0, durationMs: 5, tool: 'y', arguments: '{}' });
    await storage.insert(batch);
    await storage.insert(batch);
    const trace = await storage.queries.trace(traceId);
    expect(trace?.spans).toHaveLength(3);
    expect(trace?.spans[0]?.payloads).toEqual([
      { name: 'gen_ai.tool.call.arguments', value: '{}', originalSize: 2, truncated: false },
    ]);
  });

  it('keeps events and links with nanosecond times', async () => {
    const traceId = hexId(16, 'insert-events');
    const linked = { traceId: hexId(16, 'linked'), spanId: hexId(8, 'linked-span') };
    const eventNs = (BigInt(T0) * 1_000_000n + 10_000_123n).toString();
    const row = span({
      traceId,
      name: 'tools/call slow',
      kind: 'Server',
      service: 'weather',
      startMs: T0,
      durationMs: 50,
      events: [{ timeMs: T0 + 10.000123, name: 'mcp.progress', attributes: { progress: '0.5' } }],
      links: [linked],
    });
    row['Events.Timestamp'] = [eventNs];
    await storage.insert([row]);
    const trace = await storage.queries.trace(traceId);
    const s = trace?.spans[0];
    expect(s?.events).toEqual([
      { timeUnixNano: eventNs, name: 'mcp.progress', attributes: { progress: '0.5' } },
    ]);
    expect(s?.links).toEqual([{ ...linked, traceState: '', attributes: {} }]);
  });

  it('records tool definitions and extends a known set on a fingerprint-only sighting', async () => {
    const tools = [
      { name: 'alpha', description: 'A.' },
      { name: 'beta', description: 'B.' },
    ];
    await storage.insert([toolsList({ startMs: T0, server: 'defs', sessionId: 's1', tools })]);
    await storage.insert([
      toolsList({ startMs: T0 + 5_000, server: 'defs', sessionId: 's2', tools, withDefinitions: false }),
    ]);
    const r = await rows<{ Tool: string; sessions: string[]; last: string }>(
      `SELECT Tool, arraySort(groupUniqArray(SessionId)) AS sessions, toString(toUnixTimestamp64Milli(max(LastSeen))) AS last
       FROM ${db}.${TABLES.toolDefinitions} WHERE ServerIdentity = 'defs' GROUP BY Tool ORDER BY Tool`,
    );
    expect(r.map((x) => [x.Tool, x.sessions, Number(x.last)])).toEqual([
      ['', ['s1', 's2'], T0 + 5_000],
      ['alpha', ['s1', 's2'], T0 + 5_000],
      ['beta', ['s1', 's2'], T0 + 5_000],
    ]);
    // A fingerprint the collector never saw defined adds nothing.
    await storage.insert([toolsList({ startMs: T0, server: 'unknown-set', tools, withDefinitions: false })]);
    const none = await rows<{ n: string }>(
      `SELECT count() AS n FROM ${db}.${TABLES.toolDefinitions} WHERE ServerIdentity = 'unknown-set'`,
    );
    expect(Number(none[0]?.n)).toBe(0);
  });

  it('answers the overview from the rollup alone (the raw spans are gone)', async () => {
    const start = Math.floor((Date.now() - 20 * 60_000) / 60_000) * 60_000;
    const rowsIn = [
      ...toolCall({ startMs: start + 1_000, durationMs: 10, tool: 'rollup_only', server: 'ro' }),
      ...toolCall({
        startMs: start + 2_000,
        durationMs: 30,
        tool: 'rollup_only',
        server: 'ro',
        error: { type: 'tool_error', fault: 'tool', message: 'x' },
      }),
    ];
    // A notification the client sent outside any request: a span of its own at the client layer, not a
    // request — it must not count in the totals, the series or the table.
    const notification = span({
      traceId: hexId(16),
      name: 'notifications/roots/list_changed',
      kind: 'Client',
      service: 'agent',
      startMs: start + 3_000,
      durationMs: 0.01,
      attributes: {
        'mcp.method.name': 'notifications/roots/list_changed',
        'mcpscope.layer': 'client',
        'mcpscope.server.name': 'ro',
      },
    });
    await storage.insert([...rowsIn, notification]);
    await client.command({ query: `TRUNCATE TABLE ${db}.${TABLES.spans}` });
    const o = await storage.queries.overview({
      from: new Date(start),
      to: new Date(start + 60_000),
      server: 'ro',
    });
    expect(o.layer).toBe('client');
    expect(o.totals).toMatchObject({ count: 2, errors: 1, errorRate: 0.5 });
    expect(o.series).toHaveLength(1);
    expect(o.totals.p99Ms).toBeGreaterThanOrEqual(10);
    expect(o.series[0]?.count).toBe(2);
    expect(o.servers.map((t) => t.method)).not.toContain('notifications/roots/list_changed');
    // Asked for by name, notifications are still there to count.
    const asked = await storage.queries.tools({
      from: new Date(start),
      to: new Date(start + 60_000),
      server: 'ro',
      method: 'notifications/roots/list_changed',
    });
    expect(asked.tools.map((t) => [t.method, t.count])).toEqual([['notifications/roots/list_changed', 1]]);
  });
});
