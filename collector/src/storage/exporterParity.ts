import { TABLES, type DdlBuilder } from './schema.js';

// What the OpenTelemetry Collector's ClickHouse exporter (and ClickStack, which builds on its schema)
// puts on `otel_traces` beyond the columns mcpscope already had, so tools written for those tables read
// mcpscope's unchanged (issue #13):
//
// - `ResourceAttributeItems` and `SpanAttributeItems`: ALIAS columns holding each map as `key=value`
//   strings. ClickStack rewrites `SpanAttributes['k'] = 'v'` into `has(SpanAttributeItems, 'k=v')`.
//   ALIAS columns cost nothing on disk or at insert: they are computed when a query reads them.
// - The exporter's skip indexes: bloom filters over the keys and values of both attribute maps, and a
//   token bloom filter over the lower-cased span name (`idx_lower_span_name`, for name search).
//   mcpscope's own views filter on its MATERIALIZED MCP columns and do not need them; they are here for
//   the exporter's readers, and their ingest cost is measured by `npm run bench:ingest`.
//
// In cluster mode the indexes live on the `_local` table (where the data is); the ALIAS columns are
// added to both, since queries go through the Distributed table.

const items = (map: string): string =>
  `arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(${map}, 'Array(Tuple(String, String))'))`;

const INDEXES: ReadonlyArray<[name: string, definition: string]> = [
  ['idx_res_attr_key', 'mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1'],
  ['idx_res_attr_value', 'mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1'],
  ['idx_span_attr_key', 'mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1'],
  ['idx_span_attr_value', 'mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1'],
  ['idx_lower_span_name', 'lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8'],
];

/** Migration 11: the exporter's ALIAS columns and skip indexes on the span table (see above). */
export function exporterParity(b: DdlBuilder): string[] {
  const local = b.qualified(b.storageName(TABLES.spans));
  const tables = b.clustered ? [local, b.qualified(TABLES.spans)] : [local];
  const statements: string[] = [];
  for (const table of tables) {
    statements.push(
      `ALTER TABLE ${table}${b.clusterClause} ` +
        `ADD COLUMN IF NOT EXISTS ResourceAttributeItems Array(String) ALIAS ${items('ResourceAttributes')}, ` +
        `ADD COLUMN IF NOT EXISTS SpanAttributeItems Array(String) ALIAS ${items('SpanAttributes')}`,
    );
  }
  // New parts get the indexes as they are written; parts written before the migration are not
  // rewritten (no MATERIALIZE INDEX: on a large table that would be a heavy mutation at start-up).
  statements.push(
    `ALTER TABLE ${local}${b.clusterClause} ` +
      INDEXES.map(([name, definition]) => `ADD INDEX IF NOT EXISTS ${name} ${definition}`).join(', '),
  );
  return statements;
}
