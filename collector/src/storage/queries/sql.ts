/**
 * Small helpers shared by the read queries: a WHERE builder that binds every value as a typed query
 * parameter (user input never becomes SQL text), time conversions, and a JSON query runner.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { McpFilter, TimeWindow } from './filters.js';

export type Params = Record<string, string | number | string[]>;

/** Collects conditions and their bound parameters. */
export class Where {
  readonly conditions: string[] = [];
  readonly params: Params = {};
  private n = 0;

  /** `prefix` names the parameters (`p0`, `p1`, …): give each builder of one statement its own. */
  constructor(private readonly prefix = 'p') {}

  /** Adds `column = {pN:String}` when `value` is defined. */
  eq(column: string, value: string | undefined): this {
    if (value === undefined) return this;
    const name = `${this.prefix}${this.n++}`;
    this.conditions.push(`${column} = {${name}:String}`);
    this.params[name] = value;
    return this;
  }

  /** Adds a condition with one bound parameter, e.g. `raw('Duration >= {$:UInt64}', 'UInt64', x)`. */
  bind(template: (placeholder: string) => string, type: string, value: string | number): this {
    const name = `${this.prefix}${this.n++}`;
    this.conditions.push(template(`{${name}:${type}}`));
    this.params[name] = value;
    return this;
  }

  /**
   * A span attribute or its process's resource attribute equals `value`. Both bound as parameters: the
   * key too is user input.
   */
  attribute(key: string, value: string): this {
    const k = `${this.prefix}${this.n++}`;
    const v = `${this.prefix}${this.n++}`;
    this.conditions.push(
      `(SpanAttributes[{${k}:String}] = {${v}:String} OR ResourceAttributes[{${k}:String}] = {${v}:String})`,
    );
    this.params[k] = key;
    this.params[v] = value;
    return this;
  }

  raw(condition: string): this {
    this.conditions.push(condition);
    return this;
  }

  /** The MCP column filters. */
  mcp(f: McpFilter): this {
    return this.eq('ServiceName', f.service)
      .eq('McpServer', f.server)
      .eq('McpTool', f.tool)
      .eq('McpMethod', f.method)
      .eq('McpLayer', f.layer);
  }

  /** `Timestamp` within the window, bound as nanoseconds. */
  spanWindow(w: TimeWindow, column = 'Timestamp'): this {
    this.bind((p) => `${column} >= fromUnixTimestamp64Nano(${p})`, 'Int64', dateToNs(w.from));
    this.bind((p) => `${column} < fromUnixTimestamp64Nano(${p})`, 'Int64', dateToNs(w.to));
    return this;
  }

  /** A per-minute column within the window: the minute holding `from` counts. */
  minuteWindow(w: TimeWindow, column = 'Minute'): this {
    this.bind(
      (p) => `${column} >= toStartOfMinute(toDateTime(${p}))`,
      'UInt32',
      Math.floor(w.from.getTime() / 1000),
    );
    this.bind((p) => `${column} < toDateTime(${p})`, 'UInt32', Math.ceil(w.to.getTime() / 1000));
    return this;
  }

  toString(): string {
    return this.conditions.length > 0 ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }
}

export function dateToNs(d: Date): string {
  return (BigInt(d.getTime()) * 1_000_000n).toString();
}

/** Nanoseconds (decimal string) to ISO-8601 with millisecond precision. */
export function nsToIso(ns: string | number): string {
  const ms = typeof ns === 'number' ? ns / 1e6 : Number(BigInt(ns) / 1_000_000n);
  return new Date(ms).toISOString();
}

export function secondsToIso(s: string | number): string {
  return new Date(Number(s) * 1000).toISOString();
}

export async function queryRows<T>(
  client: ClickHouseClient,
  query: string,
  params: Params = {},
): Promise<T[]> {
  const rs = await client.query({
    query,
    query_params: params,
    format: 'JSONEachRow',
    // 64-bit integers as strings: nanosecond values exceed 2^53.
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
  return rs.json<T>();
}

/** Milliseconds from a nanosecond quantity, rounded to microseconds. */
export function nsToMs(ns: string | number): number {
  return Math.round(Number(ns) / 1000) / 1000;
}
