/**
 * The overview read from the MCP operation histograms instead of the spans (model/overviewSource.ts
 * says when): calls, failed calls and bucket quantiles per side (client, server), in the shapes the span
 * overview returns.
 *
 * How the histograms meet the overview's filters:
 * - service: the sender's `service.name`, as on spans;
 * - tool: the point's `gen_ai.tool.name` (or `gen_ai.prompt.name`), as `McpTool` on spans;
 * - layer: the side, `mcp.client.operation.duration` for client, `mcp.server.operation.duration` for
 *   server; transport has no histogram;
 * - server: histogram points name no server, so the spans of the same window name it: a group (side,
 *   service, method, tool) belongs to server X when its spans at that layer name X and no other. A
 *   group none of whose calls was sampled, or one a client sent to two servers, has no server: it is
 *   listed without one and left out under a server filter.
 * A failed call is a point with `error.type`, except on the server side for the JSON-RPC codes that are
 * the caller's fault (the server refused correctly), as the spans' IsError counts them.
 *
 * One query answers everything, with three grouping sets: per side and chart bucket (totals and
 * series), per row of the servers table (its quantiles), per row and trend bucket (its sparkline,
 * counts only). Bucket arrays cross to JavaScript only where quantiles need them: returning a row per
 * group and chart bucket instead took seconds over 24 hours (11.5k rows of bucket arrays through the
 * embedded engine's JSON), against under a second for the query itself.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import {
  METRIC_MCP_CLIENT_OPERATION_DURATION,
  METRIC_MCP_SERVER_OPERATION_DURATION,
} from '@mcpscope/sdk/semconv';
import type { OverviewResponse, SeriesPoint, ToolStats } from '../../api/types.js';
import { histogramQuantiles, type BucketHistogram } from '../../model/histogramQuantile.js';
import { HISTOGRAM_LAYERS, type HistogramLayer } from '../../model/overviewSource.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  CALLER_FAULT_CODES,
} from '../attributes.js';
import { TABLES } from '../schema.js';
import { bucketStarts } from './buckets.js';
import type { McpFilter, TimeWindow } from './filters.js';
import { histogramDeltas } from './histogramDeltas.js';
import { queryRows, secondsToIso, Where } from './sql.js';

/** The operation histogram of each side. */
export const OPERATION_HISTOGRAMS: Readonly<Record<HistogramLayer, string>> = {
  client: METRIC_MCP_CLIENT_OPERATION_DURATION,
  server: METRIC_MCP_SERVER_OPERATION_DURATION,
};

/** Calls observed in one bucket histogram (bounds in ms). */
interface Observed extends BucketHistogram {
  counts: number[];
  count: number;
  errors: number;
}

/** A row of the servers table: one side's calls of a (service, server, method, tool). */
interface RowKey {
  layer: HistogramLayer;
  service: string;
  server: string;
  method: string;
  tool: string;
}

/** What the overview needs of the histograms of a window, in scope. */
export interface OperationHistograms {
  /** Per side, per chart bucket (unix seconds) and set of bounds. */
  buckets: (Observed & { layer: HistogramLayer; bucket: number })[];
  /** Per row and set of bounds, over the window. */
  rows: (Observed & RowKey)[];
  /** Per row and trend bucket (unix seconds): counts only. */
  trends: (RowKey & { trend: number; count: number; errors: number })[];
}

const attr = (key: string): string => `Attributes['${key}']`;
const callerCodes = CALLER_FAULT_CODES.map((c) => `'${c}'`).join(', ');

/**
 * Milliseconds per unit of the histogram (UCUM): the semantic conventions say seconds, which is the
 * default; other senders may record milliseconds.
 */
const MS_PER_UNIT =
  "multiIf(MetricUnit = 'ms', 1, MetricUnit = 'us', 0.001, MetricUnit = 'ns', 0.000001, MetricUnit = 'min', 60000, 1000)";

interface ResultRow {
  gBucket: number;
  gTrend: number;
  layer: HistogramLayer;
  bucket: string;
  trend: string;
  service: string;
  server: string;
  method: string;
  tool: string;
  boundsMs: number[];
  counts: string[];
  count: string;
  errors: string;
}

/**
 * The operation histograms of `w` in the scope of `f` (service, server, tool; not layer: both sides are
 * returned), in chart buckets of `bucketSeconds` and trend buckets of `trendBucketSeconds`. Server
 * names come from the spans of `namesWindow` (default `w`), which may be wider: a comparison window
 * reads names from both.
 */
export async function readOperationHistograms(
  client: ClickHouseClient,
  database: string,
  w: TimeWindow,
  f: Pick<McpFilter, 'service' | 'server' | 'tool'>,
  bucketSeconds: number,
  trendBucketSeconds: number,
  namesWindow: TimeWindow = w,
): Promise<OperationHistograms> {
  const points = new Where().eq('ServiceName', f.service);
  points.raw('MetricName IN ({clientMetric:String}, {serverMetric:String})');
  points.params['clientMetric'] = OPERATION_HISTOGRAMS.client;
  points.params['serverMetric'] = OPERATION_HISTOGRAMS.server;
  if (f.tool !== undefined)
    points.bind(
      (p) => `(${attr(ATTR_GEN_AI_TOOL_NAME)} = ${p} OR ${attr(ATTR_GEN_AI_PROMPT_NAME)} = ${p})`,
      'String',
      f.tool,
    );
  const deltas = histogramDeltas(
    database,
    w,
    points,
    {
      layer: "if(MetricName = {serverMetric:String}, 'server', 'client')",
      boundsMs: `arrayMap(b -> b * ${MS_PER_UNIT}, ExplicitBounds)`,
      service: 'ServiceName',
      method: attr(ATTR_MCP_METHOD_NAME),
      tool: `if(${attr(ATTR_GEN_AI_TOOL_NAME)} != '', ${attr(ATTR_GEN_AI_TOOL_NAME)}, ${attr(ATTR_GEN_AI_PROMPT_NAME)})`,
      isError:
        `${attr(ATTR_ERROR_TYPE)} != '' AND NOT (MetricName = {serverMetric:String} ` +
        `AND ${attr(ATTR_ERROR_TYPE)} IN (${callerCodes}))`,
    },
    bucketSeconds,
  );
  // The server of each (layer, service, method, tool): the one name its spans carry, else ''. The
  // service and tool filters apply here, not the server: a group that also called another server must
  // show as ambiguous.
  const names = new Where('n').minuteWindow(namesWindow).eq('ServiceName', f.service).eq('McpTool', f.tool);
  names.raw(`McpLayer IN ('client', 'server') AND McpServer != ''`);
  const scope = new Where('s').raw(`NOT startsWith(method, 'notifications/')`).eq('server', f.server);
  const rows = await queryRows<ResultRow>(
    client,
    `SELECT grouping(bucket) AS gBucket, grouping(trend) AS gTrend,
            layer, bucket, trend, service, server, method, tool, boundsMs,
            if(grouping(trend) = 0, [], sumForEach(dCounts)) AS counts, sum(dCount) AS count,
            sumIf(dCount, isError) AS errors
     FROM (
       SELECT *, intDiv(bucket, {trend:UInt32}) * {trend:UInt32} AS trend
       FROM (${deltas.sql}) AS p
       LEFT JOIN (
         SELECT McpLayer AS layer, ServiceName AS service, McpMethod AS method, McpTool AS tool,
                if(uniqExact(McpServer) = 1, any(McpServer), '') AS server
         FROM \`${database}\`.\`${TABLES.rollup}\` ${names}
         GROUP BY layer, service, method, tool
       ) AS n USING (layer, service, method, tool)
       ${scope}
     )
     GROUP BY GROUPING SETS (
       (layer, bucket, boundsMs),
       (layer, service, server, method, tool, boundsMs),
       (layer, service, server, method, tool, trend))`,
    {
      ...deltas.params,
      ...names.params,
      ...scope.params,
      trend: trendBucketSeconds,
    },
  );
  const out: OperationHistograms = { buckets: [], rows: [], trends: [] };
  // grouping(x) is 1 when x is not part of the row's grouping set.
  for (const r of rows) {
    const count = Number(r.count);
    const errors = Number(r.errors);
    const key = { layer: r.layer, service: r.service, server: r.server, method: r.method, tool: r.tool };
    const observed = { bounds: r.boundsMs, counts: r.counts.map(Number), count, errors };
    if (Number(r.gBucket) === 0) out.buckets.push({ ...observed, layer: r.layer, bucket: Number(r.bucket) });
    else if (Number(r.gTrend) === 0) out.trends.push({ ...key, trend: Number(r.trend), count, errors });
    else out.rows.push({ ...observed, ...key });
  }
  return out;
}

/** Calls per side. */
export function callsPerLayer(h: OperationHistograms): Record<HistogramLayer, number> {
  const out = Object.fromEntries(HISTOGRAM_LAYERS.map((l) => [l, 0])) as Record<HistogramLayer, number>;
  for (const b of h.buckets) out[b.layer] += b.count;
  return out;
}

interface Merged {
  count: number;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

/** Counts added up, and the quantiles of the merged buckets (0 without any, as the span overview). */
function merge(list: readonly Observed[]): Merged {
  // Histograms with the same bounds are added bucket by bucket first: the quantile estimate then walks
  // one histogram per set of bounds.
  const byBounds = new Map<string, { bounds: number[]; counts: number[] }>();
  let count = 0;
  let errors = 0;
  for (const o of list) {
    count += o.count;
    errors += o.errors;
    const key = o.bounds.join(',');
    const h = byBounds.get(key);
    if (!h) byBounds.set(key, { bounds: [...o.bounds], counts: [...o.counts] });
    else o.counts.forEach((c, i) => (h.counts[i] = (h.counts[i] ?? 0) + c));
  }
  const [p50, p95, p99] = histogramQuantiles([0.5, 0.95, 0.99], [...byBounds.values()]);
  const ms = (v: number | null | undefined): number => (v == null ? 0 : Math.round(v * 1000) / 1000);
  return { count, errors, p50Ms: ms(p50), p95Ms: ms(p95), p99Ms: ms(p99) };
}

function rate(errors: number, count: number): number {
  return count > 0 ? errors / count : 0;
}

/** One side's totals over the window. */
export function histogramTotals(h: OperationHistograms, layer: HistogramLayer): OverviewResponse['totals'] {
  const m = merge(h.buckets.filter((b) => b.layer === layer));
  return { ...m, errorRate: rate(m.errors, m.count) };
}

/** One side's series: a point per bucket that has calls, oldest first. */
export function histogramSeries(h: OperationHistograms, layer: HistogramLayer): SeriesPoint[] {
  const byBucket = new Map<number, Observed[]>();
  for (const b of h.buckets) {
    if (b.layer !== layer) continue;
    const list = byBucket.get(b.bucket);
    if (list) list.push(b);
    else byBucket.set(b.bucket, [b]);
  }
  return [...byBucket]
    .sort(([a], [b]) => a - b)
    .map(([bucket, list]) => ({ t: secondsToIso(bucket), ...merge(list) }));
}

const rowKey = (r: RowKey): string => [r.layer, r.service, r.server, r.method, r.tool].join('\u0000');

/**
 * The servers table: a row per (side, service, server, method, tool) of `layers`, with its trend over
 * the window's trend buckets (`trendBucketSeconds` wide, as read).
 */
export function histogramToolStats(
  h: OperationHistograms,
  layers: readonly HistogramLayer[],
  w: TimeWindow,
  trendBucketSeconds: number,
): ToolStats[] {
  const starts = bucketStarts(w, trendBucketSeconds);
  const index = new Map(starts.map((t, i) => [t, i]));
  const byRow = new Map<string, (Observed & RowKey)[]>();
  for (const r of h.rows) {
    if (!layers.includes(r.layer)) continue;
    const list = byRow.get(rowKey(r));
    if (list) list.push(r);
    else byRow.set(rowKey(r), [r]);
  }
  const trends = new Map<string, { calls: number[]; errors: number[] }>();
  for (const t of h.trends) {
    const i = index.get(t.trend);
    if (i === undefined || !layers.includes(t.layer)) continue;
    const key = rowKey(t);
    let trend = trends.get(key);
    if (!trend) {
      trend = {
        calls: new Array<number>(starts.length).fill(0),
        errors: new Array<number>(starts.length).fill(0),
      };
      trends.set(key, trend);
    }
    trend.calls[i] = t.count;
    trend.errors[i] = t.errors;
  }
  return [...byRow].map(([key, list]) => {
    const { layer, service, server, method, tool } = list[0]!;
    const m = merge(list);
    return {
      service,
      server,
      method,
      tool,
      layer,
      ...m,
      errorRate: rate(m.errors, m.count),
      trend: trends.get(key) ?? {
        calls: new Array<number>(starts.length).fill(0),
        errors: new Array<number>(starts.length).fill(0),
      },
    };
  });
}
