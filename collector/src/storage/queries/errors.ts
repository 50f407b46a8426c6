/**
 * `/errors`: failed calls grouped by server, method, tool, root-cause layer, error type and message
 * template — each failed call once, by its verdict (a downstream failure is the verdict of the call it
 * broke, not a group of its own).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { ErrorsResponse } from '../../api/types.js';
import type { ErrorsFilter } from './filters.js';
import { failedCalls } from './failedCalls.js';
import { nsToIso, queryRows } from './sql.js';

/** Points of each group's sparkline. */
export const SPARKLINE_BUCKETS = 30;

interface Row {
  Server: string;
  Method: string;
  Tool: string;
  ErrorType: string;
  Layer: string;
  Template: string;
  calls: string;
  firstNs: string;
  lastNs: string;
  firstEverNs: string;
  message: string;
  exampleTraceId: string;
  exampleSpanId: string;
  bucketIdx: number[];
  bucketCounts: string[];
  layers: string[];
}

/**
 * One read of the verdicts up to the window's end: the window's calls make the groups, counts and
 * sparklines; the earlier ones only say when each group was first seen (a group is new when that is
 * inside the window). The verdict table holds failed calls only, so it is small enough to read whole.
 */
export async function queryErrors(
  client: ClickHouseClient,
  database: string,
  f: ErrorsFilter,
): Promise<ErrorsResponse> {
  const calls = failedCalls(database, f, f, { withHistory: true });
  const windowMs = Math.max(f.to.getTime() - f.from.getTime(), 1000);
  const bucketSeconds = Math.max(1, Math.ceil(windowMs / 1000 / SPARKLINE_BUCKETS));
  const rows = await queryRows<Row>(
    client,
    `SELECT Server, Method, Tool, ErrorType, Layer, Template,
       countIf(InWindow) AS calls,
       toString(minIf(StartNs, InWindow)) AS firstNs,
       toString(maxIf(StartNs, InWindow)) AS lastNs,
       toString(min(StartNs)) AS firstEverNs,
       argMaxIf(Message, StartNs, InWindow) AS message,
       argMaxIf(TraceId, StartNs, InWindow) AS exampleTraceId,
       argMaxIf(SpanId, StartNs, InWindow) AS exampleSpanId,
       sumMapIf([toUInt16(intDiv(StartNs - {fcFrom:Int64}, {bucketNs:Int64}))], [toUInt64(1)], InWindow) AS buckets,
       buckets.1 AS bucketIdx, buckets.2 AS bucketCounts,
       arraySort(groupUniqArrayArrayIf(splitByChar(',', CallLayers), InWindow)) AS layers
     FROM (${calls.sql})
     GROUP BY Server, Method, Tool, ErrorType, Layer, Template
     HAVING calls > 0
     ORDER BY calls DESC, lastNs DESC
     LIMIT {limit:UInt32}`,
    { ...calls.params, bucketNs: String(BigInt(bucketSeconds) * 1_000_000_000n), limit: f.limit },
  );
  const fromNs = BigInt(f.from.getTime()) * 1_000_000n;
  return {
    range: { from: f.from.toISOString(), to: f.to.toISOString() },
    bucketSeconds,
    errors: rows.map((r) => {
      const sparkline = new Array<number>(SPARKLINE_BUCKETS).fill(0);
      r.bucketIdx.forEach((idx, k) => {
        const i = Math.min(Number(idx), SPARKLINE_BUCKETS - 1);
        sparkline[i] = (sparkline[i] ?? 0) + Number(r.bucketCounts[k] ?? 0);
      });
      return {
        server: r.Server,
        method: r.Method,
        tool: r.Tool,
        errorType: r.ErrorType,
        fault: r.Layer,
        template: r.Template,
        message: r.message,
        count: Number(r.calls),
        firstSeen: nsToIso(r.firstNs),
        lastSeen: nsToIso(r.lastNs),
        exampleTraceId: r.exampleTraceId,
        exampleSpanId: r.exampleSpanId,
        sparkline,
        isNew: BigInt(r.firstEverNs) >= fromNs,
        layers: r.layers.filter((l) => l !== ''),
      };
    }),
  };
}
