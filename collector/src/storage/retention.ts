/**
 * Keeps the tables' TTL in step with `MCPSCOPE_RETENTION_DAYS` across restarts: the migrations create
 * tables once, so a changed setting is applied here, only to tables whose TTL differs.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { buildRetentionChanges, type SchemaOptions } from './schema.js';

/** Days of the TTL in a table's `engine_full` (`toIntervalDay(N)`), 0 when it has none. */
export function retentionDaysOf(engineFull: string): number {
  const m = /\bTTL\b[^]*?toIntervalDay\((\d+)\)/.exec(engineFull);
  return m ? Number(m[1]) : 0;
}

/** Applies the configured retention where it differs; returns the tables changed. */
export async function applyRetention(
  client: ClickHouseClient,
  opts: SchemaOptions,
  log: (msg: string) => void = () => {},
): Promise<string[]> {
  const changes = buildRetentionChanges(opts);
  const rs = await client.query({
    query:
      'SELECT name, engine_full FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}',
    query_params: { db: opts.database, names: changes.map((c) => c.table) },
    format: 'JSONEachRow',
  });
  const current = new Map(
    (await rs.json<{ name: string; engine_full: string }>()).map((r) => [
      r.name,
      retentionDaysOf(r.engine_full),
    ]),
  );
  const changed: string[] = [];
  for (const c of changes) {
    const days = current.get(c.table);
    if (days === undefined || days === opts.retentionDays) continue;
    await client.command({ query: c.statement });
    changed.push(c.table);
    log(`retention of ${c.table}: ${days || 'none'} → ${opts.retentionDays || 'none'} days`);
  }
  return changed;
}
