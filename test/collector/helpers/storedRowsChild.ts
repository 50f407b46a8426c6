/**
 * Child process of {@link readStoredRows}: opens a collector's data directory with the same client the
 * collector uses (`@clickhouse/client` over `chdb/connection`) and prints, as one JSON line each, how
 * many rows each (TraceId, SpanId) has in `otel_traces`, and the stored text of spans that carry the
 * attribute {@link TEXT_MARKER}.
 *
 *   node --import tsx storedRowsChild.ts <dataDir>
 */
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { TEXT_MARKER } from './storedRows.js';

type ClientOptions = NonNullable<Parameters<typeof createClient>[0]>;

/** JSON on one line: JSON.stringify leaves U+2028 and U+2029 unescaped, and they end a line too. */
function oneLine(value: unknown): string {
  return JSON.stringify(value)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const [dataDir] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: storedRowsChild.ts <dataDir>');
// chdb types its connection against its own copy of @clickhouse/client-common's declarations.
const connection = createChdbConnection({ path: dataDir }) as unknown as ClientOptions['connection'];
const client = createClient({ connection });
try {
  const rs = await client.query({
    query: `SELECT TraceId, SpanId, count() AS c FROM mcpscope.otel_traces GROUP BY TraceId, SpanId`,
    format: 'JSONCompactEachRow',
  });
  const rows = await rs.json<[string, string, string]>();
  process.stdout.write(`ROWS ${oneLine(rows.map(([t, s, c]) => [t, s, Number(c)]))}\n`);
  // The text of spans that carry the marker attribute, to compare with what was sent.
  const texts = await client.query({
    query: `SELECT SpanId, ServiceName, SpanName, SpanAttributes['${TEXT_MARKER}'], mapKeys(SpanAttributes)
            FROM mcpscope.otel_traces WHERE mapContains(SpanAttributes, '${TEXT_MARKER}')`,
    format: 'JSONCompactEachRow',
  });
  process.stdout.write(`TEXTS ${oneLine(await texts.json())}\n`);
} finally {
  await client.close();
}
