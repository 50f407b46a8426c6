/**
 * `/metrics` and `/metrics/histogram`: read the OTLP metric tables (storage/metricsSchema.ts).
 *
 * Histogram points come in two temporalities. A DELTA point holds the observations of its interval;
 * a CUMULATIVE point (what the OpenTelemetry SDKs export by default) holds everything since its
 * series started. Per-minute counts need deltas, so each cumulative point is diffed against the
 * previous point of its series, in SQL (`lagInFrame` over the series ordered by time). A series is its
 * resource, scope, point attributes, start time and bounds: a restarted process starts a new one.
 * The first point seen of a series counts whole only when the series started inside what was read
 * (then it holds everything since that start); otherwise it only serves as the base of the next.
 * Points are read from {@link LOOKBACK_MS} before the window, so that the window's first points have
 * their predecessors.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type {
  HistogramMinute,
  HistogramStats,
  MetricHistogramResponse,
  MetricInfo,
  MetricsResponse,
  MetricType,
} from '../../api/types.js';
import { histogramQuantiles, type BucketHistogram } from '../../model/histogramQuantile.js';
import { METRIC_TABLES } from '../metricsSchema.js';
import type { MetricHistogramFilter, MetricsFilter } from './filters.js';
import { nsToIso, queryRows, secondsToIso, Where } from './sql.js';

/**
 * How far before the window points are read as predecessors: an hour, far above the export interval
 * of any SDK (60 s by default). A series whose previous point is older than that contributes from its
 * second point in the window on.
 */
export const LOOKBACK_MS = 60 * 60 * 1000;

const QUANTILES = [0.5, 0.95, 0.99] as const;

/** `AggregationTemporality` number of cumulative points. */
const CUMULATIVE = 2;

function table(database: string, type: MetricType): string {
  return `\`${database}\`.\`${METRIC_TABLES[type]}\``;
}

interface MetricInfoRow {
  name: string;
  type: MetricType;
  unit: string;
  description: string;
  services: string[];
  series: string;
  points: string;
  last: string;
}

/** Every metric with points in the window, from all five tables, by name. */
export async function queryMetrics(
  client: ClickHouseClient,
  database: string,
  f: MetricsFilter,
): Promise<MetricsResponse> {
  const where = new Where().spanWindow(f, 'TimeUnix').eq('ServiceName', f.service);
  const parts = (Object.keys(METRIC_TABLES) as MetricType[]).map(
    (type) =>
      `SELECT '${type}' AS type, MetricName, MetricUnit, MetricDescription, ServiceName, ` +
      `cityHash64(ServiceName, ResourceAttributes, ScopeName, Attributes) AS seriesKey, TimeUnix ` +
      `FROM ${table(database, type)} ${where}`,
  );
  const rows = await queryRows<MetricInfoRow>(
    client,
    `SELECT MetricName AS name, type, MetricUnit AS unit, any(MetricDescription) AS description,
            arraySort(groupUniqArray(ServiceName)) AS services, uniqExact(seriesKey) AS series,
            count() AS points, toUnixTimestamp64Nano(max(TimeUnix)) AS last
     FROM (${parts.join(' UNION ALL ')})
     GROUP BY name, type, unit ORDER BY name, type`,
    where.params,
  );
  return {
    metrics: rows.map((r): MetricInfo => ({
      name: r.name,
      type: r.type,
      unit: r.unit,
      description: r.description,
      services: r.services,
      series: Number(r.series),
      points: Number(r.points),
      lastSeen: nsToIso(r.last),
    })),
  };
}

interface MinuteRow {
  minute: string;
  bounds: number[];
  counts: string[];
  count: string;
  sum: number;
  errors: string;
}

interface HeaderRow {
  series: string;
  unit: string;
  description: string;
}

/** One histogram metric's observations per minute and over the window (see the file comment). */
export async function queryMetricHistogram(
  client: ClickHouseClient,
  database: string,
  f: MetricHistogramFilter,
): Promise<MetricHistogramResponse> {
  const lookFrom = new Date(f.from.getTime() - LOOKBACK_MS);
  const where = new Where()
    .eq('MetricName', f.name)
    .spanWindow({ from: lookFrom, to: f.to }, 'TimeUnix')
    .eq('ServiceName', f.service);
  f.attributes.forEach(([key, value], i) => {
    where.raw(`Attributes[{ak${i}:String}] = {av${i}:String}`);
    where.params[`ak${i}`] = key;
    where.params[`av${i}`] = value;
  });
  const windowWhere = new Where('w').spanWindow(f, 'TimeUnix');
  const params = { ...where.params, ...windowWhere.params };
  const histograms = table(database, 'histogram');

  // A cumulative point is a delta from the previous point of its series when that exists and no
  // bucket went down (a counter reset keeps the point whole).
  const grows =
    'frameRows = 2 AND Count >= prevCount AND NOT arrayExists((c, p) -> c < p, BucketCounts, prevCounts)';
  const [rows, header] = await Promise.all([
    queryRows<MinuteRow>(
      client,
      `SELECT toUnixTimestamp(toStartOfMinute(TimeUnix)) AS minute, ExplicitBounds AS bounds,
              sumForEach(dCounts) AS counts, sum(dCount) AS count, sum(dSum) AS sum,
              sumIf(dCount, isError) AS errors
       FROM (
         SELECT TimeUnix, ExplicitBounds, isError,
                if(temporality = ${CUMULATIVE} AND ${grows},
                   arrayMap((c, p) -> toUInt64(c - p), BucketCounts, prevCounts), BucketCounts) AS dCounts,
                if(temporality = ${CUMULATIVE} AND ${grows}, toUInt64(Count - prevCount), Count) AS dCount,
                if(temporality = ${CUMULATIVE} AND ${grows}, Sum - prevSum, Sum) AS dSum,
                temporality != ${CUMULATIVE} OR frameRows = 2
                  OR StartTimeUnix >= fromUnixTimestamp64Nano({lookFrom:Int64}) AS known
         FROM (
           SELECT TimeUnix, StartTimeUnix, ExplicitBounds, BucketCounts, Count, Sum,
                  AggregationTemporality AS temporality,
                  Attributes['error.type'] != '' AS isError,
                  count() OVER series AS frameRows,
                  lagInFrame(BucketCounts, 1, BucketCounts) OVER series AS prevCounts,
                  lagInFrame(Count) OVER series AS prevCount,
                  lagInFrame(Sum) OVER series AS prevSum
           FROM ${histograms} ${where}
           WINDOW series AS (
             PARTITION BY ServiceName, cityHash64(ResourceAttributes), ScopeName, cityHash64(Attributes),
                          StartTimeUnix, ExplicitBounds, AggregationTemporality
             ORDER BY TimeUnix ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
         )
       )
       ${windowWhere} AND known
       GROUP BY minute, bounds ORDER BY minute`,
      { ...params, lookFrom: String(BigInt(lookFrom.getTime()) * 1_000_000n) },
    ),
    queryRows<HeaderRow>(
      client,
      `SELECT uniqExact(cityHash64(ServiceName, ResourceAttributes, ScopeName, Attributes)) AS series,
              any(MetricUnit) AS unit, any(MetricDescription) AS description
       FROM ${histograms} ${where} AND TimeUnix >= fromUnixTimestamp64Nano({w0:Int64})`,
      params,
    ),
  ]);

  const byMinute = new Map<string, MinuteRow[]>();
  for (const r of rows) {
    const group = byMinute.get(r.minute);
    if (group === undefined) byMinute.set(r.minute, [r]);
    else group.push(r);
  }
  const points = [...byMinute].map(([minute, group]): HistogramMinute => ({
    minute: secondsToIso(minute),
    ...stats(group),
  }));
  const h = header[0];
  return {
    name: f.name,
    unit: h?.unit ?? '',
    description: h?.description ?? '',
    series: Number(h?.series ?? 0),
    total: stats(rows),
    points,
  };
}

/** Counts, sum, errors and quantiles of some (bounds, counts) groups merged. */
function stats(groups: readonly MinuteRow[]): HistogramStats {
  const histograms: BucketHistogram[] = groups.map((g) => ({
    bounds: g.bounds,
    counts: g.counts.map(Number),
  }));
  const [p50, p95, p99] = histogramQuantiles(QUANTILES, histograms);
  let count = 0;
  let sum = 0;
  let errors = 0;
  for (const g of groups) {
    count += Number(g.count);
    sum += g.sum;
    errors += Number(g.errors);
  }
  return { count, sum, errors, p50: p50 ?? null, p95: p95 ?? null, p99: p99 ?? null };
}
