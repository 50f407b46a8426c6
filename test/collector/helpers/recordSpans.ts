/**
 * Real finished spans from the real OpenTelemetry SDK (BasicTracerProvider + InMemorySpanExporter),
 * shaped like one MCP tools/call each: a CLIENT root and its children, with the SDK's attributes.
 */
import { SpanKind, context, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** `traces` traces of `spansPerTrace` spans each, all under one resource named `service`. */
export function recordTraces(service: string, traces: number, spansPerTrace: number): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'telemetry.sdk.language': 'nodejs' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('@mcpscope/sdk', '0.1.0');
  for (let t = 0; t < traces; t++) {
    const root = tracer.startSpan('tools/call get_weather', {
      kind: SpanKind.CLIENT,
      attributes: {
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': 'get_weather',
        'jsonrpc.request.id': String(t + 1),
        'mcpscope.layer': 'client',
      },
    });
    const parent = trace.setSpan(context.active(), root);
    for (let i = 1; i < spansPerTrace; i++) {
      tracer
        .startSpan(
          'GET',
          { kind: SpanKind.CLIENT, attributes: { 'http.request.method': 'GET', 'server.port': 443 } },
          parent,
        )
        .end();
    }
    root.end();
  }
  return memory.getFinishedSpans();
}

/** Trace ids of `spans` with how many spans each has. */
export function spansPerTrace(spans: readonly ReadableSpan[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of spans) {
    const id = s.spanContext().traceId;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}
