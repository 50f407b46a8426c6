import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { spanCategory, summarizeSpan, type SpanSummary } from './SpanSummary.js';

/**
 * A span exporter that counts the spans it is given and drops them: the benchmark measures the cost of
 * creating and ending spans on the MCP call path, not of serializing and sending them. While
 * {@link retain} is on it also keeps a summary of each span, for the verification phase.
 */
export class DropSpanExporter implements SpanExporter {
  /** Span count by `category name` (see {@link spanCategory}). */
  readonly counts = new Map<string, number>();
  retained: SpanSummary[] | undefined;

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    for (const span of spans) {
      const summary = this.retained ? summarizeSpan(span) : undefined;
      const key = `${spanCategory(span)} | ${span.name}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      if (summary) this.retained?.push(summary);
    }
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
