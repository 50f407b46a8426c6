/**
 * A sender process that produces spans at a steady pace for a while, as a live service does, through
 * the real OpenTelemetry SDK: BasicTracerProvider, BatchSpanProcessor and the official OTLP/protobuf
 * exporter with its own retry logic. Records every trace it created and which spans each export carried,
 * acknowledged or failed, and prints one line `PACED {json}` (a PacedSenderReport) before exiting.
 *
 *   node --import tsx pacedSenderProcess.ts <url> <service> <traces> <spansPerTrace> <tracesPerSecond>
 */
import { SpanKind, context, trace } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';

export interface PacedSenderReport {
  /** Spans created, per trace id. */
  created: Record<string, number>;
  /** Spans in exports the collector acknowledged, per trace id. */
  acked: Record<string, number>;
  /** Spans in exports that failed after the exporter's retries, per trace id. */
  failed: Record<string, number>;
  exports: number;
  failedExports: number;
  /** The first few export errors. */
  errors: string[];
}

const [url, service, tracesArg, spansArg, rateArg] = process.argv.slice(2);
if (!url || !service || !tracesArg || !spansArg || !rateArg) {
  throw new Error('usage: pacedSenderProcess.ts <url> <service> <traces> <spansPerTrace> <tracesPerSecond>');
}
const traces = Number(tracesArg);
const spansPerTrace = Number(spansArg);
const tracesPerSecond = Number(rateArg);
const report: PacedSenderReport = {
  created: {},
  acked: {},
  failed: {},
  exports: 0,
  failedExports: 0,
  errors: [],
};

/** Passes exports through and notes which spans each export carried and how it ended. */
class RecordingExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      report.exports++;
      const ok = result.code === ExportResultCode.SUCCESS;
      if (!ok) {
        report.failedExports++;
        if (report.errors.length < 5) report.errors.push(String(result.error?.message ?? result.error));
      }
      const into = ok ? report.acked : report.failed;
      for (const s of spans) {
        const id = s.spanContext().traceId;
        into[id] = (into[id] ?? 0) + 1;
      }
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

const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': service }),
  spanProcessors: [
    new BatchSpanProcessor(new RecordingExporter(new OTLPTraceExporter({ url: `${url}/v1/traces` })), {
      // The SDK's default queue (2048) drops spans while the collector is stopped; the test is about
      // what the collector does with what it is sent, so nothing may be dropped before sending.
      maxQueueSize: 200_000,
    }),
  ],
});
const tracer = provider.getTracer('@mcpscope/sdk', '0.1.0');
const started = Date.now();
for (let t = 0; t < traces; t++) {
  const root = tracer.startSpan('tools/call get_weather', {
    kind: SpanKind.CLIENT,
    attributes: {
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'get_weather',
      'jsonrpc.request.id': String(t),
    },
  });
  const parent = trace.setSpan(context.active(), root);
  for (let i = 1; i < spansPerTrace; i++) tracer.startSpan('GET', { kind: SpanKind.CLIENT }, parent).end();
  root.end();
  report.created[root.spanContext().traceId] = spansPerTrace;
  // Keep to the pace: sleep until this trace's slot.
  const due = started + ((t + 1) * 1000) / tracesPerSecond;
  const wait = due - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
await provider.forceFlush();
await provider.shutdown();
console.log(`PACED ${JSON.stringify(report)}`);
