/**
 * Oldest ClickHouse release the schema and queries run on: 23.8 LTS. Older releases lack pieces we rely
 * on together — `Map(LowCardinality(String), String)` in Nested columns written by JSONEachRow,
 * `ttl_only_drop_parts` with a date TTL, `ADD COLUMN IF NOT EXISTS`, typed query parameters
 * (`{name:Type}`) in every statement including `INSERT … SELECT`, and `quantilesTDigest` states in
 * `AggregatingMergeTree`s fed by materialized views.
 */
export const MIN_CLICKHOUSE_VERSION = '23.8';

/** Thrown by {@link assertSupportedVersion} when the server is older than {@link MIN_CLICKHOUSE_VERSION}. */
export class UnsupportedClickHouseVersionError extends Error {
  readonly code = 'UNSUPPORTED_CLICKHOUSE_VERSION';
  constructor(readonly found: string) {
    super(
      `ClickHouse ${found} is too old for mcpscope: the minimum supported version is ${MIN_CLICKHOUSE_VERSION}. ` +
        `Upgrade the server (or unset CLICKHOUSE_URL to use the embedded engine).`,
    );
    this.name = 'UnsupportedClickHouseVersionError';
  }
}

function parts(version: string): number[] {
  return version.split('.').map((p) => {
    const n = Number.parseInt(p, 10);
    return Number.isFinite(n) ? n : 0;
  });
}

/** Compares dotted versions numerically: negative when `a` is older than `b`. */
export function compareVersions(a: string, b: string): number {
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Throws {@link UnsupportedClickHouseVersionError} when `version` (from `SELECT version()`) is too old. */
export function assertSupportedVersion(version: string): void {
  if (compareVersions(version, MIN_CLICKHOUSE_VERSION) < 0)
    throw new UnsupportedClickHouseVersionError(version);
}
