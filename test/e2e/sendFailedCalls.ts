/**
 * Sends two traces whose verdicts the trace page must show, with the real OpenTelemetry JS SDK:
 *
 * - `twoFailures`: an agent turn with two failed tool calls, each with a client and a server span — first
 *   `charge_card`, whose tool reports an error (verdict: tool, at its server span), then `get_alerts`,
 *   whose server failed after its HTTP call to the alerts backend answered 503 (verdict: downstream, at
 *   that HTTP span).
 * - `lostSpan`: one failed call whose server names the failed downstream span it saw
 *   (`mcpscope.downstream.span_id`), a span that never arrives: the verdict points at a span the
 *   waterfall cannot draw.
 *
 * Run as a script (`node --import tsx sendFailedCalls.ts <collector-url>`) it prints {@link FailedCalls}
 * as JSON; see sendDemoTrace.ts for why it runs in its own process.
 */
import { pathToFileURL } from 'node:url';
import { context, trace, SpanKind, SpanStatusCode, type Context, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface FailedCalls {
  twoFailures: {
    traceId: string;
    spanCount: number;
    chargeClient: string;
    chargeServer: string;
    alertsClient: string;
    alertsHttp: string;
  };
  lostSpan: {
    traceId: string;
    spanCount: number;
    /** The downstream span the server named, never sent. */
    lostSpanId: string;
  };
}

const LOST_SPAN_ID = '00000000deadbeef';

function provider(url: string, serviceName: string): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }))],
  });
}

export async function sendFailedCalls(url: string): Promise<FailedCalls> {
  const agentProvider = provider(url, 'e2e-rc-agent');
  const serverProvider = provider(url, 'e2e-rc-server');
  const agent = agentProvider.getTracer('e2e');
  const server = serverProvider.getTracer('e2e');
  const t0 = Date.now() - 5_000;
  const at = (ms: number): number => t0 + ms;
  const under = (parent: Span): Context => trace.setSpan(context.active(), parent);
  const mcp = (tool: string, id: string) => ({
    'mcp.method.name': 'tools/call',
    'gen_ai.tool.name': tool,
    'gen_ai.operation.name': 'execute_tool',
    'jsonrpc.request.id': id,
    'mcpscope.server.name': 'weather',
  });
  /** A failed call's client span and its server span (the transport is left out: two layers suffice). */
  const failedCall = (
    tool: string,
    id: string,
    startMs: number,
    parent: Context,
    serverFailure: Record<string, string>,
    message: string,
    inServer?: (serverSpan: Span) => void,
  ): { client: Span; server: Span } => {
    const client = agent.startSpan(
      `tools/call ${tool}`,
      {
        kind: SpanKind.CLIENT,
        startTime: at(startMs),
        attributes: { ...mcp(tool, id), 'mcpscope.layer': 'client', 'error.type': 'tool_error' },
      },
      parent,
    );
    const srv = server.startSpan(
      `tools/call ${tool}`,
      {
        kind: SpanKind.SERVER,
        startTime: at(startMs + 5),
        attributes: { ...mcp(tool, id), 'mcpscope.layer': 'server' },
      },
      under(client),
    );
    inServer?.(srv);
    srv.setAttributes(serverFailure);
    srv.setStatus({ code: SpanStatusCode.ERROR, message });
    srv.end(at(startMs + 90));
    client.setAttribute('mcpscope.fault', serverFailure['mcpscope.fault'] ?? '');
    client.setStatus({ code: SpanStatusCode.ERROR, message });
    client.end(at(startMs + 100));
    return { client, server: srv };
  };

  // Trace 1: two failed calls in one agent turn.
  const root = agent.startSpan('agent turn with two failures', { startTime: at(0) });
  const charge = failedCall(
    'charge_card',
    '1',
    10,
    under(root),
    { 'error.type': 'tool_error', 'mcpscope.fault': 'tool' },
    'card declined for cus_123: amount over limit',
  );
  let http: Span | undefined;
  const alerts = failedCall(
    'get_alerts',
    '2',
    200,
    under(root),
    { 'error.type': 'tool_error', 'mcpscope.fault': 'downstream' },
    'weather backend unavailable (HTTP 503)',
    (srv) => {
      http = server.startSpan(
        'GET /v1/alerts',
        {
          kind: SpanKind.CLIENT,
          startTime: at(210),
          attributes: { 'http.request.method': 'GET', 'http.response.status_code': 503 },
        },
        under(srv),
      );
      http.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream returned 503' });
      http.end(at(260));
      srv.setAttribute('mcpscope.downstream.span_id', http.spanContext().spanId);
    },
  );
  root.end(at(400));

  // Trace 2: the failed downstream span the server names never arrives.
  const lost = failedCall(
    'get_alerts',
    '3',
    1_000,
    context.active(),
    {
      'error.type': 'tool_error',
      'mcpscope.fault': 'downstream',
      'mcpscope.downstream.span_id': LOST_SPAN_ID,
    },
    'weather backend unavailable (HTTP 503)',
  );

  await Promise.all([agentProvider.forceFlush(), serverProvider.forceFlush()]);
  await Promise.all([agentProvider.shutdown(), serverProvider.shutdown()]);
  if (!http) throw new Error('the downstream span was not made');
  return {
    twoFailures: {
      traceId: root.spanContext().traceId,
      spanCount: 6,
      chargeClient: charge.client.spanContext().spanId,
      chargeServer: charge.server.spanContext().spanId,
      alertsClient: alerts.client.spanContext().spanId,
      alertsHttp: http.spanContext().spanId,
    },
    lostSpan: { traceId: lost.client.spanContext().traceId, spanCount: 2, lostSpanId: LOST_SPAN_ID },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url = process.argv[2];
  if (!url) throw new Error('usage: sendFailedCalls.ts <collector-url>');
  process.stdout.write(`${JSON.stringify(await sendFailedCalls(url))}\n`);
}
