import { describe, expect, it } from 'vitest';
import { METRIC_TABLES } from './metricsSchema.js';
import { buildMigrations } from './schema.js';

const migration10 = (opts: { cluster?: string; retentionDays: number }) =>
  buildMigrations({ database: 'db', ...opts }).migrations.find((m) => m.version === 10)!;

describe('migration 10: the OTLP metric tables', () => {
  it('creates the five exporter tables on a single node, with deduplication and the retention TTL', () => {
    const m = migration10({ retentionDays: 14 });
    expect(m.name).toBe('otel_metrics');
    expect(m.statements).toHaveLength(5);
    for (const table of Object.values(METRIC_TABLES)) {
      const ddl = m.statements.find((s) => s.includes(`\`db\`.\`${table}\` (`))!;
      expect(ddl).toMatch(/^CREATE TABLE IF NOT EXISTS /);
      expect(ddl).toContain('ENGINE = MergeTree\n');
      expect(ddl).toContain('TTL toDate(TimeUnix) + INTERVAL 14 DAY');
      expect(ddl).toContain('non_replicated_deduplication_window = 1000');
      for (const column of ['ResourceAttributes', 'ServiceName', 'MetricName', 'Attributes', 'TimeUnix'])
        expect(ddl).toContain(`    ${column} `);
    }
    const histogram = m.statements.find((s) => s.includes('otel_metrics_histogram'))!;
    expect(histogram).toContain('BucketCounts Array(UInt64)');
    expect(histogram).toContain('ExplicitBounds Array(Float64)');
    expect(histogram).toContain('AggregationTemporality Int32');
  });

  it('creates Replicated local tables and Distributed tables ON CLUSTER, without a TTL when retention is off', () => {
    const m = migration10({ cluster: 'c1', retentionDays: 0 });
    expect(m.statements).toHaveLength(10);
    const local = m.statements.find((s) => s.includes('`db`.`otel_metrics_sum_local` ON CLUSTER'))!;
    expect(local).toContain(
      "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/otel_metrics_sum_local'",
    );
    expect(local).not.toContain('TTL');
    expect(local).not.toContain('non_replicated_deduplication_window');
    const distributed = m.statements.find((s) => s.includes('`db`.`otel_metrics_sum` ON CLUSTER'))!;
    expect(distributed).toContain(
      "ENGINE = Distributed('c1', 'db', 'otel_metrics_sum_local', cityHash64(ServiceName, MetricName, cityHash64(Attributes)))",
    );
  });
});
