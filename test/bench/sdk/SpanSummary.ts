import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/** What the verification phase checks about a span; plain data, so it crosses process boundaries. */
export interface SpanSummary {
  /** Who made it: `mcpscope client|transport|server`, an instrumentation scope, or `sentry <origin>`. */
  category: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  /** Attributes the checks look at (primitive values only). */
  attributes: Record<string, string | number | boolean>;
}

/** `mcpscope <layer>` for mcpscope spans, else the instrumentation scope (e.g. traceloop's). */
export function spanCategory(span: ReadableSpan): string {
  const layer = span.attributes['mcpscope.layer'];
  return typeof layer === 'string' ? `mcpscope ${layer}` : span.instrumentationScope.name;
}

export function summarizeSpan(span: ReadableSpan): SpanSummary {
  const attributes: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(span.attributes)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      attributes[key] = value;
  }
  return {
    category: spanCategory(span),
    name: span.name,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes,
  };
}
