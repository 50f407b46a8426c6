/**
 * Real finished spans from the real OpenTelemetry SDK (BasicTracerProvider + InMemorySpanExporter, ids
 * from a seeded generator), copies of them with fields replaced (a bad time, a too-deep attribute, a
 * zero id), and their OTLP encodings as the official exporters send them (`ProtobufTraceSerializer`,
 * `JsonTraceSerializer` of @opentelemetry/otlp-transformer).
 */
import {
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Attributes,
  type HrTime,
  type Tracer,
} from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { seededIdGenerator, type SeededRandom } from './seededRandom.js';

/** Where one span should be found in storage. */
export interface SpanRef {
  traceId: string;
  spanId: string;
}

export function refOf(span: ReadableSpan): SpanRef {
  const ctx = span.spanContext();
  return { traceId: ctx.traceId, spanId: ctx.spanId };
}

/** Makes MCP-shaped traces with the real SDK: a CLIENT `tools/call` root, children, events, a link. */
export class SdkSpans {
  private readonly memory = new InMemorySpanExporter();
  private readonly tracers = new Map<string, Tracer>();
  private readonly providers: BasicTracerProvider[] = [];

  constructor(private readonly random: SeededRandom) {}

  /** `traces` traces of `spansPerTrace` spans each (at least 1), under a resource named `service`. */
  traces(service: string, traces: number, spansPerTrace: number): ReadableSpan[] {
    const tracer = this.tracer(service);
    for (let t = 0; t < traces; t++) {
      const n = this.random.int(0, 1_000_000);
      const root = tracer.startSpan(`tools/call tool_${n % 50}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'mcp.method.name': 'tools/call',
          'gen_ai.tool.name': `tool_${n % 50}`,
          'jsonrpc.request.id': String(n),
          'mcpscope.layer': 'client',
        },
      });
      const parent = trace.setSpan(context.active(), root);
      for (let i = 1; i < spansPerTrace; i++) {
        const child = tracer.startSpan(
          i % 2 ? 'GET' : 'tools/call',
          {
            kind: i % 2 ? SpanKind.CLIENT : SpanKind.SERVER,
            attributes: { 'http.request.method': 'GET', 'server.port': 443, 'retry.count': i },
          },
          parent,
        );
        if (this.random.chance(0.3)) child.addEvent('notifications/progress', { progress: i, total: 10 });
        if (this.random.chance(0.2)) child.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream 502' });
        child.end();
      }
      if (this.random.chance(0.3)) {
        root.addLink({
          context: { traceId: this.random.hexId(16), spanId: this.random.hexId(8), traceFlags: 1 },
        });
      }
      root.end();
    }
    const spans = this.memory.getFinishedSpans();
    this.memory.reset();
    return spans;
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.providers.map((p) => p.shutdown()));
  }

  private tracer(service: string): Tracer {
    let tracer = this.tracers.get(service);
    if (tracer === undefined) {
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': service, 'telemetry.sdk.language': 'nodejs' }),
        idGenerator: seededIdGenerator(this.random),
        spanProcessors: [new SimpleSpanProcessor(this.memory)],
        // Keep what the tests put in: the fuzz sends thousands of attributes on purpose.
        spanLimits: { attributeCountLimit: 1_000_000, attributeValueLengthLimit: Infinity },
      });
      this.providers.push(provider);
      tracer = provider.getTracer('@mcpscope/sdk', '0.1.0');
      this.tracers.set(service, tracer);
    }
    return tracer;
  }
}

/** What {@link withChanges} may replace in a span. */
export interface SpanChanges {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  startTime?: HrTime;
  endTime?: HrTime;
  /** Merged over the span's own attributes. Values may be any JSON-like value (nested = AnyValue). */
  attributes?: Record<string, unknown>;
  eventTime?: HrTime;
}

/**
 * A copy of `span` with some fields replaced. The serializers read spans through the ReadableSpan
 * interface only, so a plain object carries values the SDK itself would never produce (times past
 * 2106, a 7-byte span id, an attribute nested 5000 deep).
 */
export function withChanges(span: ReadableSpan, changes: SpanChanges): ReadableSpan {
  const ctx = span.spanContext();
  const spanContext = {
    ...ctx,
    traceId: changes.traceId ?? ctx.traceId,
    spanId: changes.spanId ?? ctx.spanId,
  };
  const parent =
    changes.parentSpanId === undefined
      ? span.parentSpanContext
      : {
          ...(span.parentSpanContext ?? { traceFlags: 1, traceId: spanContext.traceId }),
          spanId: changes.parentSpanId,
        };
  const events =
    changes.eventTime === undefined
      ? span.events
      : [...span.events, { name: 'fuzzed event', time: changes.eventTime, attributes: {} }];
  return {
    name: changes.name ?? span.name,
    kind: span.kind,
    spanContext: () => spanContext,
    parentSpanContext: parent,
    startTime: changes.startTime ?? span.startTime,
    endTime: changes.endTime ?? span.endTime,
    status: span.status,
    attributes: { ...span.attributes, ...(changes.attributes as Attributes | undefined) },
    links: span.links,
    events,
    duration: span.duration,
    ended: true,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

export function toProtobuf(spans: ReadableSpan[]): Buffer {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (bytes === undefined) throw new Error('ProtobufTraceSerializer produced nothing');
  return Buffer.from(bytes);
}

export function toJson(spans: ReadableSpan[]): Buffer {
  const bytes = JsonTraceSerializer.serializeRequest(spans);
  if (bytes === undefined) throw new Error('JsonTraceSerializer produced nothing');
  return Buffer.from(bytes);
}

/** An unsigned 64-bit nanosecond value as the [seconds, nanoseconds] HrTime the serializers take. */
export function hrTimeOfNanos(nanos: bigint): HrTime {
  return [Number(nanos / 1_000_000_000n), Number(nanos % 1_000_000_000n)];
}
