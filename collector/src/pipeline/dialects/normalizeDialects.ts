/**
 * MCP spans from other instrumentations, mapped at ingest onto the attributes mcpscope reads: which
 * dialect a span speaks ({@link detectDialect}, one cheap look) and the canonical attributes it gains
 * from the mapping table (./dialectTable.ts, where the rows, their rules and their sources are listed).
 * Every attribute stays exactly as sent; a canonical key the sender set is never overwritten.
 */
import { ATTR_MCPSCOPE_DIALECT, ATTR_MCPSCOPE_LAYER } from '@mcpscope/sdk/semconv';
import type { SpanRow } from '../../storage/rows.js';
import {
  DIALECTS,
  type Dialect,
  MCP_TOOL_NAME,
  MCP_PROMPT_NAME,
  MCP_REQUEST_ID,
  MCP_SERVER_NAME,
  MCP_TRANSPORT,
  SENTRY_ORIGIN,
  SENTRY_MCP_ORIGINS,
  TRACELOOP_MCP_SCOPES,
  OPENINFERENCE_SPAN_KIND,
  RPC_METHOD,
  RPC_JSONRPC_REQUEST_ID,
  RPC_JSONRPC_ERROR_CODE,
} from './foreignNames.js';
import type { DialectRow, DialectSpan } from './dialectRows.js';
import { DIALECT_TABLE } from './dialectTable.js';

export type { Dialect } from './foreignNames.js';
export { DIALECTS } from './foreignNames.js';
export { DIALECT_TABLE } from './dialectTable.js';
export type { DialectRow, DialectSpan } from './dialectRows.js';

/** A row as applied: `key` is the source attribute, undefined for a span-field source. */
interface AppliedRow {
  canonical: string;
  key: string | undefined;
  map: DialectRow['map'];
}

const ROWS_BY_DIALECT: ReadonlyMap<Dialect, readonly AppliedRow[]> = new Map(
  DIALECTS.map((d) => [
    d,
    DIALECT_TABLE.filter((r) => r.dialect === d).map((r) => ({
      canonical: r.canonical,
      key: r.source.startsWith('(') ? undefined : r.source,
      map: r.map,
    })),
  ]),
);

/**
 * The dialect a span speaks, or undefined for a span to leave alone: mcpscope's own (it has
 * `mcpscope.layer`: one lookup, the common case) and spans of no MCP instrumentation.
 */
export function detectDialect(row: SpanRow): Dialect | undefined {
  const a = row.SpanAttributes;
  if (a[ATTR_MCPSCOPE_LAYER] !== undefined) return undefined;
  if (TRACELOOP_MCP_SCOPES.has(row.ScopeName)) return 'traceloop';
  // Named lookups, not a loop over a list of keys: a keyed load in a loop is megamorphic and cost a
  // span without any of these keys ~90 ns; these cost ~5 ns (measured on the ingest benchmark's HTTP
  // spans, test/bench/dialects.bench.ts).
  const origin = a[SENTRY_ORIGIN];
  if ((origin !== undefined && SENTRY_MCP_ORIGINS.has(origin)) || a[MCP_TRANSPORT] !== undefined)
    return 'sentry';
  if (a[OPENINFERENCE_SPAN_KIND] !== undefined) return 'openinference';
  if (
    a[MCP_TOOL_NAME] !== undefined ||
    a[MCP_PROMPT_NAME] !== undefined ||
    a[MCP_REQUEST_ID] !== undefined ||
    a[MCP_SERVER_NAME] !== undefined ||
    a[RPC_JSONRPC_REQUEST_ID] !== undefined ||
    a[RPC_JSONRPC_ERROR_CODE] !== undefined ||
    a[RPC_METHOD] !== undefined
  )
    return 'otel-draft';
  return undefined;
}

/**
 * Adds the canonical MCP attributes a span lacks from its dialect's names (see the table above), and
 * `mcpscope.dialect` when it added any. Returns how many attributes it added. Never removes or changes
 * an attribute the sender set.
 */
export function normalizeSpan(row: SpanRow): number {
  const dialect = detectDialect(row);
  if (dialect === undefined) return 0;
  let attrs = row.SpanAttributes;
  // Decoders may share one frozen empty map between spans without attributes.
  if (Object.isFrozen(attrs)) row.SpanAttributes = attrs = { ...attrs };
  const span: DialectSpan = { row, attrs };
  let added = 0;
  for (const r of ROWS_BY_DIALECT.get(dialect)!) {
    if (attrs[r.canonical] !== undefined) continue;
    const value = r.key === undefined ? undefined : attrs[r.key];
    if (r.key !== undefined && value === undefined) continue;
    const mapped = r.map(value, span);
    if (mapped === undefined || mapped === '') continue;
    attrs[r.canonical] = mapped;
    added++;
  }
  if (added > 0 && attrs[ATTR_MCPSCOPE_DIALECT] === undefined) {
    attrs[ATTR_MCPSCOPE_DIALECT] = dialect;
    added++;
  }
  return added;
}

/**
 * {@link normalizeSpan} for each row of a decoded request; returns the approximate bytes added (for
 * the queue's accounting).
 */
export function normalizeDialects(rows: SpanRow[]): number {
  let bytes = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    // The common case, inlined: mcpscope's own spans need nothing.
    if (row.SpanAttributes[ATTR_MCPSCOPE_LAYER] !== undefined) continue;
    if (normalizeSpan(row) > 0) bytes += ADDED_BYTES_ESTIMATE;
  }
  return bytes;
}

/** A few canonical keys and values: what a normalised span grows by, roughly. */
const ADDED_BYTES_ESTIMATE = 160;
