/**
 * The OTLP metrics tables: the OpenTelemetry Collector ClickHouse exporter's five metric tables, with
 * its column names and types, so Grafana's ClickHouse data source and ClickStack read them as they read
 * the exporter's. One row per data point.
 *
 * What follows the exporter's current DDL (exporter/clickhouseexporter/internal/sqltemplates): the
 * columns, `MetricName LowCardinality`, daily partitions, the sort key (ServiceName, MetricName,
 * toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix) that keeps a series' points of an hour
 * together, the `TimeUnix` minmax index and `ttl_only_drop_parts`. What departs from it:
 * - times are DateTime64(9), as the exporter had them until recently and as `otel_traces` has them,
 *   not whole seconds: nothing of what a sender sent is lost, and readers see DateTime-like values;
 * - bloom filters only on the point attributes' keys and values (what the read API filters on), not
 *   on resource and scope attributes, as `otel_traces` drops them too;
 * - on a single node, insert deduplication remembers the last 1000 blocks (`non_replicated_
 *   deduplication_window`), so that a retried write stores nothing twice (see storage/writer.ts);
 *   Replicated tables deduplicate through Keeper already.
 * Retention is the spans' (`MCPSCOPE_RETENTION_DAYS`), counted from each point's time.
 */
import type { MetricKind } from './metricRows.js';
import type { DdlBuilder } from './schema.js';

/** Public table name of each metric type. */
export const METRIC_TABLES: Readonly<Record<MetricKind, string>> = {
  gauge: 'otel_metrics_gauge',
  sum: 'otel_metrics_sum',
  histogram: 'otel_metrics_histogram',
  exponential_histogram: 'otel_metrics_exponential_histogram',
  summary: 'otel_metrics_summary',
};

/** The date each metric table's TTL counts from (for schema.ts's retention changes). */
export const METRIC_TTL_COLUMNS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.values(METRIC_TABLES).map((t) => [t, 'toDate(TimeUnix)']),
);

const COMMON_COLUMNS = [
  'ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1))',
  'ResourceSchemaUrl String CODEC(ZSTD(1))',
  'ScopeName String CODEC(ZSTD(1))',
  'ScopeVersion String CODEC(ZSTD(1))',
  'ScopeAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1))',
  'ScopeDroppedAttrCount UInt32 CODEC(ZSTD(1))',
  'ScopeSchemaUrl String CODEC(ZSTD(1))',
  'ServiceName LowCardinality(String) CODEC(ZSTD(1))',
  'MetricName LowCardinality(String) CODEC(ZSTD(1))',
  'MetricDescription String CODEC(ZSTD(1))',
  'MetricUnit String CODEC(ZSTD(1))',
  'Attributes Map(LowCardinality(String), String) CODEC(ZSTD(1))',
  'StartTimeUnix DateTime64(9) CODEC(Delta, ZSTD(1))',
  'TimeUnix DateTime64(9) CODEC(Delta, ZSTD(1))',
];

const EXEMPLARS =
  'Exemplars Nested (\n' +
  '        FilteredAttributes Map(LowCardinality(String), String),\n' +
  '        TimeUnix DateTime64(9),\n' +
  '        Value Float64,\n' +
  '        SpanId String,\n' +
  '        TraceId String\n' +
  '    ) CODEC(ZSTD(1))';

/** The columns of each table after the common ones, in the exporter's order. */
const TYPE_COLUMNS: Readonly<Record<MetricKind, readonly string[]>> = {
  gauge: ['Value Float64 CODEC(ZSTD(1))', 'Flags UInt32 CODEC(ZSTD(1))', EXEMPLARS],
  sum: [
    'Value Float64 CODEC(ZSTD(1))',
    'Flags UInt32 CODEC(ZSTD(1))',
    EXEMPLARS,
    'AggregationTemporality Int32 CODEC(ZSTD(1))',
    'IsMonotonic Boolean CODEC(Delta, ZSTD(1))',
  ],
  histogram: [
    'Count UInt64 CODEC(Delta, ZSTD(1))',
    'Sum Float64 CODEC(ZSTD(1))',
    'BucketCounts Array(UInt64) CODEC(ZSTD(1))',
    'ExplicitBounds Array(Float64) CODEC(ZSTD(1))',
    EXEMPLARS,
    'Flags UInt32 CODEC(ZSTD(1))',
    'Min Float64 CODEC(ZSTD(1))',
    'Max Float64 CODEC(ZSTD(1))',
    'AggregationTemporality Int32 CODEC(ZSTD(1))',
  ],
  exponential_histogram: [
    'Count UInt64 CODEC(Delta, ZSTD(1))',
    'Sum Float64 CODEC(ZSTD(1))',
    'Scale Int32 CODEC(ZSTD(1))',
    'ZeroCount UInt64 CODEC(ZSTD(1))',
    'PositiveOffset Int32 CODEC(ZSTD(1))',
    'PositiveBucketCounts Array(UInt64) CODEC(ZSTD(1))',
    'NegativeOffset Int32 CODEC(ZSTD(1))',
    'NegativeBucketCounts Array(UInt64) CODEC(ZSTD(1))',
    EXEMPLARS,
    'Flags UInt32 CODEC(ZSTD(1))',
    'Min Float64 CODEC(ZSTD(1))',
    'Max Float64 CODEC(ZSTD(1))',
    'AggregationTemporality Int32 CODEC(ZSTD(1))',
  ],
  summary: [
    'Count UInt64 CODEC(Delta, ZSTD(1))',
    'Sum Float64 CODEC(ZSTD(1))',
    'ValueAtQuantiles Nested(\n        Quantile Float64,\n        Value Float64\n    ) CODEC(ZSTD(1))',
    'Flags UInt32 CODEC(ZSTD(1))',
  ],
};

const INDEXES = [
  'INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1',
  'INDEX idx_time_minmax TimeUnix TYPE minmax GRANULARITY 1',
];

function metricTable(b: DdlBuilder, kind: MetricKind): string[] {
  const body = [...COMMON_COLUMNS, ...TYPE_COLUMNS[kind], ...INDEXES].map((c) => `    ${c}`).join(',\n');
  const tail =
    'PARTITION BY toDate(TimeUnix)\n' +
    'ORDER BY (ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)\n' +
    b.ttl('toDate(TimeUnix)') +
    'SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1' +
    (b.clustered ? '' : ', non_replicated_deduplication_window = 1000');
  // One series per shard (deterministic, so a retried insert lands where the first attempt did and is
  // deduplicated there).
  return b.table(
    METRIC_TABLES[kind],
    body,
    { family: 'MergeTree', shardingKey: 'cityHash64(ServiceName, MetricName, cityHash64(Attributes))' },
    tail,
  );
}

/** Migration 10: the five metric tables. */
export function metricTables(b: DdlBuilder): string[] {
  return (Object.keys(METRIC_TABLES) as MetricKind[]).flatMap((kind) => metricTable(b, kind));
}
