/**
 * Sends a batch of small MCP traces spread over the last hour with the real OpenTelemetry JS SDK, for
 * the trace list's paging, sorting and attribute search and the overview's charts: trace i starts
 * i × 55 s before a minute ago, lasts a duration that is not in start order, has 2 spans (3 for every
 * fourth), carries `e2e.batch.index=i` on its root span and `deployment.environment=oncall-e2e` on its
 * process, and every seventh call fails.
 *
 * Run as a script (`node --import tsx sendManyTraces.ts <collector-url> <count>`) it prints
 * {@link ManyTraces} as JSON; see sendDemoTrace.ts for why it runs in its own process.
 */
import { pathToFileURL } from 'node:url';
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface ManyTraces {
  /** Trace ids by index. */
  traceIds: string[];
  /** Spans per trace, by index. */
  spanCounts: number[];
  /** The resource attribute every trace's process carries. */
  environment: string;
}

export const BATCH_ENVIRONMENT = 'oncall-e2e';

export async function sendManyTraces(url: string, count: number): Promise<ManyTraces> {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'e2e-batch-agent',
      'deployment.environment': BATCH_ENVIRONMENT,
    }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${url}/v1/traces` }), {
        maxExportBatchSize: 256,
        scheduledDelayMillis: 100,
      }),
    ],
  });
  const tracer = provider.getTracer('e2e');
  const newest = Date.now() - 60_000;
  const traceIds: string[] = [];
  const spanCounts: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = newest - i * 55_000;
    // Durations from 20 ms to 1 s in an order unrelated to the start order (37 is prime to 50).
    const durationMs = 20 + ((i * 37) % 50) * 20;
    const tool = i % 2 === 0 ? 'list_items' : 'get_item';
    const root = tracer.startSpan(`agent turn ${i}`, {
      startTime: start,
      attributes: { 'e2e.batch.index': i },
    });
    const call = tracer.startSpan(
      `tools/call ${tool}`,
      {
        kind: SpanKind.CLIENT,
        startTime: start + 2,
        attributes: {
          'mcp.method.name': 'tools/call',
          'gen_ai.tool.name': tool,
          'gen_ai.operation.name': 'execute_tool',
          'jsonrpc.request.id': String(i),
          'mcpscope.layer': 'client',
          'mcpscope.server.name': 'inventory',
        },
      },
      trace.setSpan(context.active(), root),
    );
    let spans = 2;
    if (i % 4 === 0) {
      tracer
        .startSpan('cache lookup', { startTime: start + 3 }, trace.setSpan(context.active(), call))
        .end(start + 5);
      spans++;
    }
    if (i % 7 === 3) {
      call.setAttributes({ 'error.type': 'tool_error', 'mcpscope.fault': 'tool' });
      call.setStatus({ code: SpanStatusCode.ERROR, message: `item ${i} not found` });
    }
    call.end(start + durationMs - 2);
    root.end(start + durationMs);
    traceIds.push(root.spanContext().traceId);
    spanCounts.push(spans);
  }
  await provider.forceFlush();
  await provider.shutdown();
  return { traceIds, spanCounts, environment: BATCH_ENVIRONMENT };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url = process.argv[2];
  const count = Number(process.argv[3] ?? '60');
  if (!url || !(count > 0)) throw new Error('usage: sendManyTraces.ts <collector-url> <count>');
  process.stdout.write(`${JSON.stringify(await sendManyTraces(url, count))}\n`);
}
