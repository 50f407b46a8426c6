/**
 * `/overview` and `/tools`: read from the per-minute rollup only (never the span table), merging the
 * t-digest states and histogram buckets of the selected minutes and groups.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { OverviewResponse, SeriesPoint, ToolStats, ToolsResponse } from '../../api/types.js';
import { LATENCY_BUCKETS_MS, TABLES } from '../schema.js';
import type { McpFilter, OverviewFilter, TimeWindow, ToolsFilter } from './filters.js';
import { nsToMs, queryRows, secondsToIso, Where } from './sql.js';
import { queryTraces } from './traces.js';
import { failedCalls } from './failedCalls.js';

/**
 * One MCP call yields a span per layer (client, transport, server) when both sides are instrumented, so
 * summing all layers would count it two or three times. Totals and series count the layer callers
 * experience — client spans (they include transport failures the server never saw) — else the server's
 * view, else spans without a layer (other instrumentations), else whatever is there.
 */
export const LAYER_PREFERENCE = ['client', 'server', '', 'transport'] as const;

const MERGED = `
  sum(Count) AS count,
  sum(Errors) AS errors,
  quantilesTDigestMerge(0.5, 0.95, 0.99)(DurationQuantiles) AS q`;

interface MergedRow {
  count: string;
  errors: string;
  q: number[];
}

function quantiles(q: number[]): { p50Ms: number; p95Ms: number; p99Ms: number } {
  const ms = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? 0 : nsToMs(v));
  return { p50Ms: ms(q[0]), p95Ms: ms(q[1]), p99Ms: ms(q[2]) };
}

function rate(errors: number, count: number): number {
  return count > 0 ? errors / count : 0;
}

/**
 * The rollup rows of a window and filter. Notifications are left out unless a notification method is
 * asked for by name: they are not requests (nothing answers them, their spans last microseconds), and
 * counted with the requests they would inflate request totals and pull the latency percentiles down.
 */
function rollupWhere(w: TimeWindow, f: McpFilter): Where {
  const where = new Where().minuteWindow(w).mcp(f);
  if (!f.method?.startsWith(NOTIFICATION_PREFIX))
    where.raw(`NOT startsWith(McpMethod, '${NOTIFICATION_PREFIX}')`);
  return where;
}

/** Method-name prefix of MCP notifications (`notifications/tools/list_changed`, …). */
const NOTIFICATION_PREFIX = 'notifications/';

function table(database: string): string {
  return `\`${database}\`.\`${TABLES.rollup}\``;
}

/** The layer totals and series count: the requested one, else by {@link LAYER_PREFERENCE}. */
export function chooseLayer(present: readonly string[], requested?: string): string | undefined {
  if (requested !== undefined) return requested;
  for (const l of LAYER_PREFERENCE) if (present.includes(l)) return l;
  return present[0];
}

async function series(
  client: ClickHouseClient,
  database: string,
  w: TimeWindow,
  f: McpFilter,
): Promise<SeriesPoint[]> {
  const where = rollupWhere(w, f);
  const rows = await queryRows<MergedRow & { minute: string }>(
    client,
    `SELECT toUnixTimestamp(Minute) AS minute, ${MERGED} FROM ${table(database)} ${where}
     GROUP BY Minute ORDER BY Minute`,
    where.params,
  );
  return rows.map((r) => ({
    t: secondsToIso(r.minute),
    count: Number(r.count),
    errors: Number(r.errors),
    ...quantiles(r.q),
  }));
}

type GroupRow = MergedRow & {
  ServiceName: string;
  McpServer: string;
  McpMethod: string;
  McpTool: string;
  McpLayer: string;
};

function toToolStats(r: GroupRow): ToolStats {
  const count = Number(r.count);
  const errors = Number(r.errors);
  return {
    service: r.ServiceName,
    server: r.McpServer,
    method: r.McpMethod,
    tool: r.McpTool,
    layer: r.McpLayer,
    count,
    errors,
    errorRate: rate(errors, count),
    ...quantiles(r.q),
  };
}

function byCountThenName(a: ToolStats, b: ToolStats): number {
  return (
    b.count - a.count ||
    [a.server, a.tool, a.method, a.layer]
      .join('\u0000')
      .localeCompare([b.server, b.tool, b.method, b.layer].join('\u0000'))
  );
}

async function toolStats(
  client: ClickHouseClient,
  database: string,
  w: TimeWindow,
  f: McpFilter,
): Promise<ToolStats[]> {
  const where = rollupWhere(w, f);
  const rows = await queryRows<GroupRow>(
    client,
    `SELECT ServiceName, McpServer, McpMethod, McpTool, McpLayer, ${MERGED} FROM ${table(database)} ${where}
     GROUP BY ServiceName, McpServer, McpMethod, McpTool, McpLayer`,
    where.params,
  );
  return rows.map(toToolStats).sort(byCountThenName);
}

function range(w: TimeWindow) {
  return { from: w.from.toISOString(), to: w.to.toISOString() };
}

interface OverviewRow extends MergedRow {
  gMinute: number;
  gGroup: number;
  McpLayer: string;
  minute: string;
  ServiceName: string;
  McpServer: string;
  McpMethod: string;
  McpTool: string;
}

/**
 * One pass over the rollup with three grouping sets — per layer (totals), per layer and minute
 * (series), per group (the servers table) — instead of three reads of the same rows.
 */
export async function queryOverview(
  client: ClickHouseClient,
  database: string,
  f: OverviewFilter,
): Promise<OverviewResponse> {
  const where = rollupWhere(f, f);
  const [rows, rootCauses] = await Promise.all([
    queryRows<OverviewRow>(
      client,
      `SELECT grouping(Minute) AS gMinute, grouping(ServiceName) AS gGroup,
       McpLayer, toUnixTimestamp(Minute) AS minute, ServiceName, McpServer, McpMethod, McpTool, ${MERGED}
     FROM ${table(database)} ${where}
     GROUP BY GROUPING SETS ((McpLayer), (McpLayer, Minute), (ServiceName, McpServer, McpMethod, McpTool, McpLayer))`,
      where.params,
    ),
    failedCallsByLayer(client, database, f, f),
  ]);
  // grouping(x) is 1 when x is not part of the row's grouping set (SQL-standard semantics).
  const totalsRows = rows.filter((r) => Number(r.gMinute) === 1 && Number(r.gGroup) === 1);
  const layer = chooseLayer(
    totalsRows.map((r) => r.McpLayer),
    f.layer,
  );
  const chosen = totalsRows.find((r) => r.McpLayer === layer);
  const count = Number(chosen?.count ?? 0);
  const errors = Number(chosen?.errors ?? 0);
  const points = rows
    .filter((r) => Number(r.gMinute) === 0 && r.McpLayer === layer)
    .sort((a, b) => Number(a.minute) - Number(b.minute))
    .map((r) => ({
      t: secondsToIso(r.minute),
      count: Number(r.count),
      errors: Number(r.errors),
      ...quantiles(r.q),
    }));
  const servers = rows
    .filter((r) => Number(r.gGroup) === 0)
    .map(toToolStats)
    .sort(byCountThenName);
  return {
    range: range(f),
    layer: layer ?? '',
    totals: { count, errors, errorRate: rate(errors, count), ...quantiles(chosen?.q ?? []) },
    series: points,
    servers,
    rootCauses,
  };
}

/** Failed calls of the window by root-cause layer, each call once (largest first). */
async function failedCallsByLayer(
  client: ClickHouseClient,
  database: string,
  w: TimeWindow,
  f: McpFilter,
): Promise<{ layer: string; count: number }[]> {
  const calls = failedCalls(database, w, f);
  const rows = await queryRows<{ Layer: string; count: string }>(
    client,
    `SELECT Layer, count() AS count FROM (${calls.sql}) GROUP BY Layer ORDER BY count DESC, Layer`,
    calls.params,
  );
  return rows.map((r) => ({ layer: r.Layer, count: Number(r.count) }));
}

interface ErrorTypeRow {
  ErrorType: string;
  Fault: string;
  count: string;
}

/**
 * `/tools`: per (service, server, method, tool, layer) stats; with `tool=` also the detail panel — the
 * series and histogram from the rollup, errors by type and layer at fault and example traces from the
 * spans table (errors are few, and examples are a handful of rows found through the sort key).
 */
export async function queryTools(
  client: ClickHouseClient,
  database: string,
  f: ToolsFilter,
): Promise<ToolsResponse> {
  const tools = await toolStats(client, database, f, f);
  if (f.tool === undefined) return { range: range(f), tools };
  const layers = [...new Set(tools.map((t) => t.layer))];
  const layer = chooseLayer(layers, f.layer);
  const detailFilter: McpFilter = { ...f, layer };
  const where = rollupWhere(f, detailFilter);
  const calls = failedCalls(database, f, f);
  const [points, buckets, errorsByType, examples] = await Promise.all([
    series(client, database, f, detailFilter),
    queryRows<{ idx: number[]; counts: string[] }>(
      client,
      `SELECT tupleElement(s, 1) AS idx, tupleElement(s, 2) AS counts
       FROM (SELECT sumMap(DurationBuckets) AS s FROM ${table(database)} ${where})`,
      where.params,
    ),
    // Each failed call once, by its verdict: not one row per span that recorded the failure.
    queryRows<ErrorTypeRow>(
      client,
      `SELECT ErrorType, Layer AS Fault, count() AS count FROM (${calls.sql})
       GROUP BY ErrorType, Fault ORDER BY count DESC LIMIT 100`,
      calls.params,
    ),
    queryTraces(client, database, { ...f, limit: 10 }),
  ]);
  const counts = new Map<number, number>();
  const b = buckets[0];
  if (b) b.idx.forEach((i, k) => counts.set(Number(i), Number(b.counts[k] ?? 0)));
  const histogram = [...LATENCY_BUCKETS_MS, Number.POSITIVE_INFINITY].map((le, i) => ({
    // JSON has no Infinity: the open last bucket is reported with leMs -1.
    leMs: Number.isFinite(le) ? le : -1,
    count: counts.get(i) ?? 0,
  }));
  return {
    range: range(f),
    tools,
    detail: {
      layer: layer ?? '',
      series: points,
      histogram,
      errorsByType: errorsByType.map((r) => ({
        errorType: r.ErrorType,
        fault: r.Fault,
        count: Number(r.count),
      })),
      exampleTraces: examples.traces,
    },
  };
}
