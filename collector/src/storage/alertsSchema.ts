/**
 * The alerting tables (collector/src/alerts/): rules and firings. Both are small — a rule per row, a
 * firing per transition to firing — and both are rewritten whole when they change: ReplacingMergeTree
 * keeps the highest `Version` of a key and readers use FINAL. Neither has a TTL: rules are
 * configuration, and the firing history is what on-call engineers look back on (it grows by one row per
 * incident, not per evaluation).
 *
 * Sharded by rule id in cluster mode, so every version of a rule, and every firing of a rule, lives on
 * one shard and FINAL through the Distributed table sees all of them.
 */
import type { DdlBuilder } from './schema.js';

/** Public table names of the alerting tables. */
export const ALERT_TABLES = {
  rules: 'mcp_alert_rules',
  firings: 'mcp_alert_firings',
} as const;

/**
 * One row per rule version. `Definition` is the validated rule as JSON (alerts/rule.ts), so a new
 * optional field needs no migration. `Deleted` marks a deleted rule (a newer version of the same key),
 * `Source` is 'api' or 'file' (rules loaded from `MCPSCOPE_ALERT_RULES`).
 */
function rulesTable(b: DdlBuilder): string[] {
  const body = [
    '    Id String,',
    '    Version UInt64,',
    '    Name String,',
    '    Source LowCardinality(String),',
    '    Definition String CODEC(ZSTD(1)),',
    '    MutedUntil Nullable(DateTime64(3)),',
    '    Deleted UInt8,',
    '    CreatedAt DateTime64(3),',
    '    UpdatedAt DateTime64(3)',
  ].join('\n');
  return b.table(
    ALERT_TABLES.rules,
    body,
    { family: 'ReplacingMergeTree', shardingKey: 'cityHash64(Id)', args: 'Version' },
    'ORDER BY Id',
  );
}

/**
 * One row per firing (an alert from the evaluation that found its rule breached to the one that
 * resolved it). `Rule` is the rule as it was when it fired (JSON), so the history and the resolved
 * notification outlive a deleted rule. `Notifications` is a JSON array of the webhook deliveries of the
 * firing — one per notification, with its attempts and last error.
 */
function firingsTable(b: DdlBuilder): string[] {
  const body = [
    '    RuleId String,',
    '    FiringId String,',
    '    Version UInt64,',
    '    Rule String CODEC(ZSTD(1)),',
    '    Status LowCardinality(String),',
    '    StartsAt DateTime64(3),',
    '    EndsAt Nullable(DateTime64(3)),',
    '    StartValue Nullable(Float64),',
    '    LastValue Nullable(Float64),',
    '    OkStreak UInt32,',
    '    Notifications String CODEC(ZSTD(1)),',
    '    UpdatedAt DateTime64(3)',
  ].join('\n');
  return b.table(
    ALERT_TABLES.firings,
    body,
    { family: 'ReplacingMergeTree', shardingKey: 'cityHash64(RuleId)', args: 'Version' },
    'ORDER BY (RuleId, FiringId)',
  );
}

/** The statements of the alerting migration. */
export function alertTables(b: DdlBuilder): string[] {
  return [...rulesTable(b), ...firingsTable(b)];
}
