/**
 * Reads what a collector stored, from its data directory, after the collector has exited: one
 * embedded engine per data directory, and libchdb binds one data directory per process, so call
 * this once per test file, after the last collector on that directory stopped.
 */
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

type ClientOptions = NonNullable<Parameters<typeof createClient>[0]>;

export interface TraceCount {
  /** Rows stored for the trace. */
  rows: number;
  /** Distinct span ids among them: equal to `rows` when no span was stored twice. */
  spans: number;
}

/** Rows and distinct span ids per trace id, for the given trace ids (absent ids map to zero). */
export async function storedSpansByTrace(
  dataDir: string,
  traceIds: readonly string[],
): Promise<Map<string, TraceCount>> {
  // chdb types its connection against its own copy of @clickhouse/client-common's declarations.
  const connection = createChdbConnection({ path: dataDir }) as unknown as ClientOptions['connection'];
  const client = createClient({ connection });
  try {
    const rs = await client.query({
      query: `SELECT TraceId, count() AS rows, uniqExact(SpanId) AS spans FROM mcpscope.otel_traces
              WHERE TraceId IN {ids:Array(String)} GROUP BY TraceId`,
      query_params: { ids: [...traceIds] },
      format: 'JSONEachRow',
    });
    const found = new Map<string, TraceCount>();
    for (const r of await rs.json<{ TraceId: string; rows: string; spans: string }>()) {
      found.set(r.TraceId, { rows: Number(r.rows), spans: Number(r.spans) });
    }
    return new Map(traceIds.map((id) => [id, found.get(id) ?? { rows: 0, spans: 0 }]));
  } finally {
    await client.close();
  }
}
