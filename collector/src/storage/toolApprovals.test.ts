import { describe, expect, it } from 'vitest';
import { buildMigrations } from './schema.js';
import { TOOL_APPROVALS_TABLE } from './toolApprovals.js';

const statementsOf = (ddl: ReturnType<typeof buildMigrations>) =>
  ddl.migrations.find((m) => m.version === 13 && m.name === TOOL_APPROVALS_TABLE)?.statements ?? [];

describe('the approvals table (migration 13)', () => {
  it('appends one row per approval, never replaced and without a TTL', () => {
    const statements = statementsOf(buildMigrations({ database: 'db', retentionDays: 7 }));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toContain(`CREATE TABLE IF NOT EXISTS \`db\`.\`${TOOL_APPROVALS_TABLE}\``);
    expect(statements[0]).toMatch(/ENGINE = MergeTree\nORDER BY \(ServerIdentity, ApprovedAt, Id\)$/);
    expect(statements[0]).not.toContain('TTL');
  });

  it('shards by server identity in cluster mode, so every approval of a server is on one shard', () => {
    const statements = statementsOf(buildMigrations({ database: 'obs', cluster: 'prod', retentionDays: 7 }));
    expect(statements).toHaveLength(2);
    expect(statements[0]).toContain(
      `ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/${TOOL_APPROVALS_TABLE}_local', '{replica}')`,
    );
    expect(statements[1]).toContain(
      `Distributed('prod', 'obs', '${TOOL_APPROVALS_TABLE}_local', cityHash64(ServerIdentity))`,
    );
    for (const s of statements) expect(s.split('\n')[0]).toContain(" ON CLUSTER 'prod'");
  });
});
