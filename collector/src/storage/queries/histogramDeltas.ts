/**
 * Explicit-bucket histogram points as the observations of each time bucket, in SQL: the one place that
 * turns cumulative points into deltas, for `/metrics/histogram` (minutes) and the overview read from
 * metrics (its chart buckets).
 *
 * A DELTA point holds the observations of its interval: a bucket's are the sum of its points. A
 * CUMULATIVE point (what the OpenTelemetry SDKs export by default) holds everything since its series
 * started, so a bucket's observations are its series' last point in the bucket minus the last point
 * before it (the sum of the point-to-point differences, telescoped). A series is its metric, resource,
 * scope, point attributes, start time, bounds and temporality: a restarted process starts a new one.
 * Where a bucket's last point is below the one before (a counter reset without a new start time) it
 * counts whole. The first bucket of a cumulative series counts whole only when the series started inside
 * what was read (then it holds everything since that start); otherwise it only serves as the base of
 * the next. Points are read from {@link LOOKBACK_MS} before the window, so that the window's first bucket
 * has a base; points before the window but in its first bucket serve as that base, not as observations.
 *
 * Reducing each series to one row per bucket before diffing is what keeps long windows cheap: over 24
 * hours in 5-minute buckets, a series exporting every minute goes through the window function as 288
 * rows instead of 1440 (and through the array sums after it).
 */
import { METRIC_TABLES } from '../metricsSchema.js';
import type { TimeWindow } from './filters.js';
import { dateToNs, Where, type Params } from './sql.js';

/**
 * How far before the window points are read as predecessors: an hour, far above the export interval
 * of any SDK (60 s by default). A series whose previous point is older than that contributes from its
 * second bucket in the window on.
 */
export const LOOKBACK_MS = 60 * 60 * 1000;

/** `AggregationTemporality` number of cumulative points. */
export const CUMULATIVE = 2;

export interface HistogramDeltas {
  /**
   * A SELECT with one row per series and bucket of the window that saw observations: `bucket` (unix
   * seconds of its start), `bounds` (the explicit bounds), `dCounts` (bucket counts observed), `dCount`, `dSum`, and
   * each carried alias.
   */
  sql: string;
  params: Params;
}

/** The identity of a series (see the file comment), as one 64-bit hash. */
const SERIES =
  'cityHash64(MetricName, ServiceName, ResourceAttributes, ScopeName, Attributes, StartTimeUnix, ' +
  'ExplicitBounds, AggregationTemporality)';

/**
 * The observations of `w` in the histogram table, per series and bucket of `bucketSeconds` (buckets
 * start at multiples of it since the epoch). `filter` narrows the raw rows (metric name, service,
 * attributes; bound with a parameter prefix other than `d`, `w` and `b`); `carry` maps aliases to
 * expressions over a raw row that are constant within a series (e.g. `{ isError: "Attributes
 * ['error.type'] != ''" }`), kept beside each row.
 */
export function histogramDeltas(
  database: string,
  w: TimeWindow,
  filter: Where,
  carry: Readonly<Record<string, string>>,
  bucketSeconds: number,
): HistogramDeltas {
  const lookFrom = new Date(w.from.getTime() - LOOKBACK_MS);
  const read = new Where('d').spanWindow({ from: lookFrom, to: w.to }, 'TimeUnix');
  const inWindow = new Where('w').spanWindow(w, 'TimeUnix');
  const table = `\`${database}\`.\`${METRIC_TABLES.histogram}\``;
  const aliases = Object.keys(carry);
  const carried = aliases.map((a) => `, any(${carry[a]}) AS ${a}`).join('');
  const passed = aliases.map((a) => `, ${a}`).join('');
  const bucket = 'intDiv(toUnixTimestamp(TimeUnix), {bSeconds:UInt32}) * {bSeconds:UInt32}';
  const where = (extra: Where, temporality: string): string =>
    `WHERE ${[...filter.conditions, ...extra.conditions, temporality].join(' AND ')}`;
  // Cumulative points: each series' last point per bucket, every point before the window in bucket 0
  // (the base of the first). A bucket is a difference from the series' previous bucket when that exists
  // and no count went down.
  const grows =
    'frameRows = 2 AND lastCount >= prevCount AND NOT arrayExists((c, p) -> c < p, lastCounts, prevCounts)';
  const sql = `
    SELECT bucket, bounds${passed},
           if(${grows}, arrayMap((c, p) -> toUInt64(c - p), lastCounts, prevCounts), lastCounts) AS dCounts,
           if(${grows}, toUInt64(lastCount - prevCount), lastCount) AS dCount,
           if(${grows}, lastSum - prevSum, lastSum) AS dSum
    FROM (
      SELECT *,
             count() OVER series AS frameRows,
             lagInFrame(lastCounts, 1, lastCounts) OVER series AS prevCounts,
             lagInFrame(lastCount) OVER series AS prevCount,
             lagInFrame(lastSum) OVER series AS prevSum
      FROM (
        SELECT ${SERIES} AS seriesKey,
               if(TimeUnix < fromUnixTimestamp64Nano({bFrom:Int64}), 0, ${bucket}) AS bucket,
               any(ExplicitBounds) AS bounds${carried},
               argMax(BucketCounts, TimeUnix) AS lastCounts,
               argMax(Count, TimeUnix) AS lastCount,
               argMax(Sum, TimeUnix) AS lastSum,
               min(StartTimeUnix) >= fromUnixTimestamp64Nano({bLookFrom:Int64}) AS started
        FROM ${table} ${where(read, `AggregationTemporality = ${CUMULATIVE}`)}
        GROUP BY seriesKey, bucket
      )
      WINDOW series AS (PARTITION BY seriesKey ORDER BY bucket ROWS BETWEEN 1 PRECEDING AND CURRENT ROW)
    )
    WHERE bucket != 0 AND (frameRows = 2 OR started)
    UNION ALL
    SELECT ${bucket} AS bucket, any(ExplicitBounds) AS bounds${carried},
           sumForEach(BucketCounts) AS dCounts, sum(Count) AS dCount, sum(Sum) AS dSum
    FROM ${table} ${where(inWindow, `AggregationTemporality != ${CUMULATIVE}`)}
    GROUP BY ${SERIES}, bucket`;
  return {
    sql,
    params: {
      ...filter.params,
      ...read.params,
      ...inWindow.params,
      bSeconds: bucketSeconds,
      bFrom: dateToNs(w.from),
      bLookFrom: dateToNs(lookFrom),
    },
  };
}
