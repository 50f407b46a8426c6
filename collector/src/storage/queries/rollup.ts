/**
 * The overview from spans (one of the two sources overview.ts chooses from) and `/tools`: read from the
 * per-minute rollup only (never the span table), merging the t-digest states and histogram buckets of
 * the selected minutes and groups.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { OverviewResponse, SeriesPoint, ToolStats, ToolsResponse } from '../../api/types.js';
import { LATENCY_BUCKETS_MS, TABLES } from '../schema.js';
import type { McpFilter, OverviewFilter, TimeWindow, ToolsFilter } from './filters.js';
import { nsToMs, queryRows, secondsToIso, Where } from './sql.js';
import { queryTraces } from './traces.js';
import { failedCalls } from './failedCalls.js';
import {
  bucketSecondsFor,
  bucketSql,
  bucketStarts,
  MAX_CHART_BUCKETS,
  MAX_TREND_BUCKETS,
} from './buckets.js';

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

/** A window's totals and its series in buckets of `bucketSeconds`, for one layer (in `f`). */
async function seriesAndTotals(
  client: ClickHouseClient,
  database: string,
  w: TimeWindow,
  f: McpFilter,
  bucketSeconds: number,
): Promise<{ totals: OverviewResponse['totals']; series: SeriesPoint[] }> {
  const where = rollupWhere(w, f);
  const rows = await queryRows<MergedRow & { g: number; bucket: string }>(
    client,
    `SELECT grouping(bucket) AS g, ${bucketSql('bucket')} AS bucket, ${MERGED} FROM ${table(database)} ${where}
     GROUP BY GROUPING SETS ((), (bucket)) ORDER BY bucket`,
    { ...where.params, bucket: bucketSeconds },
  );
  const total = rows.find((r) => Number(r.g) === 1);
  const count = Number(total?.count ?? 0);
  const errors = Number(total?.errors ?? 0);
  return {
    totals: {
      count,
      errors,
      errorRate: rate(errors, count),
      ...quantiles(count > 0 ? (total?.q ?? []) : []),
    },
    series: rows.filter((r) => Number(r.g) === 0).map(toPoint),
  };
}

function toPoint(r: MergedRow & { bucket: string }): SeriesPoint {
  return {
    t: secondsToIso(r.bucket),
    count: Number(r.count),
    errors: Number(r.errors),
    ...quantiles(r.q),
  };
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

/** Most calls first, then by server, tool, method and layer: the servers table's order. */
export function byCountThenName(a: ToolStats, b: ToolStats): number {
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
  gBucket: number;
  gGroup: number;
  McpLayer: string;
  bucket: string;
  ServiceName: string;
  McpServer: string;
  McpMethod: string;
  McpTool: string;
}

/** The span overview, and the calls its spans count per layer (for choosing the source). */
export interface SpanOverview {
  response: Omit<OverviewResponse, 'source'>;
  callsByLayer: Record<string, number>;
}

/**
 * The overview from the spans. One pass over the rollup with three grouping sets — per layer
 * (totals), per layer and bucket (series), per group (the servers table) — instead of three reads of
 * the same rows; beside it the rows' trends (sums only, no quantiles) and, with `compare`, the window
 * before.
 */
export async function querySpanOverview(
  client: ClickHouseClient,
  database: string,
  f: OverviewFilter,
): Promise<SpanOverview> {
  const where = rollupWhere(f, f);
  const bucketSeconds = bucketSecondsFor(f, MAX_CHART_BUCKETS);
  const trendBucketSeconds = bucketSecondsFor(f, MAX_TREND_BUCKETS);
  const [rows, rootCauses, trends] = await Promise.all([
    queryRows<OverviewRow>(
      client,
      `SELECT grouping(bucket) AS gBucket, grouping(ServiceName) AS gGroup,
       McpLayer, ${bucketSql('bucket')} AS bucket, ServiceName, McpServer, McpMethod, McpTool, ${MERGED}
     FROM ${table(database)} ${where}
     GROUP BY GROUPING SETS ((McpLayer), (McpLayer, bucket), (ServiceName, McpServer, McpMethod, McpTool, McpLayer))`,
      { ...where.params, bucket: bucketSeconds },
    ),
    failedCallsByLayer(client, database, f, f),
    rowTrends(client, database, f, trendBucketSeconds),
  ]);
  // grouping(x) is 1 when x is not part of the row's grouping set (SQL-standard semantics).
  const totalsRows = rows.filter((r) => Number(r.gBucket) === 1 && Number(r.gGroup) === 1);
  const layer = chooseLayer(
    totalsRows.map((r) => r.McpLayer),
    f.layer,
  );
  const chosen = totalsRows.find((r) => r.McpLayer === layer);
  const count = Number(chosen?.count ?? 0);
  const errors = Number(chosen?.errors ?? 0);
  const points = rows
    .filter((r) => Number(r.gBucket) === 0 && r.McpLayer === layer)
    .sort((a, b) => Number(a.bucket) - Number(b.bucket))
    .map(toPoint);
  const servers = rows
    .filter((r) => Number(r.gGroup) === 0)
    .map((r) => ({ ...toToolStats(r), trend: trends.get(groupKey(r)) ?? emptyTrend(f, trendBucketSeconds) }))
    .sort(byCountThenName);
  let previous: OverviewResponse['previous'];
  if (f.compare === 'previous') {
    // The same length just before, at the layer the current window counts (else two windows with
    // different layers present would compare client calls with server calls).
    const span = f.to.getTime() - f.from.getTime();
    const before = { from: new Date(f.from.getTime() - span), to: f.from };
    const prev = await seriesAndTotals(client, database, before, { ...f, layer }, bucketSeconds);
    previous = { range: range(before), ...prev };
  }
  return {
    response: {
      range: range(f),
      bucketSeconds,
      layer: layer ?? '',
      totals: { count, errors, errorRate: rate(errors, count), ...quantiles(chosen?.q ?? []) },
      series: points,
      servers,
      trendBucketSeconds,
      rootCauses,
      ...(previous ? { previous } : {}),
    },
    callsByLayer: Object.fromEntries(totalsRows.map((r) => [r.McpLayer, Number(r.count)])),
  };
}

/**
 * The calls the spans count per layer in the window and filters (`layer` aside): the sums of the
 * rollup's counters only, for when the overview is read from the histograms.
 */
export async function spanCallsByLayer(
  client: ClickHouseClient,
  database: string,
  f: OverviewFilter,
): Promise<Record<string, number>> {
  const where = rollupWhere(f, { ...f, layer: undefined });
  const rows = await queryRows<{ McpLayer: string; count: string }>(
    client,
    `SELECT McpLayer, sum(Count) AS count FROM ${table(database)} ${where} GROUP BY McpLayer`,
    where.params,
  );
  return Object.fromEntries(rows.map((r) => [r.McpLayer, Number(r.count)]));
}

type GroupKeyFields = Pick<GroupRow, 'ServiceName' | 'McpServer' | 'McpMethod' | 'McpTool' | 'McpLayer'>;
const groupKey = (r: GroupKeyFields): string =>
  [r.ServiceName, r.McpServer, r.McpMethod, r.McpTool, r.McpLayer].join('\u0000');

function emptyTrend(w: TimeWindow, bucketSeconds: number): NonNullable<ToolStats['trend']> {
  const n = bucketStarts(w, bucketSeconds).length;
  return { calls: new Array<number>(n).fill(0), errors: new Array<number>(n).fill(0) };
}

/**
 * Calls and failed calls per group and trend bucket: sums of the rollup's counters only (no quantile
 * state is merged), one short array per row of the servers table.
 */
async function rowTrends(
  client: ClickHouseClient,
  database: string,
  f: OverviewFilter,
  bucketSeconds: number,
): Promise<Map<string, NonNullable<ToolStats['trend']>>> {
  const where = rollupWhere(f, f);
  const rows = await queryRows<GroupKeyFields & { b: string; calls: string; errors: string }>(
    client,
    `SELECT ServiceName, McpServer, McpMethod, McpTool, McpLayer, ${bucketSql('trend')} AS b,
       sum(Count) AS calls, sum(Errors) AS errors
     FROM ${table(database)} ${where}
     GROUP BY ServiceName, McpServer, McpMethod, McpTool, McpLayer, b`,
    { ...where.params, trend: bucketSeconds },
  );
  const starts = bucketStarts(f, bucketSeconds);
  const index = new Map(starts.map((t, i) => [t, i]));
  const out = new Map<string, NonNullable<ToolStats['trend']>>();
  for (const r of rows) {
    const key = groupKey(r);
    let trend = out.get(key);
    if (!trend) {
      trend = emptyTrend(f, bucketSeconds);
      out.set(key, trend);
    }
    const i = index.get(Number(r.b));
    if (i === undefined) continue;
    trend.calls[i] = Number(r.calls);
    trend.errors[i] = Number(r.errors);
  }
  return out;
}

/** Failed calls of the window by root-cause layer, each call once (largest first). */
export async function failedCallsByLayer(
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
  if (f.tool === undefined) return { range: range(f), source: 'spans', tools };
  const layers = [...new Set(tools.map((t) => t.layer))];
  const layer = chooseLayer(layers, f.layer);
  const detailFilter: McpFilter = { ...f, layer };
  const where = rollupWhere(f, detailFilter);
  const calls = failedCalls(database, f, f);
  const bucketSeconds = bucketSecondsFor(f, MAX_CHART_BUCKETS);
  const [points, buckets, errorsByType, examples] = await Promise.all([
    seriesAndTotals(client, database, f, detailFilter, bucketSeconds).then((r) => r.series),
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
    source: 'spans',
    tools,
    detail: {
      layer: layer ?? '',
      bucketSeconds,
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
