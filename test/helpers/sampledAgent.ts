/**
 * An instrumented MCP client whose traces are sampled, for the tests of the overview's source: its own
 * OpenTelemetry SDK (a `ParentBased(TraceIdRatioBased(ratio))` sampler, spans and metrics exported as
 * OTLP/HTTP protobuf to a real collector, metrics cumulative as the SDK's default), calling the
 * instrumented weather server (test/fixtures/weather-server.ts) in a child process over stdio. The
 * server follows the client's sampling decision through `_meta.traceparent` and exports its own
 * histogram every half second. The client counts the client-layer request spans its sampler kept, so
 * tests know exactly how many calls the spans hold.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { instrumentClient } from '@mcpscope/sdk';
import { fixtureEnv, fixtureLaunch, WEATHER_SERVER } from './fixtureServer.js';

export interface SampledAgentOptions {
  collectorUrl: string;
  /** `service.name` of the client. */
  service: string;
  /** `service.name` of its server process. */
  serverService: string;
  /** Share of traces kept, 0–1 (1: every trace). */
  ratio: number;
}

export interface SampledAgent {
  client: Client;
  /** Client-layer request spans the sampler kept so far (what the collector's spans will count). */
  tracedCalls(): number;
  /** Exports the client's buffered spans and its histogram now. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Counts the sampled client-layer request spans as they end (only sampled spans reach processors). */
class ClientCallCounter implements SpanProcessor {
  count = 0;
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    const method = String(span.attributes['mcp.method.name'] ?? '');
    if (span.attributes['mcpscope.layer'] === 'client' && method && !method.startsWith('notifications/'))
      this.count++;
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

let globalsSet = false;

export async function startSampledAgent(o: SampledAgentOptions): Promise<SampledAgent> {
  if (!globalsSet) {
    // The SDK injects _meta.traceparent with the global propagator and parents spans through the
    // active context: what startTracing installs, installed here once for every agent of the process.
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    globalsSet = true;
  }
  const resource = resourceFromAttributes({ 'service.name': o.service });
  const counter = new ClientCallCounter();
  const tracerProvider = new NodeTracerProvider({
    resource,
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(o.ratio) }),
    spanProcessors: [
      counter,
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${o.collectorUrl}/v1/traces` })),
    ],
  });
  // A long interval: the test decides when the client's histogram is exported (flush).
  const reader = new PeriodicExportingMetricReader({
    exporter: new OTLPMetricExporter({ url: `${o.collectorUrl}/v1/metrics` }),
    exportIntervalMillis: 600_000,
  });
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  const client = instrumentClient(new Client({ name: o.service, version: '1.0.0' }), {
    tracerProvider,
    meterProvider,
  });
  await client.connect(
    new StdioClientTransport(
      fixtureLaunch(
        WEATHER_SERVER,
        [],
        fixtureEnv(o.collectorUrl, o.serverService, { OTEL_METRIC_EXPORT_INTERVAL: '500' }),
      ),
    ),
  );
  return {
    client,
    tracedCalls: () => counter.count,
    flush: async () => {
      await tracerProvider.forceFlush();
      await meterProvider.forceFlush();
    },
    close: async () => {
      await client.close();
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
