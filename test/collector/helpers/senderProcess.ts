/**
 * A sender process for the concurrent-senders test: the real OpenTelemetry SDK (BasicTracerProvider
 * with a BatchSpanProcessor) exporting through the official OTLP exporter, protobuf or JSON, to a
 * collector. Records which spans each export carried and whether the collector acknowledged it, and
 * prints one line `SENDER {json}` (a SenderReport) before exiting.
 *
 *   node --import tsx senderProcess.ts <url> <proto|json> <service> <traces> <spansPerTrace>
 */
import { SpanKind, context, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';

export interface SenderReport {
  /** Spans in exports the collector acknowledged, per trace id. */
  acked: Record<string, number>;
  /** Spans in exports that failed. */
  failedSpans: number;
  exports: number;
}

const [url, kind, service, tracesArg, spansArg] = process.argv.slice(2);
if (!url || (kind !== 'proto' && kind !== 'json') || !service) {
  throw new Error('usage: senderProcess.ts <url> <proto|json> <service> <traces> <spansPerTrace>');
}
const report: SenderReport = { acked: {}, failedSpans: 0, exports: 0 };

/** Passes exports through and notes which spans each acknowledged export carried. */
class RecordingExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      report.exports++;
      if (result.code === ExportResultCode.SUCCESS) {
        for (const s of spans) {
          const id = s.spanContext().traceId;
          report.acked[id] = (report.acked[id] ?? 0) + 1;
        }
      } else report.failedSpans += spans.length;
      done(result);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

const endpoint = `${url}/v1/traces`;
const exporter = new RecordingExporter(
  kind === 'proto'
    ? new ProtoTraceExporter({ url: endpoint, timeoutMillis: 30_000 })
    : new JsonTraceExporter({ url: endpoint, timeoutMillis: 30_000 }),
);
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': service }),
  // Large queue: the test is about what the collector acknowledges, not about the SDK dropping spans.
  spanProcessors: [
    new BatchSpanProcessor(exporter, {
      maxQueueSize: 100_000,
      maxExportBatchSize: 512,
      scheduledDelayMillis: 10,
    }),
  ],
});
const tracer = provider.getTracer('@mcpscope/sdk', '0.1.0');
for (let t = 0; t < Number(tracesArg); t++) {
  const root = tracer.startSpan('tools/call get_weather', {
    kind: SpanKind.CLIENT,
    attributes: {
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'get_weather',
      'jsonrpc.request.id': String(t),
    },
  });
  const parent = trace.setSpan(context.active(), root);
  for (let i = 1; i < Number(spansArg); i++) tracer.startSpan('GET', { kind: SpanKind.CLIENT }, parent).end();
  root.end();
  // Yield now and then so that exports overlap with span creation, as in a live process.
  if (t % 100 === 99) await new Promise((r) => setImmediate(r));
}
await provider.forceFlush();
await provider.shutdown();
console.log(`SENDER ${JSON.stringify(report)}`);
