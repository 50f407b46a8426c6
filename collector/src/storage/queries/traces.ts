/** `/traces`: newest traces with a span matching the filters, summarized from the spans table. */
import type { ClickHouseClient } from '@clickhouse/client';
import type { TraceSummary, TracesResponse } from '../../api/types.js';
import { TABLES } from '../schema.js';
import type { TraceFilter, TraceSort } from './filters.js';
import { nsToIso, nsToMs, queryRows, Where } from './sql.js';

interface Row {
  TraceId: string;
  rootName: string;
  service: string;
  startNs: string;
  durationNs: string;
  spanCount: string;
  errorCount: string;
}

/**
 * Filters select spans (a trace is listed when one of its spans matches all of them, attributes
 * included); `status` is trace-level: 'error' lists traces with a failed span, 'ok' those without; so is
 * `fault`: traces whose first failed call has that root cause — the `rootCauseLayer` each failed
 * trace's row carries.
 *
 * Newest first (the default) is two steps in one statement: pick the page of matching trace ids by the
 * time of their matching spans (grouping only those), then summarize just those traces — all their spans
 * in the window, found through the TraceId bloom filter. Ordering by duration or span count needs every
 * matching trace summarized before the page can be cut, so those orders cost more on a wide window.
 * The root is the span without a parent, else the earliest one. `total` counts the matching traces
 * (`uniq`: exact to tens of thousands, an estimate within a few percent beyond).
 */
export async function queryTraces(
  client: ClickHouseClient,
  database: string,
  f: TraceFilter,
): Promise<TracesResponse> {
  const spans = `\`${database}\`.\`${TABLES.spans}\``;
  const rootCauses = `\`${database}\`.\`${TABLES.rootCauses}\``;
  const match = new Where().spanWindow(f).mcp(f);
  if (f.minDurationMs !== undefined) {
    match.bind((p) => `Duration >= ${p}`, 'UInt64', Math.round(f.minDurationMs * 1e6));
  }
  for (const [key, value] of f.attributes ?? []) match.attribute(key, value);
  const window = new Where('w').spanWindow(f);
  if (f.status !== undefined) {
    // Status is a property of the trace (any span failed), not of the matching span. Failed traces are
    // few, so the set of their ids is small and cheap to test against.
    const failed = new Where('e').spanWindow(f).raw('IsError = 1');
    match.raw(`TraceId ${f.status === 'error' ? 'IN' : 'NOT IN'} (SELECT TraceId FROM ${spans} ${failed})`);
    Object.assign(match.params, failed.params);
  }
  if (f.fault !== undefined) {
    // Trace-level too, and the same verdict as the rows' rootCauseLayer: the first failed call's.
    match.bind(
      (p) => `TraceId IN (SELECT TraceId FROM ${rootCauses} FINAL WHERE ${FIRST_LAYER} = ${p})`,
      'String',
      f.fault,
    );
  }
  const dir = f.order === 'asc' ? 'ASC' : 'DESC';
  const sort = f.sort ?? 'start';
  // The page: newest (or oldest) matching ids first, else every matching trace ordered by its summary.
  const ids =
    sort === 'start'
      ? `SELECT TraceId FROM ${spans} ${match}
         GROUP BY TraceId ORDER BY min(Timestamp) ${dir}, TraceId LIMIT {limit:UInt32} OFFSET {offset:UInt32}`
      : `SELECT TraceId FROM ${spans} ${match}`;
  const page = sort === 'start' ? 'LIMIT {limit:UInt32}' : 'LIMIT {limit:UInt32} OFFSET {offset:UInt32}';
  const sql = `
    SELECT
      TraceId,
      argMin(SpanName, (ParentSpanId != '', Timestamp)) AS rootName,
      argMin(ServiceName, (ParentSpanId != '', Timestamp)) AS service,
      toString(min(toUnixTimestamp64Nano(Timestamp))) AS startNs,
      toString(max(toUnixTimestamp64Nano(Timestamp) + Duration) - min(toUnixTimestamp64Nano(Timestamp))) AS durationNs,
      count() AS spanCount,
      countIf(IsError = 1) AS errorCount
    FROM ${spans}
    ${window} AND TraceId IN (${ids})
    GROUP BY TraceId
    ORDER BY ${SORT_EXPRESSIONS[sort]} ${dir}, TraceId
    ${page}`;
  const params = { ...match.params, ...window.params, limit: f.limit, offset: f.offset ?? 0 };
  const [rows, counted] = await Promise.all([
    queryRows<Row>(client, sql, params),
    queryRows<{ total: string }>(
      client,
      `SELECT uniq(TraceId) AS total FROM ${spans} ${match}`,
      match.params,
    ),
  ]);
  const layers = await rootCauseLayers(
    client,
    rootCauses,
    rows.filter((r) => Number(r.errorCount) > 0).map((r) => r.TraceId),
  );
  return {
    traces: rows.map((r) => toSummary(r, layers.get(r.TraceId))),
    total: Number(counted[0]?.total ?? 0),
    offset: f.offset ?? 0,
  };
}

/** What each order sorts a summarized trace by (a fixed whitelist: nothing from the request is spliced). */
const SORT_EXPRESSIONS: Record<TraceSort, string> = {
  start: 'min(Timestamp)',
  duration: 'max(toUnixTimestamp64Nano(Timestamp) + Duration) - min(toUnixTimestamp64Nano(Timestamp))',
  spans: 'count()',
};

/** A `mcp_root_causes` row's first failed call's root-cause layer. */
const FIRST_LAYER = '`Calls.Layer`[indexOf(`Calls.StartNs`, arrayMin(`Calls.StartNs`))]';

/** The root-cause layer of each trace's first failed call: one key lookup per listed failed trace. */
async function rootCauseLayers(
  client: ClickHouseClient,
  table: string,
  traceIds: string[],
): Promise<Map<string, string>> {
  if (traceIds.length === 0) return new Map();
  const rows = await queryRows<{ TraceId: string; layer: string }>(
    client,
    `SELECT TraceId, ${FIRST_LAYER} AS layer
     FROM ${table} FINAL WHERE TraceId IN {ids:Array(String)}`,
    { ids: traceIds },
  );
  return new Map(rows.map((r) => [r.TraceId, r.layer]));
}

function toSummary(r: Row, rootCauseLayer: string | undefined): TraceSummary {
  return {
    traceId: r.TraceId,
    rootName: r.rootName,
    service: r.service,
    startTime: nsToIso(r.startNs),
    durationMs: nsToMs(r.durationNs),
    spanCount: Number(r.spanCount),
    errorCount: Number(r.errorCount),
    ...(rootCauseLayer ? { rootCauseLayer } : {}),
  };
}
