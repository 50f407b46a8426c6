import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { BenchTelemetry, Ends } from './benchTelemetry.js';
import type { SpanSummary } from './SpanSummary.js';
import {
  createTracePipeline,
  registerOtelGlobals,
  type TelemetrySnapshot,
  type TracePipeline,
} from './tracePipeline.js';

/**
 * The peers (MCP SDK 1.x only): `@sentry/node` initialised on the server end (it then owns the
 * OpenTelemetry globals of the process, as it always does) with `wrapMcpServerWithSentry`, and
 * `@traceloop/instrumentation-mcp` on the client end with its own TracerProvider set up like mcpscope's
 * (batching, dropping). In a client-only process that provider, the context manager and the propagator
 * are the globals, as a traceloop user would register them. When both ends share a process (in-memory),
 * traceloop keeps its own provider rather than feeding Sentry's: that is what it has in a client
 * process of its own, and under Sentry's provider every traceloop span would be retained as a child of
 * traceloop's session-long `mcp.client.session` span (Sentry collects children until the root ends), a
 * memory growth no real two-process deployment has.
 */
export async function setupPeers(
  ends: Ends,
  clientClass: typeof Client | undefined,
): Promise<BenchTelemetry> {
  let sentry: SentryCounter | undefined;
  let wrapServer: ((server: object) => void) | undefined;
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
