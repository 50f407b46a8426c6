/**
 * `/metrics` and `/metrics/histogram`: read the OTLP metric tables (storage/metricsSchema.ts).
 * Histogram points become each minute's observations in histogramDeltas.ts (cumulative points diffed
 * against the last point before the minute).
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
import { histogramDeltas } from './histogramDeltas.js';
import { nsToIso, queryRows, secondsToIso, Where } from './sql.js';

const QUANTILES = [0.5, 0.95, 0.99] as const;

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
  const where = new Where().eq('MetricName', f.name).eq('ServiceName', f.service);
  f.attributes.forEach(([key, value], i) => {
    where.raw(`Attributes[{ak${i}:String}] = {av${i}:String}`);
    where.params[`ak${i}`] = key;
    where.params[`av${i}`] = value;
  });
  const deltas = histogramDeltas(database, f, where, { isError: "Attributes['error.type'] != ''" }, 60);
  const inWindow = new Where('h').spanWindow(f, 'TimeUnix');
  const [rows, header] = await Promise.all([
    queryRows<MinuteRow>(
      client,
      `SELECT bucket AS minute, bounds,
              sumForEach(dCounts) AS counts, sum(dCount) AS count, sum(dSum) AS sum,
              sumIf(dCount, isError) AS errors
       FROM (${deltas.sql})
       GROUP BY minute, bounds ORDER BY minute`,
      deltas.params,
    ),
    queryRows<HeaderRow>(
      client,
      `SELECT uniqExact(cityHash64(ServiceName, ResourceAttributes, ScopeName, Attributes)) AS series,
              any(MetricUnit) AS unit, any(MetricDescription) AS description
       FROM ${table(database, 'histogram')} ${where} AND ${inWindow.conditions.join(' AND ')}`,
      { ...where.params, ...inWindow.params },
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
