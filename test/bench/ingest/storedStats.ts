/**
 * What the collector left on disk, read after it exited by opening its data directory with the same
 * client the collector uses (`@clickhouse/client` over `chdb/connection`). libchdb binds one data
 * directory per process: call this once per benchmark process.
 */
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

type ClientOptions = NonNullable<Parameters<typeof createClient>[0]>;

export interface StoredStats {
  rows: number;
  /** Distinct (TraceId, SpanId): equal to rows when nothing was stored twice. */
  distinctSpans: number;
  bytesPerSpanAsInserted: number;
  partsAsInserted: number;
  bytesPerSpanOptimized: number;
  /** The largest columns after the merge, bytes per span. */
  columns: { name: string; bytesPerSpan: number }[];
}

const DATABASE = 'mcpscope';
const TABLE = 'otel_traces';

async function one<T>(client: ClickHouseClient, query: string): Promise<T> {
  const rs = await client.query({ query, format: 'JSONEachRow' });
  const [row] = await rs.json<T>();
  if (row === undefined) throw new Error(`no result for ${query}`);
  return row;
}

async function diskPerSpan(client: ClickHouseClient): Promise<{ perSpan: number; parts: number }> {
  const p = await one<{ c: string; r: string; parts: string }>(
    client,
    `SELECT sum(data_compressed_bytes) AS c, sum(rows) AS r, count() AS parts FROM system.parts
     WHERE database = '${DATABASE}' AND table = '${TABLE}' AND active`,
  );
  return { perSpan: Number(p.c) / Number(p.r), parts: Number(p.parts) };
}

export async function readStoredStats(dataDir: string): Promise<StoredStats> {
  // chdb types its connection against its own copy of @clickhouse/client-common's declarations.
  const connection = createChdbConnection({ path: dataDir }) as unknown as ClientOptions['connection'];
  const client = createClient({ connection });
  try {
    const counts = await one<{ rows: string; distinct: string }>(
      client,
      `SELECT count() AS rows, uniqExact(TraceId, SpanId) AS distinct FROM ${DATABASE}.${TABLE}`,
    );
    const asInserted = await diskPerSpan(client);
    await client.command({ query: `OPTIMIZE TABLE ${DATABASE}.${TABLE} FINAL` });
    const optimized = await diskPerSpan(client);
    const rs = await client.query({
      query: `SELECT column AS name, sum(column_data_compressed_bytes) AS c FROM system.parts_columns
              WHERE database = '${DATABASE}' AND table = '${TABLE}' AND active
              GROUP BY column ORDER BY c DESC LIMIT 6`,
      format: 'JSONEachRow',
    });
    const rows = Number(counts.rows);
    return {
      rows,
      distinctSpans: Number(counts.distinct),
      bytesPerSpanAsInserted: asInserted.perSpan,
      partsAsInserted: asInserted.parts,
      bytesPerSpanOptimized: optimized.perSpan,
      columns: (await rs.json<{ name: string; c: string }>()).map((c) => ({
        name: c.name,
        bytesPerSpan: Number(c.c) / rows,
      })),
    };
  } finally {
    await client.close();
  }
}
