/**
 * The failed MCP calls of a window, one row each with its verdict, from `mcp_root_causes` (decided after
 * ingest, storage/rootCauses.ts). Every view that counts failures by root cause reads them through
 * here, so each failed call is counted once, by one verdict.
 */
import { TABLES } from '../schema.js';
import type { McpFilter, TimeWindow } from './filters.js';
import { dateToNs, Where } from './sql.js';

/** Filters on failed calls: the MCP filters, and the root-cause layer. */
export interface FailedCallFilter extends McpFilter {
  /** Root-cause layer. */
  fault?: string;
}

/**
 * A subquery (to use as `FROM (…)`) with the columns TraceId, StartNs, Service, Server, Method, Tool,
 * CallLayers, Layer, SpanId, ErrorType, Rule, Message, Template and InWindow. Calls before the window
 * are included when `withHistory` (InWindow = 0; for "first seen ever"); calls after it never are.
 * `service` and `layer` match any span of the call (the caller's, a proxy's or the server's service;
 * any instrumented layer), as the span-based views match any span.
 */
export function failedCalls(
  database: string,
  w: TimeWindow,
  f: FailedCallFilter,
  opts: { prefix?: string; withHistory?: boolean } = {},
): { sql: string; params: Where['params'] } {
  const where = new Where(opts.prefix ?? 'fc');
  const from = dateToNs(w.from);
  where.bind((p) => `c.StartNs < ${p}`, 'Int64', dateToNs(w.to));
  if (!opts.withHistory) where.bind((p) => `c.StartNs >= ${p}`, 'Int64', from);
  where.eq('c.Server', f.server).eq('c.Tool', f.tool).eq('c.Method', f.method).eq('c.Layer', f.fault);
  if (f.service !== undefined)
    where.bind((p) => `has(splitByChar(',', c.Services), ${p})`, 'String', f.service);
  if (f.layer !== undefined)
    where.bind((p) => `has(splitByChar(',', c.CallLayers), ${p})`, 'String', f.layer);
  const fromParam = `${opts.prefix ?? 'fc'}From`;
  where.params[fromParam] = from;
  const sql = `SELECT TraceId, c.StartNs AS StartNs, c.Service AS Service, c.Server AS Server,
      c.Method AS Method, c.Tool AS Tool, c.CallLayers AS CallLayers, c.Layer AS Layer, c.SpanId AS SpanId,
      c.ErrorType AS ErrorType, c.Rule AS Rule, c.Message AS Message, c.Template AS Template,
      c.StartNs >= {${fromParam}:Int64} AS InWindow
    FROM \`${database}\`.\`${TABLES.rootCauses}\` FINAL ARRAY JOIN Calls AS c
    ${where}`;
  return { sql, params: where.params };
}
