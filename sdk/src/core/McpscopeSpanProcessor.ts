import {
  createContextKey,
  SpanKind,
  SpanStatusCode,
  type Attributes,
  type Context,
  type SpanContext,
  type SpanStatus,
} from '@opentelemetry/api';
import { ATTR_MCPSCOPE_LAYER } from '../semconv.js';

/**
 * What a request handler's context carries while its SERVER span is open: the first downstream span
 * started in that context that failed. `IncomingCall` is the record itself, so tracking costs no
 * allocation per request.
 */
export interface DownstreamRecord {
  /** Hex span id of the first downstream span that ended with ERROR status while the request was open. */
  downstreamFailure: string | undefined;
  /** Set when the SERVER span ends: a failure after that is not part of its outcome. */
  ended: boolean;
}

const DOWNSTREAM_RECORD_KEY = createContextKey('@mcpscope/sdk downstream record');

// Whether any McpscopeSpanProcessor exists in this process. Without one nobody reads the record, so the
// instrumentation skips putting it into the handler's context (a Context copy per request).
let processorCreated = false;

/** Whether a {@link McpscopeSpanProcessor} was created, i.e. whether downstream failures are observed. */
export function observesDownstream(): boolean {
  return processorCreated;
}

/** `ctx` with `record` in it: spans started in the returned context (and below) report to the record. */
export function withDownstreamRecord(ctx: Context, record: DownstreamRecord): Context {
  return ctx.setValue(DOWNSTREAM_RECORD_KEY, record);
}

/** What {@link McpscopeSpanProcessor.onStart} reads of a span (the SDK's `Span`). */
export interface StartedSpan {
  readonly kind: SpanKind;
}

/** What {@link McpscopeSpanProcessor.onEnd} reads of a span (the SDK's `ReadableSpan`). */
export interface EndedSpan {
  readonly status: SpanStatus;
  readonly attributes: Attributes;
  spanContext(): SpanContext;
}

/**
 * A span processor that lets MCP SERVER spans attribute a failure to the downstream call behind it:
 * when a request handler (a tool) fails after an HTTP or database CLIENT span it started — through
 * any instrumentation — ended with ERROR status, the SERVER span gets `mcpscope.fault=downstream` and
 * `mcpscope.downstream.span_id`. `startTracing` registers it; with a tracer provider of your own, add it
 * to the provider's span processors to get `downstream` on server spans (without it, such failures stay
 * attributed to the tool or the server). It exports nothing and never changes a span.
 *
 * ```ts
 * const provider = new NodeTracerProvider({
 *   spanProcessors: [new McpscopeSpanProcessor(), new BatchSpanProcessor(exporter)],
 * });
 * ```
 *
 * Typed structurally (only `@opentelemetry/api` is needed) and assignable to the SDK's `SpanProcessor`.
 * For spans started outside an MCP request handler it costs one context lookup on start and one
 * WeakMap lookup on end, and allocates nothing.
 */
export class McpscopeSpanProcessor {
  // The SDK hands the same object to onStart and onEnd; a WeakMap keyed by it needs no cleanup when a
  // span is never ended.
  private readonly records = new WeakMap<object, DownstreamRecord>();

  constructor() {
    processorCreated = true;
  }

  /** Remembers CLIENT and PRODUCER spans started inside a request handler's context. */
  onStart(span: StartedSpan, parentContext: Context): void {
    try {
      const record = parentContext.getValue(DOWNSTREAM_RECORD_KEY) as DownstreamRecord | undefined;
      if (record === undefined || record.ended) return;
      // Downstream means a call out of the process; the handler's own INTERNAL spans are the tool's code.
      if (span.kind !== SpanKind.CLIENT && span.kind !== SpanKind.PRODUCER) return;
      this.records.set(span, record);
    } catch {
      // Telemetry only: never let it surface in the host program.
    }
  }

  /** Marks the record of a remembered span that ended with ERROR status, while its request is open. */
  onEnd(span: EndedSpan): void {
    try {
      const record = this.records.get(span);
      if (record === undefined) return;
      this.records.delete(span);
      if (record.ended || record.downstreamFailure !== undefined) return;
      if (span.status.code !== SpanStatusCode.ERROR) return;
      // mcpscope's own spans (a sampling request the tool sends, its transport span) carry their own
      // fault; they are other MCP layers, not the downstream one.
      if (span.attributes[ATTR_MCPSCOPE_LAYER] !== undefined) return;
      record.downstreamFailure = span.spanContext().spanId;
    } catch {
      // Telemetry only.
    }
  }

  /** Nothing is buffered. */
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  /** Nothing to release. */
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
