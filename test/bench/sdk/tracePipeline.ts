import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DropSpanExporter } from './DropSpanExporter.js';
import type { SpanSummary } from './SpanSummary.js';

/** What the instrumentation of one process recorded. Plain data: it travels over IPC and stdio. */
export interface TelemetrySnapshot {
  /** Span count by `category | name`; Sentry spans are only counted in total (see peers.ts). */
  counts: Record<string, number>;
  /** Summaries of the spans that ended while retention was on. */
  spans: SpanSummary[];
  /** Values recorded per duration histogram (mcpscope records them; the peers have none). */
  histograms: Record<string, number>;
  /** The file `@mcpscope/sdk` was imported from, in a process that runs mcpscope. */
  sdkModule?: string;
}

/** The trace side of `startTracing()` with an exporter that drops: what every configuration shares. */
export interface TracePipeline {
  provider: BasicTracerProvider;
  /** Flushes, returns counts and retained summaries, and sets retention for what follows. */
  take(retainNext: boolean): Promise<TelemetrySnapshot>;
}

/** A BasicTracerProvider with a BatchSpanProcessor into a DropSpanExporter (retention on). */
export function createTracePipeline(): TracePipeline {
  const exporter = new DropSpanExporter();
  exporter.retained = [];
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  return {
    provider,
    take: async (retainNext) => {
      await provider.forceFlush();
      const snapshot: TelemetrySnapshot = {
        counts: Object.fromEntries(exporter.counts),
        spans: exporter.retained ?? [],
        histograms: {},
      };
      exporter.retained = retainNext ? [] : undefined;
      return snapshot;
    },
  };
}

/** The globals `startTracing()` registers: AsyncLocalStorage context, W3C propagators, the provider. */
export function registerOtelGlobals(provider: BasicTracerProvider): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
}
