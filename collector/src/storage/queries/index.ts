/** The read side of storage: one method per query API view, returning the API's response shapes. */
import type { ClickHouseClient } from '@clickhouse/client';
import type {
  ErrorsResponse,
  MetricHistogramResponse,
  MetricsResponse,
  OverviewResponse,
  ToolChangesResponse,
  ToolsResponse,
  TraceResponse,
  TracesResponse,
} from '../../api/types.js';
import { queryErrors } from './errors.js';
import { queryMetricHistogram, queryMetrics } from './metrics.js';
import type {
  ErrorsFilter,
  MetricHistogramFilter,
  MetricsFilter,
  OverviewFilter,
  ToolChangesFilter,
  ToolsFilter,
  TraceFilter,
} from './filters.js';
import { queryOverview } from './overview.js';
import { queryTools } from './rollup.js';
import { queryToolChanges } from './toolChanges.js';
import { queryTrace } from './trace.js';
import { queryTraces } from './traces.js';

export type * from './filters.js';

export interface Queries {
  traces(filter: TraceFilter): Promise<TracesResponse>;
  /** Undefined when the trace is unknown. */
  trace(traceId: string): Promise<TraceResponse | undefined>;
  /** From the per-minute rollup, or the operation histograms where traces are sampled (`source`). */
  overview(filter: OverviewFilter): Promise<OverviewResponse>;
  /** From the per-minute rollup; with `tool` also the detail panel. */
  tools(filter: ToolsFilter): Promise<ToolsResponse>;
  errors(filter: ErrorsFilter): Promise<ErrorsResponse>;
  toolChanges(filter: ToolChangesFilter): Promise<ToolChangesResponse>;
  /** The OTLP metrics with points in the window (all five metric tables). */
  metrics(filter: MetricsFilter): Promise<MetricsResponse>;
  /** One explicit-bucket histogram metric, per minute and in total, with estimated quantiles. */
  metricHistogram(filter: MetricHistogramFilter): Promise<MetricHistogramResponse>;
}

export function createQueries(client: ClickHouseClient, database: string): Queries {
  return {
    traces: (f) => queryTraces(client, database, f),
    trace: (id) => queryTrace(client, database, id),
    overview: (f) => queryOverview(client, database, f),
    tools: (f) => queryTools(client, database, f),
    errors: (f) => queryErrors(client, database, f),
    toolChanges: (f) => queryToolChanges(client, database, f),
    metrics: (f) => queryMetrics(client, database, f),
    metricHistogram: (f) => queryMetricHistogram(client, database, f),
  };
}
