/**
 * The span writer against the embedded engine: the compact insert (per-batch resource and key arrays,
 * rows in a heredoc) must store exactly what the rows say, whatever bytes the senders put in names,
 * keys and values; batches whose dictionaries would be huge take the plain-rows path and store the
 * same. One data directory for the whole file (libchdb binds one per process).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hexId, span, toolsList } from './fixtures.js';
import type { Storage } from './index.js';
import type { SpanRow } from './rows.js';
import { TABLES } from './schema.js';
import { openTempStorage, type TempStorage } from './tempStorage.js';
import { compactSpanInsert, sqlString } from './writer.js';

let temp: TempStorage;
let storage: Storage;
let client: ClickHouseClient;
const db = 'mcpscope_writer_test';
// Recent times: spans older than the retention (30 days) are dropped by the table's TTL.
const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;

beforeAll(async () => {
  temp = await openTempStorage('writer', { clickhouseDatabase: db });
  ({ storage, client } = temp);
});

afterAll(async () => {
  await temp?.close();
});

/** A stored span as `stored` reads it: the row's columns, with the three nanosecond ones as strings. */
type StoredSpan = Omit<SpanRow, 'Timestamp' | 'Duration' | 'Events.Timestamp'> & {
  ts: string;
  d: string;
  et: string[];
};

async function stored(traceId: string): Promise<Map<string, StoredSpan>> {
  const rs = await client.query({
    query: `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, ParentSpanId, TraceState, SpanName,
              SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, toString(Duration) AS d,
              StatusCode, StatusMessage, arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS et,
              Events.Name, Events.Attributes, Links.TraceId, Links.SpanId, Links.TraceState, Links.Attributes
            FROM ${db}.${TABLES.spans} WHERE TraceId = {t:String}`,
    query_params: { t: traceId },
    format: 'JSONEachRow',
  });
  return new Map((await rs.json<StoredSpan>()).map((s) => [s.SpanId, s]));
}

function expectStoredAsSent(row: SpanRow, got: StoredSpan | undefined): void {
  expect(got, `span ${row.SpanId} stored`).toBeDefined();
  expect(got).toEqual({
    ts: row.Timestamp,
    TraceId: row.TraceId,
    SpanId: row.SpanId,
    ParentSpanId: row.ParentSpanId,
    TraceState: row.TraceState,
    SpanName: row.SpanName,
    SpanKind: row.SpanKind,
    ServiceName: row.ServiceName,
    ResourceAttributes: row.ResourceAttributes,
    ScopeName: row.ScopeName,
    ScopeVersion: row.ScopeVersion,
    SpanAttributes: row.SpanAttributes,
    d: row.Duration,
    StatusCode: row.StatusCode,
    StatusMessage: row.StatusMessage,
    et: row['Events.Timestamp'],
    'Events.Name': row['Events.Name'],
    'Events.Attributes': row['Events.Attributes'],
    'Links.TraceId': row['Links.TraceId'],
    'Links.SpanId': row['Links.SpanId'],
    'Links.TraceState': row['Links.TraceState'],
    'Links.Attributes': row['Links.Attributes'],
  });
}

/** Strings that could end a heredoc, a SQL literal or a JSON string, or upset a C string. */
const NASTY = [
  `it's "quoted" \\ backslashed`,
  'dollars $ and $$ and $tag$ and $$)',
  'line\nbreak\ttab\rreturn',
  'nul\u0000byte and \u0001\u001f\u007f controls',
  '🙂 ツール é \u2028\u2029',
  "'); DROP TABLE otel_traces; --",
  '',
];

describe('compact span insert', () => {
  it('stores names, keys, values, resources, events and links byte for byte', async () => {
    const traceId = hexId(16);
    const sharedResource: Record<string, string> = {};
    NASTY.forEach((v, i) => (sharedResource[`res.${i}${v.slice(0, 3)}`] = v));
    const rows: SpanRow[] = NASTY.map((v, i) => {
      const row = span({
        traceId,
        name: `tools/call ${v}`,
        kind: 'Client',
        service: `svc ${v}`,
        startMs: T0 + i,
        durationMs: 1.5 + i,
        attributes: { [`key ${v}`]: v, 'mcp.method.name': 'tools/call', [`k${i}`]: `${v}${v}` },
        status: 'Error',
        statusMessage: v,
        events: [{ timeMs: T0 + i + 0.5, name: `event ${v}`, attributes: { [`e ${v}`]: v } }],
        links: [{ traceId: hexId(16), spanId: hexId(8) }],
      });
      row.TraceState = v;
      row.ScopeName = `scope ${v}`;
      row.ScopeVersion = v;
      row['Links.TraceState'] = [v];
      row['Links.Attributes'] = [{ [`l ${v}`]: v }];
      // Half the rows share one resource object under different service names (decoders share one
      // object per resource); the others carry equal content in objects of their own.
      row.ResourceAttributes = i % 2 === 0 ? sharedResource : { ...sharedResource, extra: v };
      return row;
    });
    // Plus spans with nothing optional at all.
    rows.push({
      ...span({ traceId, name: 'bare', service: 'svc', startMs: T0 + 100, durationMs: 0 }),
      ResourceAttributes: {},
    });
    expect(compactSpanInsert('t', rows)).toBeDefined();
    await storage.insert(rows);
    const got = await stored(traceId);
    expect(got.size).toBe(rows.length);
    for (const row of rows) expectStoredAsSent(row, got.get(row.SpanId));
  });

  it('inserts batches far above the default max_query_size', async () => {
    const traceId = hexId(16);
    const rows = Array.from({ length: 3000 }, (_, i) =>
      span({
        traceId,
        name: 'tools/call big',
        service: 'agent',
        startMs: T0 + 1_000 + i,
        durationMs: 2,
        attributes: { 'mcp.method.name': 'tools/call', payloadish: 'v'.repeat(300) },
      }),
    );
    expect((compactSpanInsert('t', rows) as string).length).toBeGreaterThan(256 * 1024);
    await storage.insert(rows);
    expect((await stored(traceId)).size).toBe(rows.length);
  });

  it('falls back to plain rows when a batch has too many distinct keys, storing the same', async () => {
    const traceId = hexId(16);
    const rows = Array.from({ length: 2100 }, (_, i) =>
      span({
        traceId,
        name: 'wide',
        service: 'agent',
        startMs: T0 + 2_000 + i,
        durationMs: 1,
        attributes: { [`unique.key.${i}`]: NASTY[i % NASTY.length] as string },
      }),
    );
    expect(compactSpanInsert('t', rows)).toBeUndefined();
    await storage.insert(rows);
    const got = await stored(traceId);
    expect(got.size).toBe(rows.length);
    for (const row of rows.slice(0, 20)) expectStoredAsSent(row, got.get(row.SpanId));
  });
});

describe('sqlString', () => {
  it('round-trips through the engine', async () => {
    for (const v of NASTY) {
      const rs = await client.query({ query: `SELECT ${sqlString(v)} AS v`, format: 'JSONEachRow' });
      expect((await rs.json<{ v: string }>())[0]?.v).toBe(v);
    }
  });
});

describe('tool-set sightings', () => {
  it('records every sighting of a batch in one statement, for known sets only', async () => {
    const tools = [{ name: 'get_weather', description: 'Weather for a city' }];
    const server = `sightings-${hexId(8)}`;
    await storage.insert([toolsList({ startMs: T0 + 3_000, server, sessionId: 's0', tools })]);
    await storage.insert([
      toolsList({ startMs: T0 + 4_000, server, sessionId: 's1', tools, withDefinitions: false }),
      toolsList({ startMs: T0 + 5_000, server, sessionId: 's2', tools, withDefinitions: false }),
      toolsList({ startMs: T0 + 6_000, server, sessionId: 's2', tools, withDefinitions: false }),
      toolsList({
        startMs: T0 + 7_000,
        server: `${server}-unknown`,
        sessionId: 's3',
        tools,
        withDefinitions: false,
      }),
    ]);
    const rs = await client.query({
      query: `SELECT ServerName, SessionId, Tool, sum(Sightings) AS n, toString(toUnixTimestamp64Milli(max(LastSeen))) AS last
              FROM ${db}.${TABLES.toolDefinitions} WHERE ServerName LIKE {p:String}
              GROUP BY ServerName, SessionId, Tool ORDER BY ServerName, SessionId, Tool`,
      query_params: { p: `${server}%` },
      format: 'JSONEachRow',
    });
    const got = await rs.json<{
      ServerName: string;
      SessionId: string;
      Tool: string;
      n: string;
      last: string;
    }>();
    expect(got.map((r) => [r.ServerName, r.SessionId, r.Tool, Number(r.n), r.last])).toEqual([
      [server, 's0', '', 1, String(T0 + 3_000)],
      [server, 's0', 'get_weather', 1, String(T0 + 3_000)],
      [server, 's1', '', 1, String(T0 + 4_000)],
      [server, 's1', 'get_weather', 1, String(T0 + 4_000)],
      [server, 's2', '', 2, String(T0 + 6_000)],
      [server, 's2', 'get_weather', 2, String(T0 + 6_000)],
    ]);
  });
});
