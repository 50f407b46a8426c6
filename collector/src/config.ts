/**
 * Collector configuration: CLI flags over environment variables over defaults. Every knob is documented
 * here with its default and why.
 */
export interface CollectorConfig {
  /** HTTP port for OTLP, the API and the dashboard. `MCPSCOPE_PORT`, default 4318 (the OTLP/HTTP port). */
  port: number;
  /** Interface to listen on. `MCPSCOPE_HOST`, default 0.0.0.0 in a container, 127.0.0.1 otherwise. */
  host: string;
  /** Embedded ClickHouse data directory. `MCPSCOPE_DATA_DIR`, default ./mcpscope-data. */
  dataDir: string;
  /** ClickHouse server URL; when set, the embedded engine is not used. `CLICKHOUSE_URL`. */
  clickhouseUrl?: string;
  clickhouseUser?: string;
  clickhousePassword?: string;
  /** Database for all mcpscope tables. `CLICKHOUSE_DATABASE`, default `mcpscope`. */
  clickhouseDatabase: string;
  /** Cluster name: migrations run ON CLUSTER with Replicated + Distributed tables. `CLICKHOUSE_CLUSTER`. */
  clickhouseCluster?: string;
  /** Bearer token required on POST /v1/traces when set. `MCPSCOPE_INGEST_TOKEN`. */
  ingestToken?: string;
  /** Bearer token required on /api/* and the dashboard when set. `MCPSCOPE_READ_TOKEN`. */
  readToken?: string;
  /** Span retention in days (a TTL that drops whole parts). `MCPSCOPE_RETENTION_DAYS`, default 30. */
  retentionDays: number;
  /** Directory of the built dashboard; default: the one inside @mcpscope/dashboard. */
  dashboardDir?: string;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  const num = (v: string | undefined, d: number): number => {
    if (v === undefined || v === '') return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`invalid number: ${v}`);
    return n;
  };
  return {
    port: num(env['MCPSCOPE_PORT'], 4318),
    host: env['MCPSCOPE_HOST'] || '127.0.0.1',
    dataDir: env['MCPSCOPE_DATA_DIR'] || './mcpscope-data',
    clickhouseUrl: env['CLICKHOUSE_URL'] || undefined,
    clickhouseUser: env['CLICKHOUSE_USER'] || undefined,
    clickhousePassword: env['CLICKHOUSE_PASSWORD'] || undefined,
    clickhouseDatabase: env['CLICKHOUSE_DATABASE'] || 'mcpscope',
    clickhouseCluster: env['CLICKHOUSE_CLUSTER'] || undefined,
    ingestToken: env['MCPSCOPE_INGEST_TOKEN'] || undefined,
    readToken: env['MCPSCOPE_READ_TOKEN'] || undefined,
    retentionDays: num(env['MCPSCOPE_RETENTION_DAYS'], 30),
    dashboardDir: env['MCPSCOPE_DASHBOARD_DIR'] || undefined,
  };
}

/** Environment variables the collector reads (checked against docker-compose.yml by a test). */
export const CONFIG_ENV_VARS = [
  'MCPSCOPE_PORT',
  'MCPSCOPE_HOST',
  'MCPSCOPE_DATA_DIR',
  'CLICKHOUSE_URL',
  'CLICKHOUSE_USER',
  'CLICKHOUSE_PASSWORD',
  'CLICKHOUSE_DATABASE',
  'CLICKHOUSE_CLUSTER',
  'MCPSCOPE_INGEST_TOKEN',
  'MCPSCOPE_READ_TOKEN',
  'MCPSCOPE_RETENTION_DAYS',
  'MCPSCOPE_DASHBOARD_DIR',
] as const;
