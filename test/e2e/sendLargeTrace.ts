/**
 * Sends one large MCP trace (an agent turn making many tool calls, each server calling many downstream
 * services) with the real OpenTelemetry JS SDK, to check that the waterfall stays virtualized.
 *
 * Run as a script (`node --import tsx sendLargeTrace.ts <collector-url> <calls> <downstream-per-call>`)
 * it prints a {@link LargeTrace} as JSON; see sendDemoTrace.ts for why it runs in its own process.
 */
import { pathToFileURL } from 'node:url';
import { context, trace, SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface LargeTrace {
  traceId: string;
  spanCount: number;
  /** The span drawn last in the waterfall: the last downstream call of the last tool call. */
  lastSpanId: string;
}

export async function sendLargeTrace(
  url: string,
  calls: number,
  downstreamPerCall: number,
): Promise<LargeTrace> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'e2e-large-agent' }),
    // Batches: a span per request would be thousands of requests.
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }), {
        maxExportBatchSize: 1000,
        maxQueueSize: 100_000,
      }),
    ],
  });
  const tracer = provider.getTracer('e2e-large');
  const t0 = Date.now() - 60_000;
  const under = (span: ReturnType<typeof tracer.startSpan>) => trace.setSpan(context.active(), span);
  const root = tracer.startSpan('large agent turn', { startTime: t0 });
  let count = 1;
  let lastSpanId = '';
  for (let c = 0; c < calls; c++) {
    const start = t0 + c * 100;
    const base = {
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': `tool_${c}`,
      'mcpscope.server.name': 'bulk',
    };
    const client = tracer.startSpan(
      `tools/call tool_${c}`,
      { kind: SpanKind.CLIENT, startTime: start, attributes: { ...base, 'mcpscope.layer': 'client' } },
      under(root),
    );
    const transport = tracer.startSpan(
      'stdio tools/call',
      {
        startTime: start + 1,
        attributes: { 'mcp.method.name': 'tools/call', 'mcpscope.layer': 'transport' },
      },
      under(client),
    );
    const server = tracer.startSpan(
      `tools/call tool_${c}`,
      { kind: SpanKind.SERVER, startTime: start + 2, attributes: { ...base, 'mcpscope.layer': 'server' } },
      under(transport),
    );
    for (let d = 0; d < downstreamPerCall; d++) {
      const child = tracer.startSpan(
        `SELECT shard_${d}`,
        { kind: SpanKind.CLIENT, startTime: start + 3 + d, attributes: { 'db.system.name': 'postgresql' } },
        under(server),
      );
      child.end(start + 4 + d);
      lastSpanId = child.spanContext().spanId;
    }
    server.end(start + 5 + downstreamPerCall);
    transport.end(start + 6 + downstreamPerCall);
    client.end(start + 7 + downstreamPerCall);
    count += 3 + downstreamPerCall;
  }
  root.end(t0 + calls * 100 + 10);
  await provider.forceFlush();
  await provider.shutdown();
  return { traceId: root.spanContext().traceId, spanCount: count, lastSpanId };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [url, calls, downstream] = process.argv.slice(2);
  if (!url) throw new Error('usage: sendLargeTrace.ts <collector-url> [calls] [downstream-per-call]');
  process.stdout.write(
    `${JSON.stringify(await sendLargeTrace(url, Number(calls ?? 50), Number(downstream ?? 37)))}\n`,
  );
}
