/**
 * Operation histograms for the query benchmark, generated inside ClickHouse: what the SDK exports
 * (cumulative points every 60 s, the SDK's bucket bounds, `tools/call` per tool, failures under their own
 * `error.type` series) for the synthetic traffic of queryLatency.ts, counting ten times the calls its
 * spans hold — as if the traces had been sampled one in ten — so that the overview reads them.
 * The client side is one agent calling ten tools; the server side is the three servers, each serving
 * every tool (as the span fill spreads them).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { OPERATION_DURATION_BUCKETS } from '@mcpscope/sdk';
import {
  METRIC_MCP_CLIENT_OPERATION_DURATION,
  METRIC_MCP_SERVER_OPERATION_DURATION,
} from '@mcpscope/sdk/semconv';
import { METRIC_TABLES } from '../metricsSchema.js';
import { BENCH_SERVERS, BENCH_TOOLS } from './fleet.js';

/**
 * Calls per minute of one server-side series, by bucket of {@link OPERATION_DURATION_BUCKETS} (19
 * buckets): most between 1 and 10 ms, as the span fill's durations. A client series counts three times
 * a server's (its calls go to three servers).
 */
const OK_SHAPE = [0, 3, 100, 300, 267, 73, 10, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
const ERROR_SHAPE = [0, 0, 1, 4, 5, 3, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

/** Fills 24 hours of points ending at `nowMs`; returns how many were written. */
export async function fillOperationHistograms(
  client: ClickHouseClient,
  database: string,
  nowMs: number,
): Promise<number> {
  const minutes = 1440;
  const startNs = (BigInt(nowMs - minutes * 60_000 - 60_000) * 1_000_000n).toString();
  const query = `
    INSERT INTO \`${database}\`.\`${METRIC_TABLES.histogram}\`
      (ResourceAttributes, ServiceName, ScopeName, MetricName, MetricUnit, Attributes, StartTimeUnix, TimeUnix,
       Count, Sum, BucketCounts, ExplicitBounds, AggregationTemporality)
    SELECT map('service.name', service), service, '@mcpscope/sdk', metric, 's',
      mapFilter((k, v) -> v != '', map('mcp.method.name', 'tools/call', 'gen_ai.tool.name', tool,
        'network.transport', 'pipe', 'error.type', if(failed, 'tool_error', ''))),
      fromUnixTimestamp64Nano(toInt64({start:Int64})),
      fromUnixTimestamp64Nano(toInt64({start:Int64}) + toInt64(k) * 60000000000),
      toUInt64(k * arraySum(shape)), k * arraySum(shape) * 0.004,
      arrayMap(c -> toUInt64(c * k), shape), {bounds:Array(Float64)}, 2
    FROM (
      SELECT metric, service, tool, failed,
        arrayMap(c -> c * multiplier, if(failed, {errorShape:Array(UInt64)}, {okShape:Array(UInt64)})) AS shape
      FROM (
        SELECT {clientMetric:String} AS metric, 'agent' AS service, 3 AS multiplier
        UNION ALL
        SELECT {serverMetric:String}, arrayJoin({servers:Array(String)}), 1
      )
      ARRAY JOIN {tools:Array(String)} AS tool
      ARRAY JOIN [false, true] AS failed
    )
    ARRAY JOIN range(1, {minutes:UInt32} + 1) AS k`;
  await client.command({
    query,
    query_params: {
      start: startNs,
      bounds: OPERATION_DURATION_BUCKETS,
      okShape: OK_SHAPE,
      errorShape: ERROR_SHAPE,
      clientMetric: METRIC_MCP_CLIENT_OPERATION_DURATION,
      serverMetric: METRIC_MCP_SERVER_OPERATION_DURATION,
      servers: BENCH_SERVERS,
      tools: BENCH_TOOLS,
      minutes,
    },
    clickhouse_settings: { max_insert_threads: '2', max_threads: 2 },
  });
  return (1 + BENCH_SERVERS.length) * BENCH_TOOLS.length * 2 * minutes;
}
