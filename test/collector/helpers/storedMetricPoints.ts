/**
 * Reads what a collector stored in its histogram table, from its data directory, after the collector
 * has exited (one embedded engine per data directory; see storedSpans.ts).
 */
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

type ClientOptions = NonNullable<Parameters<typeof createClient>[0]>;

export interface PointCount {
  /** Histogram rows stored for the service. */
  rows: number;
  /** Distinct series (point attributes) among them: equal to `rows` when no point was stored twice. */
  series: number;
}

/** Rows and distinct series of `otel_metrics_histogram` per service (absent services map to zero). */
export async function storedHistogramPoints(
  dataDir: string,
  services: readonly string[],
): Promise<Map<string, PointCount>> {
  const connection = createChdbConnection({ path: dataDir }) as unknown as ClientOptions['connection'];
  const client = createClient({ connection });
  try {
    const rs = await client.query({
      query: `SELECT ServiceName, count() AS rows, uniqExact(Attributes) AS series
              FROM mcpscope.otel_metrics_histogram WHERE ServiceName IN {s:Array(String)} GROUP BY ServiceName`,
      query_params: { s: [...services] },
      format: 'JSONEachRow',
    });
    const found = new Map<string, PointCount>();
    for (const r of await rs.json<{ ServiceName: string; rows: string; series: string }>()) {
      found.set(r.ServiceName, { rows: Number(r.rows), series: Number(r.series) });
    }
    return new Map(services.map((s) => [s, found.get(s) ?? { rows: 0, series: 0 }]));
  } finally {
    await client.close();
  }
}
