import type { SpanView } from '../../api/types.js';
import { ATTR_MCPSCOPE_LAYER, toSpanLayer, type SpanLayer } from '../../telemetry.js';

/** One span with its times made relative to the trace start, in nanoseconds as plain numbers. */
export interface TraceSpan {
  spanId: string;
  parentSpanId: string;
  /** Nanoseconds from the earliest span start in the trace. */
  startNs: number;
  durationNs: number;
  endNs: number;
  layer: SpanLayer;
  isError: boolean;
  view: SpanView;
}

/** A trace ready to draw: spans in API order, indexed by id, with the overall extent. */
export interface TraceModel {
  traceId: string;
  /** Unix nanoseconds of the earliest span start (BigInt: unix nanoseconds exceed 2^53). */
  startUnixNano: bigint;
  /** From the earliest start to the latest end, nanoseconds. */
  durationNs: number;
  spans: TraceSpan[];
  byId: Map<string, TraceSpan>;
}

function toBigInt(value: string): bigint {
  try {
    return BigInt(value);
  } catch {
    return 0n;
  }
}

/**
 * Builds the model from the API's spans. Unix nanoseconds do not fit a double (2^53 ns is 104 days), so
 * the subtraction from the trace start happens in BigInt and only the small relative values become
 * numbers. A duplicated span id keeps its first occurrence.
 */
export function toTraceModel(traceId: string, views: readonly SpanView[]): TraceModel {
  const starts = views.map((v) => toBigInt(v.startTimeUnixNano));
  let min: bigint | undefined;
  for (const s of starts) if (min === undefined || s < min) min = s;
  const origin = min ?? 0n;

  const spans: TraceSpan[] = [];
  const byId = new Map<string, TraceSpan>();
  let durationNs = 0;
  views.forEach((view, i) => {
    if (byId.has(view.spanId)) return;
    const startNs = Number((starts[i] ?? origin) - origin);
    const rawDuration = Number(toBigInt(view.durationNs));
    const spanDuration = rawDuration > 0 ? rawDuration : 0;
    const span: TraceSpan = {
      spanId: view.spanId,
      parentSpanId: view.parentSpanId,
      startNs,
      durationNs: spanDuration,
      endNs: startNs + spanDuration,
      layer: toSpanLayer(view.attributes[ATTR_MCPSCOPE_LAYER]),
      isError: view.statusCode === 'Error',
      view,
    };
    spans.push(span);
    byId.set(span.spanId, span);
    if (span.endNs > durationNs) durationNs = span.endNs;
  });
  return { traceId, startUnixNano: origin, durationNs, spans, byId };
}
