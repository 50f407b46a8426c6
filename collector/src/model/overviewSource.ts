/**
 * Where the overview's figures come from: the spans (through the per-minute rollup) or the MCP
 * operation histograms (`mcp.client.operation.duration`, `mcp.server.operation.duration`). One rule,
 * pure, used by `/api/overview` only.
 *
 * Spans are exact per call and carry the root causes, so they are the default. But a sampler that keeps
 * one trace in ten leaves the rollup one call in ten, while the histograms still count every call: the
 * SDK records them whether or not the span was sampled. So the rule compares the two counts for the
 * same scope and layer, and takes the histograms when they clearly count more.
 *
 * Like is compared with like: client spans with the client's histogram, server spans with the server's.
 * A server's histogram also counts callers that send no traces (another agent, uninstrumented), so
 * comparing it with client spans would read "sampled" where nothing is.
 */

/** What `?source=` may ask for: `auto` (the default) applies the rule; the others force a source. */
export const OVERVIEW_SOURCE_REQUESTS = ['auto', 'spans', 'metrics'] as const;
export type OverviewSourceRequest = (typeof OVERVIEW_SOURCE_REQUESTS)[number];

/** The layers that have an operation histogram: the side of the call that recorded it. */
export const HISTOGRAM_LAYERS = ['client', 'server'] as const;
export type HistogramLayer = (typeof HISTOGRAM_LAYERS)[number];

export function isHistogramLayer(layer: string | undefined): layer is HistogramLayer {
  return layer === 'client' || layer === 'server';
}

/**
 * Histograms must count at least this many times the spans' calls to be taken as the fuller count.
 *
 * Why not just "more": the two count by different clocks. A span counts in the minute it started; a
 * histogram point counts its calls at the time it was exported (every 60 s by default), so at each end
 * of the window up to one export interval of calls is in one count and not the other. With steady
 * traffic that is at most 1/60 of a 1-hour window and 1/5 of a 5-minute one; 1.25 stays above both, and
 * still catches any sampler that keeps four traces in five or fewer (samplers are set at 1–50% in
 * practice; a trace set at 90% is nearly complete, and its spans carry root causes).
 */
export const SAMPLED_MIN_RATIO = 1.25;

/**
 * And they must count at least this many calls more. With a handful of calls, one export interval at
 * the window's edge is a large ratio (3 calls against 2), and the two sources would show nearly the
 * same figures anyway; ten calls more is a gap that an edge effect of a quiet service does not make.
 */
export const SAMPLED_MIN_EXTRA_CALLS = 10;

/** What the rule weighs. */
export interface SourceEvidence {
  requested: OverviewSourceRequest;
  /** The `layer` filter, when one is given. */
  layer?: string | undefined;
  /**
   * The layer the spans count (the filter's, else the preferred layer present: client, server, …);
   * undefined when the window has no spans in scope.
   */
  spanLayer?: string | undefined;
  /** Calls the spans count in scope, per layer (`''` for spans without a layer). */
  spanCalls: Readonly<Record<string, number>>;
  /** Calls the operation histograms count in scope, per side. */
  metricCalls: Readonly<Record<HistogramLayer, number>>;
}

/**
 * Why a source was used:
 * - `requested`: `?source=spans|metrics` said so;
 * - `sampled`: the histograms count clearly more calls than the spans ({@link SAMPLED_MIN_RATIO},
 *   {@link SAMPLED_MIN_EXTRA_CALLS}): traces are sampled;
 * - `complete`: both count about the same calls, so the spans, which are exact and carry root causes;
 * - `no-traces`: histograms but no spans in scope (tracing off, or a layer whose process sends none);
 * - `no-metrics`: no histogram points at a layer the spans also count (no MeterProvider, or none in
 *   scope);
 * - `layer-without-histogram`: the `layer` filter names a layer that has no histogram (transport).
 */
export type SourceReason =
  'requested' | 'sampled' | 'complete' | 'no-traces' | 'no-metrics' | 'layer-without-histogram';

export interface SourceDecision {
  used: 'spans' | 'metrics';
  reason: SourceReason;
  /** The layer whose counts were compared (a histogram side), when there was one. */
  comparedLayer?: HistogramLayer;
  /** Calls the spans count at `comparedLayer` (else at the layer they count). */
  spanCalls: number;
  /** Calls the histograms count at `comparedLayer` (0 without one). */
  metricCalls: number;
  /** Spans' calls over histograms' calls when the comparison says traces are sampled (e.g. 0.1). */
  sampledRatio?: number;
}

function total(counts: Readonly<Record<string, number>>): number {
  let sum = 0;
  for (const v of Object.values(counts)) sum += v;
  return sum;
}

/**
 * The side whose spans and histograms are compared: the `layer` filter's; else the first side, the
 * spans' own layer first, where both count calls; else, with no spans at all, the first side with
 * histograms; else the spans' layer when it is a side.
 */
function comparedLayer(e: SourceEvidence): HistogramLayer | undefined {
  if (e.layer !== undefined) return isHistogramLayer(e.layer) ? e.layer : undefined;
  const order: HistogramLayer[] = e.spanLayer === 'server' ? ['server', 'client'] : ['client', 'server'];
  const spans = (l: string): number => e.spanCalls[l] ?? 0;
  const both = order.find((l) => spans(l) > 0 && e.metricCalls[l] > 0);
  if (both) return both;
  if (total(e.spanCalls) === 0) return order.find((l) => e.metricCalls[l] > 0);
  return isHistogramLayer(e.spanLayer) ? e.spanLayer : undefined;
}

/** Decides the overview's source (see the file comment and {@link SourceReason}). */
export function decideOverviewSource(e: SourceEvidence): SourceDecision {
  const side = comparedLayer(e);
  if (side === undefined) {
    const spanCalls = e.spanCalls[e.layer ?? e.spanLayer ?? ''] ?? 0;
    if (e.requested === 'metrics') return { used: 'metrics', reason: 'requested', spanCalls, metricCalls: 0 };
    return {
      used: 'spans',
      reason:
        e.requested === 'spans'
          ? 'requested'
          : e.layer !== undefined
            ? 'layer-without-histogram'
            : 'no-metrics',
      spanCalls,
      metricCalls: 0,
    };
  }
  const spanCalls = e.spanCalls[side] ?? 0;
  const metricCalls = e.metricCalls[side];
  const sampled =
    spanCalls > 0 &&
    metricCalls >= spanCalls * SAMPLED_MIN_RATIO &&
    metricCalls - spanCalls >= SAMPLED_MIN_EXTRA_CALLS;
  const counts = {
    comparedLayer: side,
    spanCalls,
    metricCalls,
    ...(sampled ? { sampledRatio: spanCalls / metricCalls } : {}),
  };
  if (e.requested !== 'auto') return { used: e.requested, reason: 'requested', ...counts };
  if (metricCalls === 0) return { used: 'spans', reason: 'no-metrics', ...counts };
  if (spanCalls === 0) return { used: 'metrics', reason: 'no-traces', ...counts };
  if (sampled) return { used: 'metrics', reason: 'sampled', ...counts };
  return { used: 'spans', reason: 'complete', ...counts };
}
