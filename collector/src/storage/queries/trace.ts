/**
 * `/traces/:traceId`: one narrow read. The lookup table gives the trace's time span; the spans table is
 * then read only within it (partition and primary-key pruning) and the TraceId bloom filter does the rest.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { SpanView, TraceResponse } from '../../api/types.js';
import { TABLES } from '../schema.js';
import { queryRows } from './sql.js';
import { decideRootCauses } from '../../model/rootCause.js';

/** Spans returned for one trace at most: a waterfall past this is unreadable and costly to ship. */
export const MAX_TRACE_SPANS = 10_000;

interface RangeRow {
  start: string;
  end: string;
}

interface SpanRowOut {
  SpanId: string;
  ParentSpanId: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  startNs: string;
  durationNs: string;
  StatusCode: string;
  StatusMessage: string;
  SpanAttributes: Record<string, string>;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  eventTimes: string[];
  eventNames: string[];
  eventAttributes: Record<string, string>[];
  linkTraceIds: string[];
  linkSpanIds: string[];
  linkStates: string[];
  linkAttributes: Record<string, string>[];
}

interface PayloadOut {
  SpanId: string;
  Name: string;
  Value: string;
  OriginalSize: number | string;
  Truncated: number | string;
}

/** Returns the trace, or undefined when no span of it is stored. `traceId` must be 32 lowercase hex. */
export async function queryTrace(
  client: ClickHouseClient,
  database: string,
  traceId: string,
): Promise<TraceResponse | undefined> {
  const q = (t: string) => `\`${database}\`.\`${t}\``;
  const [range] = await queryRows<RangeRow>(
    client,
    `SELECT toString(toUnixTimestamp(min(Start))) AS start, toString(toUnixTimestamp(max(End))) AS end
     FROM ${q(TABLES.traceIdTs)} WHERE TraceId = {id:String} HAVING count() > 0`,
    { id: traceId },
  );
  if (!range) return undefined;
  // Start/End have second precision: widen by a second on each side.
  const params = { id: traceId, start: Number(range.start) - 1, end: Number(range.end) + 1 };
  const timeCond = 'Timestamp >= toDateTime({start:UInt32}) AND Timestamp <= toDateTime({end:UInt32})';
  const [spans, payloads] = await Promise.all([
    queryRows<SpanRowOut>(
      client,
      `SELECT SpanId, ParentSpanId, SpanName, SpanKind, ServiceName,
         toString(toUnixTimestamp64Nano(Timestamp)) AS startNs, toString(Duration) AS durationNs,
         StatusCode, StatusMessage, SpanAttributes, ResourceAttributes, ScopeName, ScopeVersion,
         arrayMap(t -> toString(toUnixTimestamp64Nano(t)), \`Events.Timestamp\`) AS eventTimes,
         \`Events.Name\` AS eventNames, \`Events.Attributes\` AS eventAttributes,
         \`Links.TraceId\` AS linkTraceIds, \`Links.SpanId\` AS linkSpanIds,
         \`Links.TraceState\` AS linkStates, \`Links.Attributes\` AS linkAttributes
       FROM ${q(TABLES.spans)}
       WHERE TraceId = {id:String} AND ${timeCond}
       ORDER BY Timestamp, SpanId
       LIMIT 1 BY SpanId
       LIMIT ${MAX_TRACE_SPANS}`,
      params,
    ),
    queryRows<PayloadOut>(
      client,
      `SELECT SpanId, Name, Value, OriginalSize, Truncated FROM ${q(TABLES.payloads)}
       WHERE TraceId = {id:String} AND ${timeCond}
       LIMIT 1 BY SpanId, Name`,
      params,
    ),
  ]);
  if (spans.length === 0) return undefined;
  const bySpan = new Map<string, NonNullable<SpanView['payloads']>>();
  for (const p of payloads) {
    let list = bySpan.get(p.SpanId);
    if (!list) bySpan.set(p.SpanId, (list = []));
    list.push({
      name: p.Name,
      value: p.Value,
      originalSize: Number(p.OriginalSize),
      truncated: Number(p.Truncated) === 1,
    });
  }
  const views = spans.map((s) => {
    const view: SpanView = {
      traceId,
      spanId: s.SpanId,
      parentSpanId: s.ParentSpanId,
      name: s.SpanName,
      kind: s.SpanKind,
      service: s.ServiceName,
      startTimeUnixNano: s.startNs,
      durationNs: s.durationNs,
      statusCode: s.StatusCode,
      statusMessage: s.StatusMessage,
      attributes: s.SpanAttributes,
      resourceAttributes: s.ResourceAttributes,
      scope: { name: s.ScopeName, version: s.ScopeVersion },
      events: s.eventNames.map((name, i) => ({
        timeUnixNano: s.eventTimes[i] ?? '0',
        name,
        attributes: s.eventAttributes[i] ?? {},
      })),
      links: s.linkTraceIds.map((tid, i) => ({
        traceId: tid,
        spanId: s.linkSpanIds[i] ?? '',
        traceState: s.linkStates[i] ?? '',
        attributes: s.linkAttributes[i] ?? {},
      })),
    };
    const p = bySpan.get(s.SpanId);
    if (p) view.payloads = p;
    return view;
  });
  // Decided here from the spans just read, not taken from mcp_root_causes: the trace page is always
  // current, even for spans that arrived a moment ago. Microseconds per trace (model/rootCause.ts).
  const rootCauses = decideRootCauses(views);
  return { traceId, spans: views, rootCause: rootCauses[0] ?? null, rootCauses };
}
