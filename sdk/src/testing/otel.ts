import { context, propagation, trace, type SpanContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

/** The global OpenTelemetry setup of the SDK tests: real SDK, spans kept in memory. */
export interface TestTelemetry {
  provider: BasicTracerProvider;
  exporter: InMemorySpanExporter;
  /** Finished spans so far. */
  spans(): ReadableSpan[];
  reset(): void;
}

/**
 * Registers the async-hooks context manager, the W3C trace-context + baggage propagator and a tracer
 * provider exporting to memory as the OpenTelemetry globals of this test process.
 * @param spanProcessors further processors of the provider, before the exporting one (e.g.
 *   `McpscopeSpanProcessor`). Defaults to none.
 */
export function setupTestTelemetry(spanProcessors: SpanProcessor[] = []): TestTelemetry {
  const { exporter, provider } = inMemoryTracing(spanProcessors);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
  return {
    provider,
    exporter,
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
  };
}

/**
 * A tracer provider of its own (not the global one) exporting to memory: for code that takes a tracer or
 * a `tracerProvider` option.
 * @param spanProcessors further processors, before the exporting one. Defaults to none.
 */
export function inMemoryTracing(spanProcessors: SpanProcessor[] = []): {
  provider: BasicTracerProvider;
  exporter: InMemorySpanExporter;
} {
  const exporter = new InMemorySpanExporter();
  return {
    exporter,
    provider: new BasicTracerProvider({
      spanProcessors: [...spanProcessors, new SimpleSpanProcessor(exporter)],
    }),
  };
}

/** Parent span id of a finished span (SDK 2.x keeps it in `parentSpanContext`). */
export function parentSpanId(span: ReadableSpan): string | undefined {
  return (span as { parentSpanContext?: SpanContext }).parentSpanContext?.spanId;
}

/** The single finished span with this name (fails loudly when there is not exactly one). */
export function onlySpan(spans: readonly ReadableSpan[], name: string, kind?: number): ReadableSpan {
  const found = spans.filter((span) => span.name === name && (kind === undefined || span.kind === kind));
  if (found.length !== 1) {
    throw new Error(
      `expected one span named "${name}", found ${found.length}: ${spans.map((s) => s.name).join(', ')}`,
    );
  }
  return found[0] as ReadableSpan;
}

/** Waits until `predicate` holds (spans end on promise continuations and across processes). */
export async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
