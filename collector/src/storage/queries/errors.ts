/** `/errors`: failed calls grouped, from the spans table (IsError has a minmax index; errors are rare). */
import type { ClickHouseClient } from '@clickhouse/client';
import type { ErrorsResponse } from '../../api/types.js';
import { TABLES } from '../schema.js';
import type { ErrorsFilter } from './filters.js';
import { nsToIso, queryRows, Where } from './sql.js';

interface Row {
  McpServer: string;
  McpMethod: string;
  McpTool: string;
  ErrorType: string;
  Fault: string;
  StatusMessage: string;
  calls: string;
  firstNs: string;
  lastNs: string;
  exampleTraceId: string;
  layers: string[];
}

/**
 * One failed call can leave an error on several spans (client, transport, server). They are first
 * collapsed per call — (trace, JSON-RPC request id), or the span itself when it has no request id — onto
 * the span that decided the failure (the one with `mcpscope.fault`), else the server's, else the
 * client's (the message: the first non-empty one in that order); then calls are grouped by (server, method, tool, error type, fault, status message).
 * Caller-fault refusals are included (fault 'caller'): "was it the caller's arguments?" is the question.
 */
export async function queryErrors(
  client: ClickHouseClient,
  database: string,
  f: ErrorsFilter,
): Promise<ErrorsResponse> {
  const where = new Where().spanWindow(f).mcp(f).raw("(IsError = 1 OR Fault != '')");
  const rows = await queryRows<Row>(
    client,
    `SELECT
       rep.1 AS McpServer, rep.2 AS McpMethod, rep.3 AS McpTool, rep.4 AS ErrorType, rep.5 AS Fault,
       rep.6 AS StatusMessage,
       count() AS calls,
       toString(min(startNs)) AS firstNs,
       toString(max(startNs)) AS lastNs,
       argMax(TraceId, startNs) AS exampleTraceId,
       arraySort(groupUniqArrayArray(callLayers)) AS layers
     FROM (
       SELECT TraceId,
         argMax((McpServer, McpMethod, McpTool, ErrorType, Fault),
                (Fault != '', McpLayer = 'server', McpLayer = 'client', Timestamp)) AS decided,
         -- A server refusing bad params records no status message; the client's says what went wrong.
         argMax(StatusMessage, (StatusMessage != '', Fault != '', McpLayer = 'server', Timestamp)) AS message,
         tuple(decided.1, decided.2, decided.3, decided.4, decided.5, message) AS rep,
         min(toUnixTimestamp64Nano(Timestamp)) AS startNs,
         groupUniqArray(McpLayer) AS callLayers
       FROM \`${database}\`.\`${TABLES.spans}\` ${where}
       GROUP BY TraceId, if(SpanAttributes['jsonrpc.request.id'] != '', SpanAttributes['jsonrpc.request.id'], SpanId)
     )
     GROUP BY rep
     ORDER BY calls DESC, lastNs DESC
     LIMIT {limit:UInt32}`,
    { ...where.params, limit: f.limit },
  );
  return {
    range: { from: f.from.toISOString(), to: f.to.toISOString() },
    errors: rows.map((r) => ({
      server: r.McpServer,
      method: r.McpMethod,
      tool: r.McpTool,
      errorType: r.ErrorType,
      fault: r.Fault,
      message: r.StatusMessage,
      count: Number(r.calls),
      firstSeen: nsToIso(r.firstNs),
      lastSeen: nsToIso(r.lastNs),
      exampleTraceId: r.exampleTraceId,
      layers: r.layers,
    })),
  };
}
