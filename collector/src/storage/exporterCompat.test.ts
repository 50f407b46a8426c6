/**
 * Readers of the OpenTelemetry Collector ClickHouse exporter's tables read mcpscope's unchanged (issue
 * #13), on the embedded engine: the statements Grafana's ClickHouse data source generates for
 * OpenTelemetry traces (trace by id through the `otel_traces_trace_id_ts` lookup table, trace search,
 * the service list, span attribute keys for ad-hoc filters), ClickStack's `…AttributeItems` rewrite, and
 * an INSERT with the exporter's own column list. The SQL is written in the shape the data source's
 * generator produces (grafana/clickhouse-datasource, src/data/sqlGenerator.ts), with its time macros
 * replaced by the values Grafana would put there.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { msToNs, toolCall } from './fixtures.js';
import { queryRows } from './queries/sql.js';
import { TABLES } from './schema.js';
import { openTempStorage, type TempStorage } from './tempStorage.js';

let temp: TempStorage;
let client: ClickHouseClient;
let db: string;
const now = Date.now();
const traceId = '5b8efff798038103d269b633813fc60c';
const exporterTraceId = '0af7651916cd43dd8448eb211c80319c';

const rows = <T>(query: string): Promise<T[]> => queryRows<T>(client, query, {});
const fromTime = (): string => `fromUnixTimestamp64Milli(${now - 3_600_000})`;
const toTime = (): string => `fromUnixTimestamp64Milli(${now + 60_000})`;

beforeAll(async () => {
  temp = await openTempStorage('exporter-compat');
  client = temp.client;
  db = temp.config.clickhouseDatabase;
  // mcpscope's own writer: one tools/call as client, transport and server spans.
  await temp.storage.insert(
    toolCall({ traceId, startMs: now - 60_000, durationMs: 12, tool: 'get_weather' }),
  );
  // The exporter's own statement: its column list, Nested columns by their dotted names.
  const ts = (ms: number): string => `fromUnixTimestamp64Nano(${msToNs(ms)})`;
  await client.command({
    query:
      `INSERT INTO "${db}"."${TABLES.spans}" (Timestamp, TraceId, SpanId, ParentSpanId, TraceState, ` +
      'SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, ' +
      'Duration, StatusCode, StatusMessage, `Events.Timestamp`, `Events.Name`, `Events.Attributes`, ' +
      '`Links.TraceId`, `Links.SpanId`, `Links.TraceState`, `Links.Attributes`) VALUES ' +
      `(${ts(now - 30_000)}, '${exporterTraceId}', 'b7ad6b7169203331', '', '', 'tools/call search', ` +
      `'Server', 'search-server', {'service.name': 'search-server', 'telemetry.sdk.language': 'go'}, ` +
      `'mcp-go', '0.3.0', {'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'search'}, ` +
      `2500000, 'Error', 'backend timeout', [${ts(now - 29_999)}], ['exception'], ` +
      `[{'exception.type': 'Timeout'}], ['${traceId}'], ['00f067aa0ba902b7'], [''], [{}])`,
  });
}, 120_000);

afterAll(async () => {
  await temp?.close();
});

describe('tables as the exporter makes them', () => {
  it('has the exporter’s ALIAS columns and skip indexes', async () => {
    const columns = await rows<{ name: string; type: string; default_kind: string }>(
      `SELECT name, type, default_kind FROM system.columns WHERE database = '${db}' ` +
        `AND table = '${TABLES.spans}' AND name LIKE '%AttributeItems'`,
    );
    expect(columns).toEqual([
      { name: 'ResourceAttributeItems', type: 'Array(String)', default_kind: 'ALIAS' },
      { name: 'SpanAttributeItems', type: 'Array(String)', default_kind: 'ALIAS' },
    ]);
    const indexes = await rows<{ name: string }>(
      `SELECT name FROM system.data_skipping_indices WHERE database = '${db}' AND table = '${TABLES.spans}'`,
    );
    expect(indexes.map((i) => i.name)).toEqual(
      expect.arrayContaining([
        'idx_trace_id',
        'idx_duration',
        'idx_res_attr_key',
        'idx_res_attr_value',
        'idx_span_attr_key',
        'idx_span_attr_value',
        'idx_lower_span_name',
      ]),
    );
  });

  it('takes the exporter’s INSERT and derives the MCP columns from it', async () => {
    const [row] = await rows<{ McpMethod: string; McpTool: string; McpServer: string; IsError: number }>(
      `SELECT McpMethod, McpTool, McpServer, IsError FROM "${db}"."${TABLES.spans}" ` +
        `WHERE TraceId = '${exporterTraceId}'`,
    );
    expect(row).toEqual({
      McpMethod: 'tools/call',
      McpTool: 'search',
      McpServer: 'search-server',
      IsError: 1,
    });
  });
});

describe("Grafana's ClickHouse data source (OpenTelemetry traces)", () => {
  const traceColumns =
    'SELECT "TraceId" as traceID, "SpanId" as spanID, "ParentSpanId" as parentSpanID, ' +
    '"ServiceName" as serviceName, "SpanName" as operationName, ' +
    'multiply(toUnixTimestamp64Nano("Timestamp"), 0.000001) as startTime, ' +
    'multiply("Duration", 0.000001) as duration, ' +
    `arrayMap(key -> map('key', key, 'value',"SpanAttributes"[key]), mapKeys("SpanAttributes")) as tags, ` +
    `arrayMap(key -> map('key', key, 'value',"ResourceAttributes"[key]), mapKeys("ResourceAttributes")) as serviceTags, ` +
    `if("StatusCode" IN ('Error', 'STATUS_CODE_ERROR'), 2, 0) as statusCode`;
  const lookup = (id: string): string =>
    `WITH '${id}' as trace_id, ` +
    `(SELECT min(Start) FROM "${db}"."${TABLES.traceIdTs}" WHERE TraceId = trace_id) as trace_start, ` +
    `(SELECT max(End) + 1 FROM "${db}"."${TABLES.traceIdTs}" WHERE TraceId = trace_id) as trace_end `;
  const byId = (): string =>
    `FROM "${db}"."${TABLES.spans}" WHERE traceID = trace_id AND "Timestamp" >= trace_start AND "Timestamp" <= trace_end LIMIT 1000`;

  it('opens a trace by id through the lookup table, events and links nested', async () => {
    const spans = await rows<{ spanID: string; tags: Array<Record<string, string>>; logs: unknown[] }>(
      lookup(exporterTraceId) +
        traceColumns +
        ', arrayMap((name, timestamp, attributes) -> tuple(name, toString(toUnixTimestamp64Milli(timestamp)), ' +
        "arrayMap( key -> map('key', key, 'value', attributes[key]), mapKeys(attributes)))" +
        '::Tuple(name String, timestamp String, fields Array(Map(String, String))), ' +
        '"Events".Name, "Events".Timestamp, "Events".Attributes) AS logs, ' +
        "arrayMap((traceID, spanID, attributes) -> tuple(traceID, spanID, arrayMap(key -> map('key', key, 'value', attributes[key]), mapKeys(attributes)))" +
        '::Tuple(traceID String, spanID String, tags Array(Map(String, String))), ' +
        '"Links".TraceId, "Links".SpanId, "Links".Attributes) AS references ' +
        byId(),
    );
    expect(spans).toHaveLength(1);
    expect(spans[0]!.spanID).toBe('b7ad6b7169203331');
    expect(spans[0]!.tags).toContainEqual({ key: 'gen_ai.tool.name', value: 'search' });
    expect(spans[0]!.logs).toHaveLength(1);
  });

  it('opens a trace by id with events and links flattened', async () => {
    const spans = await rows<{ spanID: string; serviceTags: Array<Record<string, string>> }>(
      lookup(traceId) +
        traceColumns +
        ', arrayMap(event -> tuple(multiply(toFloat64(event.Timestamp), 1000), ' +
        "arrayConcat(arrayMap(key -> map('key', key, 'value', event.Attributes[key]), mapKeys(event.Attributes)), " +
        "[map('key', 'message', 'value', event.Name)]))::Tuple(timestamp Float64, fields Array(Map(String, String))), " +
        '"Events") as logs, ' +
        "arrayMap(link -> tuple(link.TraceId, link.SpanId, arrayMap(key -> map('key', key, 'value', link.Attributes[key]), mapKeys(link.Attributes)))" +
        '::Tuple(traceID String, spanID String, tags Array(Map(String, String))), "Links") AS references ' +
        byId(),
    );
    expect(spans).toHaveLength(3);
    expect(spans[0]!.serviceTags.length).toBeGreaterThan(0);
  });

  it('searches traces in a time range', async () => {
    const found = await rows<{ traceID: string }>(
      'SELECT "TraceId" as traceID, "ServiceName" as serviceName, "SpanName" as operationName, ' +
        '"Timestamp" as startTime, multiply("Duration", 0.000001) as duration ' +
        `FROM "${db}"."${TABLES.spans}" WHERE ( Timestamp >= ${fromTime()} AND Timestamp <= ${toTime()} ) ` +
        "AND ( ParentSpanId = '' ) AND ( Duration > 0 ) ORDER BY Timestamp DESC, Duration DESC LIMIT 1000",
    );
    expect(found.map((t) => t.traceID)).toEqual(expect.arrayContaining([traceId, exporterTraceId]));
  });

  it('lists services and span attribute keys for filters', async () => {
    const services = await rows<{ ServiceName: string }>(
      `SELECT DISTINCT ServiceName FROM "${db}"."${TABLES.spans}" ORDER BY ServiceName LIMIT 1000`,
    );
    expect(services.map((s) => s.ServiceName)).toContain('search-server');
    const keys = await rows<{ key: string }>(
      `SELECT DISTINCT arrayJoin(mapKeys(SpanAttributes)) AS key FROM "${db}"."${TABLES.spans}" ` +
        `WHERE Timestamp >= ${fromTime()} ORDER BY key LIMIT 1000`,
    );
    expect(keys.map((k) => k.key)).toEqual(expect.arrayContaining(['gen_ai.tool.name', 'mcp.method.name']));
  });
});

describe("ClickStack's attribute items", () => {
  it('finds spans by key=value in the ALIAS columns', async () => {
    const [found] = await rows<{ n: string }>(
      `SELECT count() AS n FROM "${db}"."${TABLES.spans}" ` +
        `WHERE has(SpanAttributeItems, 'gen_ai.tool.name=search') ` +
        `AND has(ResourceAttributeItems, 'telemetry.sdk.language=go')`,
    );
    expect(Number(found!.n)).toBe(1);
  });
});
