/**
 * `/overview`: from the spans (rollup.ts) or from the MCP operation histograms (overviewMetrics.ts),
 * as model/overviewSource.ts decides, in one response shape, saying which and why.
 *
 * With `source=auto` (the default) and `spans` both are read at once, in parallel, since the decision
 * (and the response's `source`) needs both counts; at 1 hour the histogram read costs about what the
 * span read does (`npm run bench:query`). With `source=metrics` the spans are only counted, for the
 * comparison the response reports, and their root causes read.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { OverviewResponse, OverviewSource } from '../../api/types.js';
import {
  decideOverviewSource,
  HISTOGRAM_LAYERS,
  isHistogramLayer,
  type HistogramLayer,
  type SourceDecision,
} from '../../model/overviewSource.js';
import { bucketSecondsFor, MAX_CHART_BUCKETS, MAX_TREND_BUCKETS } from './buckets.js';
import type { OverviewFilter, TimeWindow } from './filters.js';
import {
  callsPerLayer,
  histogramSeries,
  histogramToolStats,
  histogramTotals,
  readOperationHistograms,
  type OperationHistograms,
} from './overviewMetrics.js';
import {
  byCountThenName,
  chooseLayer,
  failedCallsByLayer,
  querySpanOverview,
  spanCallsByLayer,
  type SpanOverview,
} from './rollup.js';

function range(w: TimeWindow) {
  return { from: w.from.toISOString(), to: w.to.toISOString() };
}

function sourceOf(f: OverviewFilter, d: SourceDecision): OverviewSource {
  return { ...d, requested: f.source ?? 'auto' };
}

export async function queryOverview(
  client: ClickHouseClient,
  database: string,
  f: OverviewFilter,
): Promise<OverviewResponse> {
  const buckets = {
    chart: bucketSecondsFor(f, MAX_CHART_BUCKETS),
    trend: bucketSecondsFor(f, MAX_TREND_BUCKETS),
  };
  const span = f.to.getTime() - f.from.getTime();
  const before = { from: new Date(f.from.getTime() - span), to: f.from };
  // Server names for the histograms come from the spans of both windows when comparing.
  const namesWindow = f.compare === 'previous' ? { from: before.from, to: f.to } : f;
  const read = (w: TimeWindow) =>
    readOperationHistograms(client, database, w, f, buckets.chart, buckets.trend, namesWindow);
  const histograms = read(f);

  if (f.source !== 'metrics') {
    const [spans, h] = await Promise.all([querySpanOverview(client, database, f), histograms]);
    const decision = decideOverviewSource({
      requested: f.source ?? 'auto',
      layer: f.layer,
      spanLayer: spans.response.layer || (Object.keys(spans.callsByLayer).length > 0 ? '' : undefined),
      spanCalls: spans.callsByLayer,
      metricCalls: callsPerLayer(h),
    });
    if (decision.used === 'spans') return { ...spans.response, source: sourceOf(f, decision) };
    const previous = f.compare === 'previous' ? await read(before) : undefined;
    return fromHistograms(f, buckets, h, previous, decision, spans.response.rootCauses);
  }

  const [callsByLayer, rootCauses, h, previous] = await Promise.all([
    spanCallsByLayer(client, database, f),
    failedCallsByLayer(client, database, f, f),
    histograms,
    f.compare === 'previous' ? read(before) : undefined,
  ]);
  const decision = decideOverviewSource({
    requested: 'metrics',
    layer: f.layer,
    spanLayer: chooseLayer(Object.keys(callsByLayer), f.layer),
    spanCalls: callsByLayer,
    metricCalls: callsPerLayer(h),
  });
  return fromHistograms(f, buckets, h, previous, decision, rootCauses);
}

/** The overview from the histograms of the decision's side (client unless it names another). */
function fromHistograms(
  f: OverviewFilter,
  buckets: { chart: number; trend: number },
  h: OperationHistograms,
  earlier: OperationHistograms | undefined,
  decision: SourceDecision,
  rootCauses: SpanOverview['response']['rootCauses'],
): OverviewResponse {
  const layer: HistogramLayer = decision.comparedLayer ?? (isHistogramLayer(f.layer) ? f.layer : 'client');
  // As with spans, the table lists every layer unless the filter names one.
  const listed = f.layer === undefined ? HISTOGRAM_LAYERS : [layer];
  const span = f.to.getTime() - f.from.getTime();
  return {
    range: range(f),
    bucketSeconds: buckets.chart,
    layer,
    totals: histogramTotals(h, layer),
    series: histogramSeries(h, layer),
    servers: histogramToolStats(h, listed, f, buckets.trend).sort(byCountThenName),
    trendBucketSeconds: buckets.trend,
    rootCauses,
    ...(earlier
      ? {
          previous: {
            range: range({ from: new Date(f.from.getTime() - span), to: f.from }),
            totals: histogramTotals(earlier, layer),
            series: histogramSeries(earlier, layer),
          },
        }
      : {}),
    source: sourceOf(f, decision),
  };
}
