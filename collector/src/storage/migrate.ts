/**
 * Applies the schema's versioned migrations. Safe to run from several collectors at once: every
 * statement is idempotent (`IF NOT EXISTS`), a lost creation race is ignored, and the ledger is a
 * ReplacingMergeTree, so two runs recording the same version leave one row.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { TABLES, type SchemaDdl } from './schema.js';
import { assertSupportedVersion } from './version.js';

/** ClickHouse error codes meaning "someone else created it first": TABLE_ALREADY_EXISTS, DATABASE_ALREADY_EXISTS. */
const ALREADY_EXISTS_CODES = new Set(['57', '82']);

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return code === undefined ? undefined : String(code);
  }
  return undefined;
}

async function runIdempotent(client: ClickHouseClient, statement: string): Promise<void> {
  try {
    await client.command({ query: statement });
  } catch (err) {
    if (ALREADY_EXISTS_CODES.has(errorCode(err) ?? '')) return;
    throw err;
  }
}

/** Reads `SELECT version()` and throws a clear error when it is older than the supported minimum. */
export async function checkServerVersion(client: ClickHouseClient): Promise<string> {
  const rs = await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
  const rows = await rs.json<{ v: string }>();
  const version = rows[0]?.v ?? '0';
  assertSupportedVersion(version);
  return version;
}

export interface MigrationResult {
  /** Versions applied by this run (empty when the schema was already current). */
  applied: number[];
}

/** Creates the database and ledger, then applies each migration not yet recorded, in order. */
export async function runMigrations(
  client: ClickHouseClient,
  ddl: SchemaDdl,
  database: string,
  log: (msg: string) => void = () => {},
): Promise<MigrationResult> {
  for (const statement of ddl.bootstrap) await runIdempotent(client, statement);
  const ledger = `\`${database}\`.\`${TABLES.migrations}\``;
  const rs = await client.query({ query: `SELECT DISTINCT Version FROM ${ledger}`, format: 'JSONEachRow' });
  const done = new Set((await rs.json<{ Version: number }>()).map((r) => Number(r.Version)));
  const applied: number[] = [];
  for (const m of [...ddl.migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements) await runIdempotent(client, statement);
    await client.insert({
      table: ledger,
      values: [{ Version: m.version, Name: m.name }],
      format: 'JSONEachRow',
    });
    applied.push(m.version);
    log(`schema migration ${m.version} (${m.name}) applied`);
  }
  return { applied };
}
