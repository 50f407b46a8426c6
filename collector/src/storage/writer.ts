/**
 * Writes a batch of spans and what derives from them. Derived rows (payloads, tool definitions) go
 * first and spans last, so when `write` resolves everything is committed, and when it fails part-way a
 * retry of the same batch at worst duplicates derived rows — which the read side collapses (payloads
 * `LIMIT 1 BY`, tool definitions aggregate) — never loses them.
 */
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { splitPayloads } from './payloads.js';
import type { SpanRow } from './rows.js';
import { TABLES } from './schema.js';
import { extractToolDefinitions, type ToolSetSighting } from './toolDefinitions.js';

// Inserts are plain and synchronous (async_insert is off: the engine's default, and set on the server
// client in client.ts), so each promise resolves after the rows are committed to parts.

/** Column order of the positional span rows. */
export const SPAN_COLUMNS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'ParentSpanId',
  'TraceState',
  'SpanName',
  'SpanKind',
  'ServiceName',
  'ResourceAttributes',
  'ScopeName',
  'ScopeVersion',
  'SpanAttributes',
  'Duration',
  'StatusCode',
  'StatusMessage',
  'Events.Timestamp',
  'Events.Name',
  'Events.Attributes',
  'Links.TraceId',
  'Links.SpanId',
  'Links.TraceState',
  'Links.Attributes',
] as const satisfies readonly (keyof SpanRow)[];

const COLUMN_LIST = SPAN_COLUMNS.map((c) => `\`${c}\``).join(', ');

/*
 * Why spans are not inserted as plain JSON rows.
 *
 * Parsing is most of what an insert costs the engine, and it grows with the bytes and fields of each
 * row. A typical OTLP span repeats its resource (a dozen attributes: service, host, process, SDK —
 * identical for every span of a process) and the keys of its attribute map; as JSONCompactEachRow that
 * is ~1 KB per MCP span, and the embedded engine spent ~14 µs per row parsing it (measured with a Null
 * table on this 2-core machine) — more than everything else the collector does per span.
 *
 * So a batch goes as one `INSERT … SELECT … FROM format(JSONCompactEachRow, …)` whose rows carry
 * only what differs per span: the resource as an index into a per-batch array of distinct resources,
 * and the attribute keys as indexes into a per-batch array of distinct keys (values stay per row). The
 * SELECT rebuilds the exporter's columns (`RA[ri]`, `mapFromArrays(arrayMap(i -> K[i], ak), av)`),
 * which is vectorised and cheap. Rows shrink to ~350 bytes and the engine's parse-and-rebuild cost to
 * ~8 µs per row; the stored rows are identical. It is still one statement, so it commits atomically
 * and fires the materialized views exactly as a plain insert does. One difference: spans already past
 * the retention TTL are dropped by the insert itself (a plain `INSERT … FORMAT` kept them until a
 * merge dropped their part) — they were going to be deleted anyway.
 *
 * The rows travel inside the statement as a heredoc literal (`$$…$$`): the embedded engine ignores
 * data after `FORMAT` when the SELECT reads `input()`, and a heredoc needs no escaping as long as it
 * holds no `$` — JSON can spell `$` as \u0024 inside strings, and `$` appears nowhere else in JSON.
 * The per-batch arrays are SQL string literals escaped with `sqlString`. The statement is longer than
 * the default `max_query_size` (256 KiB), so each insert raises that setting to what it needs.
 *
 * A batch with very many distinct resources or keys (arbitrary senders) would turn the per-batch
 * arrays into a large SQL literal, which the SQL parser handles far more slowly than rows; such a
 * batch is inserted as plain JSONCompactEachRow rows instead.
 */

/** Above this many distinct resources or attribute keys in a batch, plain rows are cheaper. */
const MAX_DICTIONARY_ENTRIES = 2000;
/** … or above this many bytes of per-batch arrays (the SQL parser's part of the statement). */
const MAX_DICTIONARY_BYTES = 256 * 1024;

const INPUT_STRUCTURE =
  't DateTime64(9), tid String, sid String, pid String, ts String, n String, k String, ri UInt32, ' +
  'ak Array(UInt32), av Array(String), d UInt64, sc String, sm String, et Array(DateTime64(9)), ' +
  'en Array(String), ea Array(Map(String, String)), lt Array(String), ls Array(String), ' +
  'lts Array(String), la Array(Map(String, String))';

const SELECT_LIST =
  't, tid, sid, pid, ts, n, k, RS[ri], RA[ri], RN[ri], RV[ri], mapFromArrays(arrayMap(i -> K[i], ak), av), ' +
  'd, sc, sm, et, en, ea, lt, ls, lts, la';

/** A ClickHouse single-quoted string literal. Only `\` and `'` can end it; control characters are
 * escaped too, so that no NUL reaches a C string. */
export function sqlString(value: string): string {
  let out = "'";
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x20 && c !== 0x5c && c !== 0x27 && c !== 0x7f) continue;
    out += value.slice(from, i);
    out += c === 0x5c ? '\\\\' : c === 0x27 ? "\\'" : `\\x${c.toString(16).padStart(2, '0')}`;
    from = i + 1;
  }
  return `${out}${value.slice(from)}'`;
}

/**
 * Lines of text collected as UTF-8 bytes in one growing buffer, so that each line can be garbage as
 * soon as it is copied: a batch's worth of live strings would survive young-generation GCs and be
 * promoted, which is what made building the body expensive.
 */
class LineBuffer {
  private static scratch = Buffer.allocUnsafe(1 << 20);
  private buf = LineBuffer.scratch;
  private pos = 0;

  append(line: string): void {
    const need = this.pos + line.length * 3 + 1;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.pos);
      this.buf = grown;
    }
    this.pos += this.buf.write(line, this.pos);
    this.buf[this.pos++] = 0x0a;
  }

  /** The lines as one string. The buffer is reused by the next batch (inserts are built one at a time,
   * synchronously), unless it grew beyond what a typical batch needs. */
  text(): string {
    const text = this.buf.toString('utf8', 0, this.pos);
    if (this.buf.length <= 64 * 1024 * 1024) LineBuffer.scratch = this.buf;
    return text;
  }
}

/** `map('k', 'v', …)` for a resource's attributes, cached per attributes object (decoders share one
 * object among the spans of a resource). */
const mapLiterals = new WeakMap<Record<string, string>, string>();
function mapLiteral(attributes: Record<string, string>): string {
  let literal = mapLiterals.get(attributes);
  if (literal === undefined) {
    const parts: string[] = [];
    for (const key in attributes) parts.push(sqlString(key), sqlString(attributes[key] as string));
    literal = `map(${parts.join(', ')})`;
    mapLiterals.set(attributes, literal);
  }
  return literal;
}

interface CachedResource {
  service: string;
  scopeName: string;
  scopeVersion: string;
  index: number;
}

/** The statement inserting `rows` with per-batch resource and key arrays, or undefined when the
 * arrays would be too large (see above). */
export function compactSpanInsert(table: string, rows: readonly SpanRow[]): string | undefined {
  // Resource tuples (service, attributes, scope name, scope version) by content, with a fast path on
  // the attributes object the rows of one decoded resource share.
  const resourceByObject = new Map<Record<string, string>, CachedResource>();
  const resourceByKey = new Map<string, number>();
  const services: string[] = [];
  const maps: string[] = [];
  const scopeNames: string[] = [];
  const scopeVersions: string[] = [];
  const keyIndex = new Map<string, number>();
  const keys: string[] = [];
  let dictionaryBytes = 0;
  const data = new LineBuffer();

  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as SpanRow;
    let ri: number | undefined;
    const cached = resourceByObject.get(r.ResourceAttributes);
    if (
      cached !== undefined &&
      cached.service === r.ServiceName &&
      cached.scopeName === r.ScopeName &&
      cached.scopeVersion === r.ScopeVersion
    ) {
      ri = cached.index;
    } else {
      const literal = mapLiteral(r.ResourceAttributes);
      const key = `${literal}\u0000${r.ServiceName}\u0000${r.ScopeName}\u0000${r.ScopeVersion}`;
      ri = resourceByKey.get(key);
      if (ri === undefined) {
        ri = services.length + 1;
        resourceByKey.set(key, ri);
        services.push(sqlString(r.ServiceName));
        maps.push(literal);
        scopeNames.push(sqlString(r.ScopeName));
        scopeVersions.push(sqlString(r.ScopeVersion));
        dictionaryBytes += key.length;
        if (services.length > MAX_DICTIONARY_ENTRIES || dictionaryBytes > MAX_DICTIONARY_BYTES)
          return undefined;
      }
      resourceByObject.set(r.ResourceAttributes, {
        service: r.ServiceName,
        scopeName: r.ScopeName,
        scopeVersion: r.ScopeVersion,
        index: ri,
      });
    }

    const keyIndexes: number[] = [];
    const values: string[] = [];
    const attributes = r.SpanAttributes;
    for (const key in attributes) {
      let ki = keyIndex.get(key);
      if (ki === undefined) {
        ki = keys.length + 1;
        keyIndex.set(key, ki);
        const literal = sqlString(key);
        keys.push(literal);
        dictionaryBytes += literal.length;
        if (keys.length > MAX_DICTIONARY_ENTRIES || dictionaryBytes > MAX_DICTIONARY_BYTES) return undefined;
      }
      keyIndexes.push(ki);
      values.push(attributes[key] as string);
    }

    // One JSON.stringify of a positional array per row: V8's serializer builds the line as one flat
    // string, where concatenating the pieces in JS made short-lived ropes that cost more in GC than
    // the serialization itself (measured 8.5 vs 2.4 µs per row).
    let line = JSON.stringify([
      r.Timestamp,
      r.TraceId,
      r.SpanId,
      r.ParentSpanId,
      r.TraceState,
      r.SpanName,
      r.SpanKind,
      ri,
      keyIndexes,
      values,
      r.Duration,
      r.StatusCode,
      r.StatusMessage,
      r['Events.Timestamp'],
      r['Events.Name'],
      r['Events.Attributes'],
      r['Links.TraceId'],
      r['Links.SpanId'],
      r['Links.TraceState'],
      r['Links.Attributes'],
    ]);
    if (line.includes('$')) line = line.replaceAll('$', '\\u0024');
    data.append(line);
  }
  return (
    `INSERT INTO ${table} (${COLUMN_LIST}) ` +
    `WITH CAST([${services.join(',')}], 'Array(LowCardinality(String))') AS RS, ` +
    `CAST([${maps.join(',')}], 'Array(Map(LowCardinality(String), LowCardinality(String)))') AS RA, ` +
    `CAST([${scopeNames.join(',')}], 'Array(String)') AS RN, ` +
    `CAST([${scopeVersions.join(',')}], 'Array(String)') AS RV, ` +
    `CAST([${keys.join(',')}], 'Array(LowCardinality(String))') AS K ` +
    `SELECT ${SELECT_LIST} FROM format(JSONCompactEachRow, '${INPUT_STRUCTURE}', $$\n${data.text()}$$)`
  );
}

/** Positional row for the plain JSONCompactEachRow insert (batches with huge dictionaries). */
function positional(r: SpanRow): unknown[] {
  return SPAN_COLUMNS.map((c) => r[c]);
}

/** `max_query_size` for a statement: its length in UTF-8 bytes at most, plus room. */
function queryBudget(statement: string): number {
  return statement.length * 3 + 1024;
}

export class SpanWriter {
  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {}

  private table(name: string): string {
    return `\`${this.database}\`.\`${name}\``;
  }

  /**
   * Writes `rows` and what derives from them. `token`, when given, names this write for the engine's
   * insert deduplication: writing the same rows again with the same token — a retry after a failure
   * that may have come after part of the write was committed — stores nothing twice, in the tables
   * written directly and in the materialized views' targets alike.
   */
  async write(rows: readonly SpanRow[], token?: string): Promise<void> {
    if (rows.length === 0) return;
    const { definitions, sightings } = extractToolDefinitions(rows);
    const split = splitPayloads(rows);
    if (split.payloads.length > 0) {
      await this.client.insert({
        table: this.table(TABLES.payloads),
        values: split.payloads,
        format: 'JSONEachRow',
        clickhouse_settings: dedup(token, 'payloads'),
      });
    }
    if (definitions.length > 0) {
      await this.client.insert({
        table: this.table(TABLES.toolDefinitions),
        values: definitions,
        format: 'JSONEachRow',
        clickhouse_settings: dedup(token, 'definitions'),
      });
    }
    if (sightings.length > 0) await this.recordSightings(sightings, token);
    await this.insertSpans(split.rows, token);
  }

  private async insertSpans(rows: SpanRow[], token: string | undefined): Promise<void> {
    const table = this.table(TABLES.spans);
    const statement = compactSpanInsert(table, rows);
    if (statement !== undefined) {
      await this.client.command({
        query: statement,
        clickhouse_settings: {
          max_query_size: String(queryBudget(statement)),
          ...SPAN_INSERT_SETTINGS,
          ...dedup(token, 'spans'),
        },
      });
      return;
    }
    await this.client.insert({
      table,
      values: rows.map(positional),
      format: 'JSONCompactEachRow',
      columns: [...SPAN_COLUMNS],
      clickhouse_settings: { ...SPAN_INSERT_SETTINGS, ...dedup(token, 'spans') },
    });
  }

  /**
   * A set seen again (by fingerprint only) extends the last-seen of each of its tools, under this
   * sighting's session and server version: copy the known rows of the set with the new times. A set the
   * collector never saw defined matches nothing and is dropped. All sightings of a batch go in one
   * statement: sessions start with tools/list, so a busy batch holds dozens of them.
   */
  private async recordSightings(
    sightings: readonly ToolSetSighting[],
    token: string | undefined,
  ): Promise<void> {
    const t = this.table(TABLES.toolDefinitions);
    const column = <K extends keyof ToolSetSighting>(k: K) => sightings.map((s) => s[k]);
    await this.client.command({
      query:
        `INSERT INTO ${t} (ServerIdentity, ServerName, Tool, Fingerprint, ServerVersion, SessionId, SetFingerprint, ` +
        'Definition, FirstSeen, LastSeen, Sightings) ' +
        'SELECT d.ServerIdentity, any(d.ServerName), d.Tool, d.Fingerprint, s.Version, s.Session, d.SetFingerprint, ' +
        'any(d.Definition), fromUnixTimestamp64Nano(toInt64(s.First)), fromUnixTimestamp64Nano(toInt64(s.Last)), s.N ' +
        `FROM ${t} AS d INNER JOIN (` +
        'SELECT x.1 AS Identity, x.2 AS SetFp, x.3 AS Version, x.4 AS Session, x.5 AS First, x.6 AS Last, x.7 AS N ' +
        'FROM (SELECT arrayJoin(arrayZip({identity:Array(String)}, {set:Array(String)}, {version:Array(String)}, ' +
        '{session:Array(String)}, {first:Array(String)}, {last:Array(String)}, {n:Array(UInt64)})) AS x)' +
        ') AS s ON d.ServerIdentity = s.Identity AND d.SetFingerprint = s.SetFp ' +
        'GROUP BY d.ServerIdentity, d.Tool, d.Fingerprint, d.SetFingerprint, s.Version, s.Session, s.First, s.Last, s.N',
      query_params: {
        identity: column('ServerIdentity'),
        set: column('SetFingerprint'),
        version: column('ServerVersion'),
        session: column('SessionId'),
        first: column('FirstSeen'),
        last: column('LastSeen'),
        n: column('Sightings'),
      },
      clickhouse_settings: dedup(token, 'sightings'),
    });
  }
}

/**
 * A batch whose spans fall on more than 100 days (a sender replaying old data, with retention off)
 * is not refused: "Too many partitions for single INSERT block" would fail it the same way on every
 * retry. The receiver bounds how far back and ahead spans may be (retention, clock skew), which bounds
 * the partitions one insert touches when retention is on.
 */
const SPAN_INSERT_SETTINGS: ClickHouseSettings = { throw_on_max_partitions_per_insert_block: 0 };

/**
 * Insert settings that deduplicate a retried write: the engine remembers the token of each block it
 * committed (tables keep `non_replicated_deduplication_window` recent ones, see schema.ts) and skips a
 * block that comes again with the same token, in the materialized views' targets too. One write makes
 * several inserts; each gets its own token derived from the write's.
 */
export function dedup(token: string | undefined, part: string): ClickHouseSettings {
  return {
    insert_deduplicate: 1,
    deduplicate_blocks_in_dependent_materialized_views: 1,
    // Always set, also to '' (no token): the embedded engine keeps a connection's settings from one
    // statement to the next, so a token left over from the previous write would make this one a
    // "duplicate" of it and drop it without a word (measured: the second of two writes was lost).
    insert_deduplication_token: token === undefined ? '' : `${token}:${part}`,
  };
}
