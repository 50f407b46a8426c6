import { fileURLToPath } from 'node:url';
import {
  context,
  metrics,
  propagation,
  SpanKind,
  trace,
  type Attributes,
  type Histogram,
  type Span,
} from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Instrumentation } from './benchConfigs.js';
import { SDK_MODULE_ENV } from './messages.js';
import { setupPeers } from './peers.js';
import { createTracePipeline, registerOtelGlobals, type TelemetrySnapshot } from './tracePipeline.js';

/** Which ends of the MCP session live in this process (both for in-memory, one each for stdio). */
export interface Ends {
  client: boolean;
  server: boolean;
}

/** The parameters of the benchmark's tools/call. */
export interface CallParams {
  name: string;
  arguments?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
}

/**
 * What the benchmark uses of an MCP Client of either major version: `callTool(params, resultSchema?,
 * options?)` in 1.x, `callTool(params, options?)` in 2.x (the wrappers below pass the rest through).
 */
export interface BenchClient {
  callTool(params: CallParams, ...rest: unknown[]): Promise<{ content?: unknown; isError?: unknown }>;
  close(): Promise<void>;
}

/** An McpServer of either major version: both keep their low-level Server in `.server`. */
export interface BenchServer {
  readonly server: object;
}

/** One configuration's instrumentation, installed in this process. */
export interface BenchTelemetry {
  instrumentClient(client: BenchClient): void;
  instrumentServer(server: BenchServer): void;
  /**
   * Flushes, returns what was recorded so far, then keeps span summaries from now on or not
   * (`retainNext`). Retention starts on, for the verification phase, and is switched off before the
   * timed rounds so it costs nothing there.
   */
  snapshot(retainNext: boolean): Promise<TelemetrySnapshot>;
}

/**
 * Installs `instrumentation` in this process.
 *
 * - bare: nothing.
 * - mcpscope: what `startTracing()` installs, with the OTLP exporters replaced by ones that drop (so
 *   export cost is not counted): a BasicTracerProvider with a BatchSpanProcessor, a MeterProvider with
 *   a periodic reader, the AsyncLocalStorage context manager and the W3C trace-context + baggage
 *   propagator as globals; then `instrumentClient` / `instrumentServer` with default options (the same
 *   public functions take MCP SDK 1.x and 2.x objects).
 * - mcpscope-traces: the same without a MeterProvider (no histograms; see setupMcpscope).
 * - peers: Sentry on the server end, traceloop on the client end (MCP SDK 1.x only; see peers.ts).
 * - two-span: the reference the design's target is anchored on (see setupTwoSpan).
 * - three-span: the least the requirement needs (see setupThreeSpan).
 * - three-span-metrics: three-span plus the two operation histograms mcpscope records (see
 *   setupThreeSpan): the floor of a configuration with a MeterProvider.
 *
 * Content capture is off in every configuration (mcpscope's and Sentry's default; traceloop's default
 * is on, so it is turned off here for the same work on all sides).
 *
 * @param clientClass the MCP SDK 1.x Client class, which traceloop patches (peers only).
 */
export async function setupTelemetry(
  instrumentation: Instrumentation,
  ends: Ends,
  clientClass?: typeof Client,
): Promise<BenchTelemetry> {
  switch (instrumentation) {
    case 'bare':
      return {
        instrumentClient: () => undefined,
        instrumentServer: () => undefined,
        snapshot: () => Promise.resolve({ counts: {}, spans: [], histograms: {} }),
      };
    case 'mcpscope':
      return setupMcpscope(true);
    case 'mcpscope-traces':
      return setupMcpscope(false);
    case 'two-span':
      return setupTwoSpan();
    case 'three-span':
      return setupThreeSpan(false);
    case 'three-span-metrics':
      // mcpscope's histogram attributes: the method, the tool and, off memory, network.transport.
      return setupThreeSpan(true, ends.client && ends.server ? undefined : 'pipe');
    case 'peers':
      return setupPeers(ends, clientClass);
  }
}

/**
 * mcpscope as `startTracing()` installs it (`withMetrics`), or with no MeterProvider at all
 * (`mcpscope-traces`: the three layers and propagation only, what the design's target is about; the
 * instrumentation records no histograms then). `@mcpscope/sdk` is this checkout's, or in a baseline
 * run the build the parent names in SDK_MODULE_ENV (the same public functions).
 */
async function setupMcpscope(withMetrics: boolean): Promise<BenchTelemetry> {
  const pipeline = createTracePipeline();
  registerOtelGlobals(pipeline.provider);
  const reader = withMetrics ? registerMeterProvider() : undefined;
  const sdkModule = process.env[SDK_MODULE_ENV] ?? import.meta.resolve('@mcpscope/sdk');
  const sdk = (await import(sdkModule)) as typeof import('@mcpscope/sdk');
  return {
    instrumentClient: (client) => void sdk.instrumentClient(client as never),
    instrumentServer: (server) => void sdk.instrumentServer(server as never),
    snapshot: async (retainNext) => {
      const snapshot = await pipeline.take(retainNext);
      if (reader) snapshot.histograms = await histogramCounts(reader);
      snapshot.sdkModule = fileURLToPath(sdkModule);
      return snapshot;
    },
  };
}

/**
 * The reference the design's target is anchored on: a minimal two-span wrapper with the same
 * OpenTelemetry setup as mcpscope (without the MeterProvider): a CLIENT span around `callTool` and a
 * SERVER span around the server's tools/call handler, the handler running in its context. No transport
 * span, no propagation, no attributes, no metrics.
 */
function setupTwoSpan(): BenchTelemetry {
  const pipeline = createTracePipeline();
  registerOtelGlobals(pipeline.provider);
  const tracer = pipeline.provider.getTracer('two-span');
  return {
    instrumentClient: (client) => {
      const callTool = client.callTool.bind(client);
      client.callTool = (params, ...rest) =>
        endOn(
          tracer.startSpan(`tools/call ${params.name}`, { kind: SpanKind.CLIENT }),
          callTool(params, ...rest),
        );
    },
    instrumentServer: (server) =>
      wrapToolsCallHandler(server, (handler, request, extra) => {
        const span = tracer.startSpan(`tools/call ${request.params?.name}`, { kind: SpanKind.SERVER });
        return endOn(
          span,
          context.with(trace.setSpan(context.active(), span), handler, undefined, request, extra),
        );
      }),
    snapshot: (retainNext) => pipeline.take(retainNext),
  };
}

/**
 * The least any implementation of the requirement has to do, with the same OpenTelemetry setup as
 * mcpscope (without the MeterProvider) and no mcpscope code: a CLIENT span around `callTool`, a
 * transport span under it whose context is injected into `params._meta` through the global propagator
 * (a copy of the caller's params), and a SERVER span around the server's tools/call handler, parented
 * on the context extracted from `_meta`, with the handler running in its context. Each span carries
 * only `mcp.method.name` and the tool name; no error classification. The transport span ends with the
 * client span (a real one ends when the response arrives, which needs a hook more), so this is a lower
 * bound.
 *
 * No metrics, unless `withMetrics` (`three-span-metrics`): then a MeterProvider as mcpscope's and the
 * two operation histograms recorded as mcpscope records them (when each side's span ends, with the
 * method, the tool and, when given, `networkTransport`).
 */
async function setupThreeSpan(withMetrics: boolean, networkTransport?: string): Promise<BenchTelemetry> {
  const pipeline = createTracePipeline();
  registerOtelGlobals(pipeline.provider);
  const tracer = pipeline.provider.getTracer('three-span');
  const reader = withMetrics ? registerMeterProvider() : undefined;
  const histograms = reader ? await operationHistograms() : undefined;
  const getter = {
    keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
    get: (carrier: Record<string, unknown>, key: string) => {
      const value = carrier[key];
      return typeof value === 'string' ? value : undefined;
    },
  };
  const metricAttributes = (name: unknown): Attributes => {
    const attributes: Attributes = { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': String(name) };
    if (networkTransport !== undefined) attributes['network.transport'] = networkTransport;
    return attributes;
  };
  return {
    instrumentClient: (client) => {
      const callTool = client.callTool.bind(client);
      client.callTool = (params, ...rest) => {
        const start = performance.now();
        const attributes = { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': params.name };
        const parent = context.active();
        const span = tracer.startSpan(
          `tools/call ${params.name}`,
          { kind: SpanKind.CLIENT, attributes },
          parent,
        );
        const transport = tracer.startSpan(
          'transport tools/call',
          { kind: SpanKind.INTERNAL, attributes },
          trace.setSpan(parent, span),
        );
        const meta: Record<string, unknown> = { ...params._meta };
        propagation.inject(trace.setSpan(parent, transport), meta);
        const done = (): void => {
          transport.end();
          span.end();
          histograms?.client.record((performance.now() - start) / 1000, metricAttributes(params.name));
        };
        return callTool({ ...params, _meta: meta }, ...rest).then(
          (value) => {
            done();
            return value;
          },
          (error: unknown) => {
            done();
            throw error;
          },
        );
      };
    },
    instrumentServer: (server) =>
      wrapToolsCallHandler(server, (handler, request, extra) => {
        const start = performance.now();
        const active = context.active();
        const parent = propagation.extract(active, request.params?._meta ?? {}, getter);
        const name = request.params?.name;
        const span = tracer.startSpan(
          `tools/call ${name}`,
          {
            kind: SpanKind.SERVER,
            attributes: { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': name },
          },
          parent,
        );
        const result = endOn(
          span,
          context.with(trace.setSpan(parent, span), handler, undefined, request, extra),
        );
        if (!histograms) return result;
        const record = (): void =>
          histograms.server.record((performance.now() - start) / 1000, metricAttributes(name));
        return result.then(
          (value) => {
            record();
            return value;
          },
          (error: unknown) => {
            record();
            throw error;
          },
        );
      }),
    snapshot: async (retainNext) => {
      const snapshot = await pipeline.take(retainNext);
      if (reader) snapshot.histograms = await histogramCounts(reader);
      return snapshot;
    },
  };
}

/** Replaces the bench server's tools/call handler with `wrapper`, which gets the original to call. */
function wrapToolsCallHandler(
  server: BenchServer,
  wrapper: (handler: Handler, request: Parameters<Handler>[0], extra: unknown) => Promise<unknown>,
): void {
  const handlers = (server.server as { _requestHandlers: Map<string, Handler> })._requestHandlers;
  const handler = handlers.get('tools/call');
  if (!handler) throw new Error('the bench server has no tools/call handler');
  handlers.set('tools/call', (request, extra) => wrapper(handler, request, extra));
}

function endOn<T>(span: Span, promise: Promise<T>): Promise<T> {
  return promise.then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      span.end();
      throw error;
    },
  );
}

type Handler = (
  request: { params?: { name?: string; _meta?: Record<string, unknown> } },
  extra: unknown,
) => Promise<unknown>;

/** A MeterProvider as `startTracing()` installs it (a periodic reader, here into an exporter that drops). */
function registerMeterProvider(): PeriodicExportingMetricReader {
  const reader = new PeriodicExportingMetricReader({
    exporter: new DropMetricExporter(),
    exportIntervalMillis: 60_000,
  });
  metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  return reader;
}

/**
 * The two operation histograms as mcpscope creates them (same names, unit and buckets). The buckets are
 * imported here only, so that no process but the mcpscope and three-span-metrics ones loads
 * `@mcpscope/sdk` (a baseline run's process loads the baseline build alone).
 */
async function operationHistograms(): Promise<{ client: Histogram; server: Histogram }> {
  const { OPERATION_DURATION_BUCKETS } = await import('@mcpscope/sdk');
  const meter = metrics.getMeter('three-span');
  const options = { unit: 's', advice: { explicitBucketBoundaries: OPERATION_DURATION_BUCKETS } };
  return {
    client: meter.createHistogram('mcp.client.operation.duration', options),
    server: meter.createHistogram('mcp.server.operation.duration', options),
  };
}

/** A metric exporter that drops: the periodic reader still collects, nothing is serialized. */
class DropMetricExporter implements PushMetricExporter {
  export(_metrics: unknown, resultCallback: (result: ExportResult) => void): void {
    resultCallback({ code: ExportResultCode.SUCCESS });
  }
  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Values recorded so far per histogram (cumulative temporality). */
async function histogramCounts(reader: PeriodicExportingMetricReader): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const { resourceMetrics } = await reader.collect();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.dataPointType !== DataPointType.HISTOGRAM) continue;
      let count = 0;
      for (const point of metric.dataPoints) count += point.value.count;
      counts[metric.descriptor.name] = count;
    }
  }
  return counts;
}
