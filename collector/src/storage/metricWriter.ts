/**
 * Writes a batch of metric data points: one insert per metric table the batch touches, each named by
 * its own deduplication token derived from the write's, so that a retried write (same rows, same token,
 * after a failure that may have come after some tables were committed) stores nothing twice.
 *
 * Metric volumes are small next to spans (one row per series per export interval, 60 s by default),
 * so the rows go as plain JSONCompactEachRow rows under an explicit column list: none of the
 * per-batch dictionaries that span inserts need (writer.ts).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { MetricKind, MetricPoint } from './metricRows.js';
import { METRIC_TABLES } from './metricsSchema.js';
import { dedup } from './writer.js';

type PointOf<K extends MetricKind> = Extract<MetricPoint, { kind: K }>;

const COMMON = [
  'ResourceAttributes',
  'ResourceSchemaUrl',
  'ScopeName',
  'ScopeVersion',
  'ScopeAttributes',
  'ScopeDroppedAttrCount',
  'ScopeSchemaUrl',
  'ServiceName',
  'MetricName',
  'MetricDescription',
  'MetricUnit',
  'Attributes',
  'StartTimeUnix',
  'TimeUnix',
  'Flags',
] as const;

const EXEMPLARS = [
  'Exemplars.FilteredAttributes',
  'Exemplars.TimeUnix',
  'Exemplars.Value',
  'Exemplars.SpanId',
  'Exemplars.TraceId',
] as const;

/** The columns written for each metric type (every column of its table). */
export const METRIC_COLUMNS: { readonly [K in MetricKind]: readonly (keyof PointOf<K>)[] } = {
  gauge: [...COMMON, ...EXEMPLARS, 'Value'],
  sum: [...COMMON, ...EXEMPLARS, 'Value', 'AggregationTemporality', 'IsMonotonic'],
  histogram: [
    ...COMMON,
    ...EXEMPLARS,
    'Count',
    'Sum',
    'BucketCounts',
    'ExplicitBounds',
    'Min',
    'Max',
    'AggregationTemporality',
  ],
  exponential_histogram: [
    ...COMMON,
    ...EXEMPLARS,
    'Count',
    'Sum',
    'Scale',
    'ZeroCount',
    'PositiveOffset',
    'PositiveBucketCounts',
    'NegativeOffset',
    'NegativeBucketCounts',
    'Min',
    'Max',
    'AggregationTemporality',
  ],
  summary: [...COMMON, 'Count', 'Sum', 'ValueAtQuantiles.Quantile', 'ValueAtQuantiles.Value'],
};

/**
 * A cell as JSON for ClickHouse: non-finite doubles, which JSON cannot spell (JSON.stringify writes
 * `null`, which the engine would store as 0), as the quoted words the engine reads into a Float64.
 */
function cell(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : nonFinite(value);
  if (Array.isArray(value) && value.length > 0 && typeof value[0] === 'number') {
    return (value as number[]).some((v) => !Number.isFinite(v))
      ? (value as number[]).map((v) => (Number.isFinite(v) ? v : nonFinite(v)))
      : value;
  }
  return value;
}

function nonFinite(value: number): string {
  return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
}

export class MetricWriter {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  /** Writes `rows`; resolves once every table's insert has committed. See the file comment on `token`. */
  async write(rows: readonly MetricPoint[], token?: string): Promise<void> {
    const byKind = new Map<MetricKind, MetricPoint[]>();
    for (const row of rows) {
      const group = byKind.get(row.kind);
      if (group === undefined) byKind.set(row.kind, [row]);
      else group.push(row);
    }
    for (const [kind, group] of byKind) {
      const columns = METRIC_COLUMNS[kind] as readonly string[];
      await this.client.insert({
        table: `\`${this.database}\`.\`${METRIC_TABLES[kind]}\``,
        values: group.map((row) => columns.map((c) => cell((row as unknown as Record<string, unknown>)[c]))),
        format: 'JSONCompactEachRow',
        columns: [...columns] as [string, ...string[]],
        clickhouse_settings: {
          ...dedup(token, kind),
          // Points from a sender replaying old data may fall on more than 100 days (see writer.ts).
          throw_on_max_partitions_per_insert_block: 0,
        },
      });
    }
  }
}
