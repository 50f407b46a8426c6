/**
 * Collector configuration: CLI flags over environment variables over defaults. Every knob is documented
 * here with its default and why.
 */
export interface CollectorConfig {
  /** HTTP port for OTLP, the API and the dashboard. `MCPSCOPE_PORT`, default 4318 (the OTLP/HTTP port). */
  port: number;
  /** Interface to listen on. `MCPSCOPE_HOST`, default 0.0.0.0 in a container, 127.0.0.1 otherwise. */
  host: string;
  /**
   * Port of the OTLP/gRPC receiver (traces, and metrics once stored), on the same interface.
   * `MCPSCOPE_GRPC_PORT`, default 4317 (the OTLP/gRPC port, where OpenTelemetry SDKs and the
   * OpenTelemetry Collector send by default); `0` or `off` turns it off, and so does leaving it unset
   * in a config built by hand.
   */
  grpcPort?: number;
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
  /**
   * Spans accepted and not yet committed beyond which OTLP requests get 429 (the sender retries).
   * `MCPSCOPE_QUEUE_MAX_SPANS`, default 200 000 (see BatcherOptions.maxQueueSpans).
   */
  queueMaxSpans?: number;
  /** Approximate bytes of such spans beyond which requests get 429. `MCPSCOPE_QUEUE_MAX_BYTES`, default 256 MiB. */
  queueMaxBytes?: number;
  /**
   * Most spans in one insert. `MCPSCOPE_BATCH_MAX_ROWS`, default 50 000 (see BatcherOptions.maxBatchRows):
   * under load, the requests that wait for a free insert slot all go in the next insert, up to this.
   */
  batchMaxRows?: number;
  /**
   * Longest time a request may take to arrive, headers and body, in ms; a slower one is answered 408
   * and its connection closed. Waiting for the commit after the body arrived is not counted.
   * `MCPSCOPE_BODY_TIMEOUT_MS`, default 30 000 (see DEFAULT_BODY_TIMEOUT_MS in app.ts).
   */
  bodyTimeoutMs?: number;
  /**
   * Longest time a shutdown waits for open connections before closing them, in ms (a request whose
   * spans are being committed is still answered). `MCPSCOPE_SHUTDOWN_GRACE_MS`, default 5 000
   * (see DEFAULT_SHUTDOWN_GRACE_MS in app.ts).
   */
  shutdownGraceMs?: number;
  /**
   * Memory the collector may use, in MiB: the embedded engine's queries together get at most 60 % of
   * it, and above 85 % resident (Node and the engine) requests get 429 until it falls back.
   * `MCPSCOPE_MEMORY_LIMIT_MB`, default 2048 — at saturation on the ingest benchmark the collector
   * stays near 1.2 GB, so a laptop keeps the rest.
   */
  memoryLimitMb: number;
  /**
   * Seconds between two evaluations of the alert rules. `MCPSCOPE_ALERT_INTERVAL_S`, default 30 (as
   * Prometheus' and Grafana's default evaluation interval). 0 turns evaluation off in this collector
   * while rules stay manageable: with several collectors on one database, let one evaluate.
   */
  alertIntervalS: number;
  /**
   * A YAML or JSON file of alert rules applied at start (collector/src/alerts/ruleFile.ts), for teams
   * that keep them in git. `MCPSCOPE_ALERT_RULES`.
   */
  alertRulesPath?: string;
  /**
   * The dashboard's address as on-call engineers open it (behind a proxy or load balancer), used in
   * the links of alert notifications. `MCPSCOPE_PUBLIC_URL`, default: the collector's own address.
   */
  publicUrl?: string;
}

/** Default of {@link CollectorConfig.memoryLimitMb}. */
export const DEFAULT_MEMORY_LIMIT_MB = 2048;

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
    grpcPort: grpcPortFromEnv(env['MCPSCOPE_GRPC_PORT']),
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
    queueMaxSpans: optionalCount(env, 'MCPSCOPE_QUEUE_MAX_SPANS'),
    queueMaxBytes: optionalCount(env, 'MCPSCOPE_QUEUE_MAX_BYTES'),
    batchMaxRows: optionalCount(env, 'MCPSCOPE_BATCH_MAX_ROWS'),
    bodyTimeoutMs: optionalMs(env, 'MCPSCOPE_BODY_TIMEOUT_MS'),
    shutdownGraceMs: optionalMs(env, 'MCPSCOPE_SHUTDOWN_GRACE_MS'),
    memoryLimitMb: optionalCount(env, 'MCPSCOPE_MEMORY_LIMIT_MB') ?? DEFAULT_MEMORY_LIMIT_MB,
    alertIntervalS: alertInterval(env['MCPSCOPE_ALERT_INTERVAL_S']),
    alertRulesPath: env['MCPSCOPE_ALERT_RULES'] || undefined,
    publicUrl: env['MCPSCOPE_PUBLIC_URL']?.replace(/\/+$/, '') || undefined,
  };
}

/** Default of {@link CollectorConfig.grpcPort}: the OTLP/gRPC port. */
export const DEFAULT_GRPC_PORT = 4317;

/** `MCPSCOPE_GRPC_PORT`: a port, or `0` / `off` for no gRPC receiver. */
function grpcPortFromEnv(v: string | undefined): number {
  if (v === undefined || v === '') return DEFAULT_GRPC_PORT;
  if (v.trim().toLowerCase() === 'off') return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`invalid number: MCPSCOPE_GRPC_PORT=${v} (expected a port, 0 or off)`);
  return n;
}

/** A positive integer from the environment, or undefined when unset (the component's default applies). */
function optionalCount(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`invalid number: ${name}=${v} (expected a positive integer)`);
  return n;
}

/** Node's timers hold at most 2^31 − 1 ms (24.8 days); a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A duration in ms from the environment (a positive integer a timer can hold), or undefined when unset. */
function optionalMs(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const n = optionalCount(env, name);
  if (n !== undefined && n > MAX_TIMER_MS)
    throw new Error(`invalid duration: ${name}=${n} (at most ${MAX_TIMER_MS} ms)`);
  return n;
}

/** Default of {@link CollectorConfig.alertIntervalS}. */
export const DEFAULT_ALERT_INTERVAL_S = 30;

/** `MCPSCOPE_ALERT_INTERVAL_S`: seconds (fractions allowed), 0 for off, at most what a timer holds. */
function alertInterval(v: string | undefined): number {
  if (v === undefined || v === '') return DEFAULT_ALERT_INTERVAL_S;
  const n = Number(v);
  if (!/^\d+(\.\d+)?$/.test(v.trim()) || n * 1000 > MAX_TIMER_MS)
    throw new Error(`invalid number: MCPSCOPE_ALERT_INTERVAL_S=${v} (expected seconds, or 0 for off)`);
  return n;
}

/** Environment variables the collector reads (checked against docker-compose.yml by a test). */
export const CONFIG_ENV_VARS = [
  'MCPSCOPE_PORT',
  'MCPSCOPE_HOST',
  'MCPSCOPE_GRPC_PORT',
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
  'MCPSCOPE_QUEUE_MAX_SPANS',
  'MCPSCOPE_QUEUE_MAX_BYTES',
  'MCPSCOPE_BATCH_MAX_ROWS',
  'MCPSCOPE_BODY_TIMEOUT_MS',
  'MCPSCOPE_SHUTDOWN_GRACE_MS',
  'MCPSCOPE_MEMORY_LIMIT_MB',
  'MCPSCOPE_ALERT_INTERVAL_S',
  'MCPSCOPE_ALERT_RULES',
  'MCPSCOPE_PUBLIC_URL',
] as const;
