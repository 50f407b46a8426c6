/**
 * Storage: opens ClickHouse (embedded chdb by default, a server when `CLICKHOUSE_URL` is set), checks
 * its version, runs the migrations, and exposes the span writer and the read queries.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { CollectorConfig } from '../config.js';
import { connectClickHouse } from './client.js';
import { checkServerVersion, runMigrations } from './migrate.js';
import { applyRetention } from './retention.js';
import { createQueries, type Queries } from './queries/index.js';
import type { SpanRow, SpanStore } from './rows.js';
import { buildMigrations, TABLES } from './schema.js';
import { SpanWriter } from './writer.js';
import { MetricWriter } from './metricWriter.js';
import type { MetricPoint, MetricStore } from './metricRows.js';
import { RootCauseUpdater, type RootCauseStats } from './rootCauses.js';

export type { Queries } from './queries/index.js';
export type * from './queries/filters.js';
export { buildMigrations, TABLES } from './schema.js';
export { MIN_CLICKHOUSE_VERSION, UnsupportedClickHouseVersionError } from './version.js';

export interface Storage extends SpanStore, MetricStore {
  /** Throws when ClickHouse cannot answer a trivial query. */
  ping(): Promise<void>;
  /** Writes one small row: throws when storage cannot take writes (a full disk, read-only). */
  probeWrite(): Promise<void>;
  /** Closes the client (and with it the embedded engine's connection). */
  close(): Promise<void>;
  queries: Queries;
  /** For /readyz, e.g. "embedded ClickHouse 26.7.2.1": the engine and version, never where it lives. */
  describe(): string;
  /** The client and database, for modules that keep tables of their own (alerts/). */
  clickhouse: { client: ClickHouseClient; database: string };
  /** The per-call verdicts kept after ingest (storage/rootCauses.ts). */
  rootCauses: {
    /** Decides every trace waiting for its verdict now. */
    flush(): Promise<void>;
    readonly stats: RootCauseStats;
  };
}

export interface OpenStorageOptions {
  /** Progress lines (version, applied migrations). Default: silent. */
  log?: (msg: string) => void;
}

/** Connects, checks the server version, migrates, and returns the ready storage. */
export async function openStorage(config: CollectorConfig, opts: OpenStorageOptions = {}): Promise<Storage> {
  const log = opts.log ?? (() => {});
  const conn = connectClickHouse(config);
  const { client } = conn;
  const database = config.clickhouseDatabase;
  try {
    const version = await checkServerVersion(client);
    const description = `${conn.embedded ? 'embedded ClickHouse' : 'ClickHouse'} ${version}`;
    log(
      `storage: ${description} at ${conn.location}${config.clickhouseCluster ? ` (cluster ${config.clickhouseCluster})` : ''}`,
    );
    const schema = {
      database,
      cluster: config.clickhouseCluster,
      retentionDays: config.retentionDays,
      serverVersion: version,
    };
    await runMigrations(client, buildMigrations(schema), database, log);
    await applyRetention(client, schema, log);
    const writer = new SpanWriter(client, database);
    const metricWriter = new MetricWriter(client, database);
    const rootCauses = new RootCauseUpdater(client, database, { log });
    rootCauses.catchUp().catch((err: unknown) => log(`root causes: catching up failed: ${String(err)}`));
    return {
      async insert(rows: SpanRow[], token?: string) {
        await writer.write(rows, token);
        rootCauses.noteCommitted(rows);
      },
      insertMetrics: (rows: MetricPoint[], token?: string) => metricWriter.write(rows, token),
      async probeWrite() {
        await client.insert({
          table: `\`${database}\`.\`${TABLES.writeProbe}\``,
          values: [{ At: Date.now() }],
          format: 'JSONEachRow',
          // The embedded engine keeps settings between statements: clear a span write's token.
          clickhouse_settings: { insert_deduplication_token: '' },
        });
      },
      async ping() {
        const r = await client.ping();
        if (!r.success) throw r.error;
      },
      async close() {
        await rootCauses.close();
        await client.close();
      },
      queries: createQueries(client, database),
      clickhouse: { client, database },
      describe: () => description,
      rootCauses,
    };
  } catch (err) {
    await client.close().catch(() => {});
    throw err;
  }
}
