import { describe, expect, it } from 'vitest';
import { ALERT_TABLES } from './alertsSchema.js';
import { buildMigrations } from './schema.js';

const statementsOf = (ddl: ReturnType<typeof buildMigrations>) =>
  ddl.migrations.find((m) => m.name === 'mcp_alerts')?.statements ?? [];

describe('alert tables', () => {
  it('keep the latest version of each rule and firing, without a TTL', () => {
    const statements = statementsOf(buildMigrations({ database: 'db', retentionDays: 7 }));
    expect(statements).toHaveLength(2);
    const [rules, firings] = statements;
    expect(rules).toContain(`CREATE TABLE IF NOT EXISTS \`db\`.\`${ALERT_TABLES.rules}\``);
    expect(rules).toMatch(/ENGINE = ReplacingMergeTree\(Version\)\nORDER BY Id$/);
    expect(firings).toMatch(/ENGINE = ReplacingMergeTree\(Version\)\nORDER BY \(RuleId, FiringId\)$/);
    for (const s of statements) expect(s).not.toContain('TTL');
  });

  it('shard by rule in cluster mode, so FINAL sees every version of a rule on one shard', () => {
    const statements = statementsOf(buildMigrations({ database: 'obs', cluster: 'prod', retentionDays: 7 }));
    expect(statements).toHaveLength(4);
    expect(statements.find((s) => s.includes(`'${ALERT_TABLES.rules}_local', `))).toContain(
      'cityHash64(Id))',
    );
    expect(statements.find((s) => s.includes(`'${ALERT_TABLES.firings}_local', `))).toContain(
      'cityHash64(RuleId))',
    );
    for (const s of statements) expect(s.split('\n')[0]).toContain(" ON CLUSTER 'prod'");
  });
});
