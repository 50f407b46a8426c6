import { describe, expect, it } from 'vitest';
import { retentionDaysOf } from './retention.js';
import { METRIC_TABLES } from './metricsSchema.js';
import { buildMigrations, buildRetentionChanges, TABLES } from './schema.js';

const all = (ddl: ReturnType<typeof buildMigrations>) => [
  ...ddl.bootstrap,
  ...ddl.migrations.flatMap((m) => m.statements),
];

describe('buildMigrations (single node)', () => {
  const ddl = buildMigrations({ database: 'mcpscope', retentionDays: 30 });
  const statements = all(ddl);

  it('versions migrations strictly increasing and makes every statement idempotent', () => {
    const versions = ddl.migrations.map((m) => m.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    // CREATE … IF NOT EXISTS, an ALTER … MODIFY COLUMN or SETTING that sets a value (repeatable), or an
    // ALTER whose every ADD COLUMN or ADD INDEX says IF NOT EXISTS.
    for (const s of statements) {
      expect(s).toMatch(
        /^(CREATE (DATABASE|TABLE|MATERIALIZED VIEW) IF NOT EXISTS |ALTER TABLE \S+ (MODIFY (COLUMN|SETTING)|ADD (COLUMN|INDEX) IF NOT EXISTS) )/,
      );
      expect(s).not.toMatch(/ADD (COLUMN|INDEX) (?!IF NOT EXISTS)/);
    }
  });

  it('keeps root causes one row per trace, the latest version winning', () => {
    const table = statements.find((s) => s.includes('`mcp_root_causes` ('));
    expect(table).toContain('ENGINE = ReplacingMergeTree(Version)');
    expect(table).toContain('ORDER BY TraceId');
    expect(table).not.toContain('PARTITION BY');
    expect(table).toContain('TTL toDate(Start) + INTERVAL 30 DAY');
  });

  it('redefines IsError so that every failed call counts, the caller-fault refusals included', () => {
    const alter = statements.find((s) => s.includes('MODIFY COLUMN IsError'));
    expect(alter).toContain(
      "MATERIALIZED StatusCode = 'Error' OR SpanAttributes['error.type'] != '' OR SpanAttributes['mcpscope.fault'] != ''",
    );
    expect(ddl.migrations.find((m) => m.version === 7)?.statements).toContain(alter);
  });

  it('uses plain engines, no cluster clause and the public table names', () => {
    for (const s of statements) {
      expect(s).not.toContain('ON CLUSTER');
      expect(s).not.toContain('Replicated');
      expect(s).not.toContain('Distributed');
      expect(s).not.toContain('_local');
    }
    const spans = statements.find((s) => s.includes('`otel_traces` ('));
    expect(spans).toContain('ENGINE = MergeTree');
    expect(spans).toContain('Timestamp DateTime64(9) CODEC(Delta(8), ZSTD(1))');
    expect(spans).toContain('SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(6))');
    expect(spans).toContain(
      'ResourceAttributes Map(LowCardinality(String), LowCardinality(String)) CODEC(ZSTD(1))',
    );
    expect(spans).toContain('INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1');
    expect(spans).toContain('PARTITION BY toDate(Timestamp)');
    expect(spans).toContain('TTL toDate(Timestamp) + INTERVAL 30 DAY');
    expect(spans).toContain('ttl_only_drop_parts = 1');
    for (const col of [
      'McpMethod',
      'McpTool',
      'McpServer',
      'McpSession',
      'McpLayer',
      'ErrorType',
      'Fault',
      'IsError',
    ]) {
      expect(spans).toMatch(new RegExp(`\\n    ${col} [^\\n]* MATERIALIZED `));
    }
  });

  it('omits the TTL when retention is 0 (keep everything) and refuses unsafe names', () => {
    const forever = all(buildMigrations({ database: 'db', retentionDays: 0 }));
    // The write probe's rows live a day whatever the retention: they are not data.
    for (const s of forever.filter((x) => !x.includes(TABLES.writeProbe))) expect(s).not.toContain('TTL ');
    expect(() => buildMigrations({ database: 'x; DROP TABLE y', retentionDays: 1 })).toThrow(/database name/);
    expect(() => buildMigrations({ database: 'db', cluster: "a' b", retentionDays: 1 })).toThrow(
      /cluster name/,
    );
    expect(() => buildMigrations({ database: 'db', retentionDays: 1.5 })).toThrow(/retentionDays/);
  });
});

describe('buildMigrations (cluster)', () => {
  const ddl = buildMigrations({ database: 'obs', cluster: 'prod', retentionDays: 14 });
  const statements = all(ddl);
  const dataTables = Object.values(TABLES);

  it('runs every statement ON CLUSTER', () => {
    for (const s of statements) expect(s.split('\n')[0]).toContain(" ON CLUSTER 'prod'");
  });

  it('creates Replicated local tables with shard/replica paths and a Distributed table per public name', () => {
    for (const name of dataTables) {
      const local = statements.find((s) =>
        s.startsWith(`CREATE TABLE IF NOT EXISTS \`obs\`.\`${name}_local\``),
      );
      expect(local, name).toMatch(
        new RegExp(
          `ENGINE = Replicated\\w*MergeTree\\('/clickhouse/tables/\\{shard\\}/\\{database\\}/${name}_local', '\\{replica\\}'(, \\w+)?\\)`,
        ),
      );
      const dist = statements.find((s) =>
        s.startsWith(`CREATE TABLE IF NOT EXISTS \`obs\`.\`${name}\` ON CLUSTER`),
      );
      expect(dist, name).toContain(`AS \`obs\`.\`${name}_local\``);
      expect(dist, name).toMatch(new RegExp(`ENGINE = Distributed\\('prod', 'obs', '${name}_local', .+\\)`));
    }
    const engines = statements
      .filter((s) => s.includes('ENGINE = '))
      .map((s) => /ENGINE = (\w+)/.exec(s)?.[1]);
    expect(new Set(engines)).toEqual(
      new Set([
        'ReplicatedMergeTree',
        'ReplicatedAggregatingMergeTree',
        'ReplicatedReplacingMergeTree',
        'Distributed',
      ]),
    );
  });

  it('shards spans, the trace lookup and payloads by TraceId so a trace lives on one shard', () => {
    for (const name of [TABLES.spans, TABLES.traceIdTs, TABLES.payloads]) {
      const dist = statements.find((s) => s.includes(`'${name}_local', `));
      expect(dist, name).toContain(`'${name}_local', cityHash64(TraceId))`);
    }
  });

  it('points materialized views from the local span table into local targets', () => {
    const views = statements.filter((s) => s.startsWith('CREATE MATERIALIZED VIEW'));
    expect(views).toHaveLength(2);
    for (const v of views) {
      expect(v).toMatch(/TO `obs`\.`\w+_local`/);
      expect(v).toContain('FROM `obs`.`otel_traces_local`');
    }
  });

  it('keeps the TTL on the replicated tables', () => {
    const local = statements.find((s) => s.includes('`otel_traces_local` ON CLUSTER'));
    expect(local).toContain('TTL toDate(Timestamp) + INTERVAL 14 DAY');
  });
});

describe('buildRetentionChanges', () => {
  it('modifies the TTL of every TTL table without rewriting parts, or removes it for 0', () => {
    const changes = buildRetentionChanges({ database: 'db', retentionDays: 9 });
    expect(changes.map((c) => c.table).sort()).toEqual(
      [
        TABLES.payloads,
        TABLES.rollup,
        TABLES.spans,
        TABLES.traceIdTs,
        TABLES.rootCauses,
        ...Object.values(METRIC_TABLES),
      ].sort(),
    );
    for (const c of changes) {
      expect(c.statement).toMatch(
        /^ALTER TABLE `db`\.`\w+` MODIFY TTL toDate\(\w+\) \+ INTERVAL 9 DAY SETTINGS materialize_ttl_after_modify = 0$/,
      );
    }
    for (const c of buildRetentionChanges({ database: 'db', retentionDays: 0 }))
      expect(c.statement).toMatch(/ REMOVE TTL$/);
  });

  it('targets the local tables ON CLUSTER in cluster mode', () => {
    for (const c of buildRetentionChanges({ database: 'db', cluster: 'c1', retentionDays: 2 })) {
      expect(c.table).toMatch(/_local$/);
      expect(c.statement).toContain(`\`${c.table}\` ON CLUSTER 'c1' MODIFY TTL`);
    }
  });

  it('reads the days back from engine_full', () => {
    expect(
      retentionDaysOf(
        'MergeTree PARTITION BY toDate(Timestamp) ORDER BY x TTL toDate(Timestamp) + toIntervalDay(30) SETTINGS a = 1',
      ),
    ).toBe(30);
    expect(retentionDaysOf('MergeTree ORDER BY x SETTINGS index_granularity = 8192')).toBe(0);
  });
});

describe('version-dependent table settings', () => {
  const spans = (serverVersion?: string) =>
    all(buildMigrations({ database: 'mcpscope', retentionDays: 30, serverVersion })).find((s) =>
      s.includes('`otel_traces` ('),
    );

  it('lowers merge write amplification only on servers that know merge_selector_base', () => {
    expect(spans('26.7.2.1')).toContain('merge_selector_base = 10');
    expect(spans('24.11.1')).toContain('merge_selector_base = 10');
    expect(spans('24.8.4.13')).not.toContain('merge_selector_base');
    expect(spans('23.8')).not.toContain('merge_selector_base');
    expect(spans(undefined)).not.toContain('merge_selector_base');
  });
});
