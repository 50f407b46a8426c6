import { context, metrics, propagation, SpanKind, trace, type Span } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  ExportResultCode,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
  type ExportResult,
} from '@opentelemetry/core';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { DropSpanExporter } from './DropSpanExporter.js';
import type { SpanSummary } from './SpanSummary.js';

/** The configurations the benchmark compares (`two-span` is a reference point, see setupTwoSpan). */
export const BENCH_CONFIGS = [
  'bare',
  'mcpscope',
  'mcpscope-traces',
  'peers',
  'two-span',
  'three-span',
] as const;
export type BenchConfig = (typeof BENCH_CONFIGS)[number];

export function parseConfig(value: string | undefined): BenchConfig {
  const found = BENCH_CONFIGS.find((config) => config === value);
  if (!found) throw new Error(`unknown benchmark configuration: ${String(value)}`);
  return found;
}

/** Which ends of the MCP session live in this process (both for in-memory, one each for stdio). */
export interface Ends {
  client: boolean;
  server: boolean;
}

/** What the instrumentation of one process recorded. Plain data: it travels over IPC and stdio. */
export interface TelemetrySnapshot {
  /** Span count by `category | name`; Sentry spans are only counted in total (see below). */
  counts: Record<string, number>;
  /** Summaries of the spans that ended while retention was on. */
  spans: SpanSummary[];
  /** Values recorded per duration histogram (mcpscope records them; the peers have none). */
  histograms: Record<string, number>;
}

/** One configuration's instrumentation, installed in this process. */
export interface BenchTelemetry {
  instrumentClient(client: Client): void;
  instrumentServer(server: McpServer): void;
  /**
   * Flushes, returns what was recorded so far, then keeps span summaries from now on or not
   * (`retainNext`). Retention starts on, for the verification phase, and is switched off before the
   * timed rounds so it costs nothing there.
   */
  snapshot(retainNext: boolean): Promise<TelemetrySnapshot>;
}

/**
 * Installs configuration `config` in this process.
 *
 * - bare: nothing.
 * - mcpscope: what `startTracing()` installs, with the OTLP exporters replaced by ones that drop (so
 *   export cost is not counted): a BasicTracerProvider with a BatchSpanProcessor, a MeterProvider with
 *   a periodic reader, the AsyncLocalStorage context manager and the W3C trace-context + baggage
 *   propagator as globals; then `instrumentClient` / `instrumentServer` with default options.
 * - peers: `@sentry/node` initialised on the server end (it then owns the OpenTelemetry globals of the
 *   process, as it always does) with `wrapMcpServerWithSentry`, and `@traceloop/instrumentation-mcp`
 *   on the client end with its own TracerProvider set up like mcpscope's (batching, dropping). In a
 *   client-only process that provider, the context manager and the propagator are the globals, as a
 *   traceloop user would register them. When both ends share a process (in-memory), traceloop keeps
 *   its own provider rather than feeding Sentry's: that is what it has in a client process of its own,
 *   and under Sentry's provider every traceloop span would be retained as a child of traceloop's
 *   session-long `mcp.client.session` span (Sentry collects children until the root ends), a memory
 *   growth no real two-process deployment has.
 *
 * - mcpscope-traces: the same without a MeterProvider (no histograms; see setupMcpscope).
 * - two-span: the reference the design's target is anchored on (see setupTwoSpan).
 * - three-span: the least the requirement needs (see setupThreeSpan).
 *
 * Content capture is off in every configuration (mcpscope's and Sentry's default; traceloop's default
 * is on, so it is turned off here for the same work on all sides).
 */
export async function setupTelemetry(
  config: BenchConfig,
  ends: Ends,
  clientClass?: typeof Client,
): Promise<BenchTelemetry> {
  switch (config) {
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
      return setupThreeSpan();
    case 'peers':
      return setupPeers(ends, clientClass);
  }
}

/**
 * mcpscope as `startTracing()` installs it (`withMetrics`), or with no MeterProvider at all
 * (`mcpscope-traces`: the three layers and propagation only, what the design's target is about; the
 * instrumentation records no histograms then).
 */
async function setupMcpscope(withMetrics: boolean): Promise<BenchTelemetry> {
  const pipeline = createTracePipeline();
  registerOtelGlobals(pipeline.provider);
  let reader: PeriodicExportingMetricReader | undefined;
  if (withMetrics) {
    reader = new PeriodicExportingMetricReader({
      exporter: new DropMetricExporter(),
      exportIntervalMillis: 60_000,
    });
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
  }
  const sdk = await import('@mcpscope/sdk');
  return {
    instrumentClient: (client) => void sdk.instrumentClient(client),
    instrumentServer: (server) => void sdk.instrumentServer(server),
    snapshot: async (retainNext) => {
      const snapshot = await pipeline.take(retainNext);
      if (reader) snapshot.histograms = await histogramCounts(reader);
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
      client.callTool = (params, resultSchema, options) =>
        endOn(
          tracer.startSpan(`tools/call ${params.name}`, { kind: SpanKind.CLIENT }),
          callTool(params, resultSchema, options),
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
 * only `mcp.method.name` and the tool name; no metrics, no error classification. The transport span
 * ends with the client span (a real one ends when the response arrives, which needs a hook more), so
 * this is a lower bound.
 */
function setupThreeSpan(): BenchTelemetry {
  const pipeline = createTracePipeline();
  registerOtelGlobals(pipeline.provider);
  const tracer = pipeline.provider.getTracer('three-span');
  const getter = {
    keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
    get: (carrier: Record<string, unknown>, key: string) => {
      const value = carrier[key];
      return typeof value === 'string' ? value : undefined;
    },
  };
  return {
    instrumentClient: (client) => {
      const callTool = client.callTool.bind(client);
      client.callTool = (params, resultSchema, options) => {
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
        return callTool({ ...params, _meta: meta }, resultSchema, options).then(
          (value) => {
            transport.end();
            span.end();
            return value;
          },
          (error: unknown) => {
            transport.end();
            span.end();
            throw error;
          },
        );
      };
    },
    instrumentServer: (server) =>
      wrapToolsCallHandler(server, (handler, request, extra) => {
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
        return endOn(span, context.with(trace.setSpan(parent, span), handler, undefined, request, extra));
      }),
    snapshot: (retainNext) => pipeline.take(retainNext),
  };
}

/** Replaces the bench server's tools/call handler with `wrapper`, which gets the original to call. */
function wrapToolsCallHandler(
  server: McpServer,
  wrapper: (handler: Handler, request: Parameters<Handler>[0], extra: unknown) => Promise<unknown>,
): void {
  const handlers = (server.server as unknown as { _requestHandlers: Map<string, Handler> })._requestHandlers;
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

async function setupPeers(ends: Ends, clientClass: typeof Client | undefined): Promise<BenchTelemetry> {
  let sentry: SentryCounter | undefined;
  let wrapServer: ((server: McpServer) => void) | undefined;
  if (ends.server) {
    const Sentry = await import('@sentry/node');
    Sentry.init({
      // A syntactically valid DSN that is never contacted: the transport below drops every envelope
      // without serializing it, so nothing leaves the machine and export cost is not counted.
      dsn: 'https://0123456789abcdef0123456789abcdef@127.0.0.1/1',
      tracesSampleRate: 1,
      sendClientReports: false,
      transport: () => ({ send: () => Promise.resolve({}), flush: () => Promise.resolve(true) }),
    });
    const client = Sentry.getClient();
    if (!client) throw new Error('Sentry.init did not create a client');
    const counter: SentryCounter = { total: 0, retained: [] };
    // Counting is a bare increment; the span is only converted for the verification summaries.
    client.on('spanEnd', (span) => {
      counter.total++;
      if (counter.retained) counter.retained.push(summarizeSentrySpan(Sentry.spanToJSON(span)));
    });
    sentry = counter;
    wrapServer = (server) => void Sentry.wrapMcpServerWithSentry(server);
  }
  let pipeline: TracePipeline | undefined;
  if (ends.client) {
    if (!clientClass) throw new Error('the traceloop instrumentation needs the MCP Client class');
    pipeline = createTracePipeline();
    if (!ends.server) registerOtelGlobals(pipeline.provider);
    const { McpInstrumentation } = await import('@traceloop/instrumentation-mcp');
    // Disabled hooks, manual patching: the ESM MCP SDK is already loaded, so the module hooks could
    // not see it; manuallyInstrument wraps Client.prototype exactly as the hook would.
    const instrumentation = new McpInstrumentation({ enabled: false, traceContent: false });
    instrumentation.setTracerProvider(pipeline.provider);
    instrumentation.manuallyInstrument({ Client: clientClass });
  }
  return {
    instrumentClient: () => undefined,
    instrumentServer: (server) => wrapServer?.(server),
    snapshot: async (retainNext) => {
      const snapshot: TelemetrySnapshot = pipeline
        ? await pipeline.take(retainNext)
        : { counts: {}, spans: [], histograms: {} };
      if (sentry) {
        snapshot.counts['sentry (all spans) | *'] = sentry.total;
        snapshot.spans.push(...(sentry.retained ?? []));
        sentry.retained = retainNext ? [] : undefined;
      }
      return snapshot;
    },
  };
}

interface SentryCounter {
  total: number;
  retained: SpanSummary[] | undefined;
}

interface SentrySpanJson {
  description?: string;
  origin?: string;
  trace_id: string;
  span_id: string;
  parent_span_id?: string;
  data: Record<string, unknown>;
}

function summarizeSentrySpan(json: SentrySpanJson): SpanSummary {
  const attributes: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(json.data)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      attributes[key] = value;
  }
  return {
    category: `sentry ${json.origin ?? 'unknown'}`,
    name: json.description ?? '',
    traceId: json.trace_id,
    spanId: json.span_id,
    parentSpanId: json.parent_span_id,
    attributes,
  };
}

interface TracePipeline {
  provider: BasicTracerProvider;
  /** Flushes, returns counts and retained summaries, and sets retention for what follows. */
  take(retainNext: boolean): Promise<TelemetrySnapshot>;
}

function createTracePipeline(): TracePipeline {
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

function registerOtelGlobals(provider: BasicTracerProvider): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
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
