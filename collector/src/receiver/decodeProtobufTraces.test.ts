import { SpanKind, SpanStatusCode, context, createTraceState, trace, type HrTime } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import type { SpanRow } from '../storage/rows.js';
import { OtlpDecodeError } from './decodeError.js';
import { decodeProtobufTraces } from './decodeProtobufTraces.js';

// Real spans from the real OpenTelemetry SDK, serialized by the real OTLP protobuf serializer.

const nanos = (t: HrTime): string => (BigInt(t[0]) * 1_000_000_000n + BigInt(t[1])).toString();
const durationNs = (s: ReadableSpan): string =>
  (BigInt(nanos(s.endTime)) - BigInt(nanos(s.startTime))).toString();

/** Start times chosen beyond 2^53 ns with nanosecond digits a double would round away. */
const T0: HrTime = [1_764_000_000, 123_456_789];

function recordSpans(): { spans: ReadableSpan[]; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'weather-mcp',
      'service.version': '2.0.1',
      'host.cpus': 8,
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('@mcpscope/test', '9.9.9');
  const root = tracer.startSpan('tools/call get_weather', {
    kind: SpanKind.CLIENT,
    startTime: T0,
    attributes: {
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'get_weather',
      'server.port': 8080,
      'neg.int': -42,
      'big.int': 2 ** 60,
      ratio: 0.25,
      'is.retry': false,
      'str.array': ['a', 'b"quoted"'],
      'int.array': [1, -2, 3],
      'double.array': [1.5, 2.25],
      'bool.array': [true, false],
    },
  });
  root.addEvent('progress', { progress: 50, total: 100 }, [T0[0], T0[1] + 1_000]);
  root.addEvent('bare', undefined, [T0[0] + 1, 7]);
  const parentCtx = trace.setSpan(context.active(), root);
  const remote = trace.setSpanContext(context.active(), {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: 1,
    traceState: createTraceState('vendor=abc,other=1'),
    isRemote: true,
  });
  const child = tracer.startSpan(
    'tools/call get_weather',
    {
      kind: SpanKind.SERVER,
      startTime: [T0[0], T0[1] + 5_000],
      links: [
        {
          context: trace.getSpanContext(remote)!,
          attributes: { 'link.reason': 'http' },
        },
      ],
    },
    parentCtx,
  );
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'upstream timed out' });
  child.end([T0[0] + 2, 999_999_999]);
  const internal = tracer.startSpan('db.query', { kind: SpanKind.INTERNAL, startTime: T0 });
  internal.setStatus({ code: SpanStatusCode.OK });
  internal.end([T0[0], T0[1] + 1]);
  tracer.startSpan('produce', { kind: SpanKind.PRODUCER, startTime: T0 }).end([T0[0] + 1, 0]);
  tracer.startSpan('consume', { kind: SpanKind.CONSUMER, startTime: T0 }).end([T0[0] + 1, 0]);
  root.end([T0[0] + 3, 5]);
  return { spans: exporter.getFinishedSpans(), exporter };
}

/** A view of a real span with some fields replaced: the serializer reads it like any ReadableSpan. */
function tampered(span: ReadableSpan, overrides: Record<string, unknown>): ReadableSpan {
  const props: PropertyDescriptorMap = {};
  for (const [k, v] of Object.entries(overrides)) props[k] = { value: v, enumerable: true };
  return Object.create(span, props) as ReadableSpan;
}

function rowFor(rows: SpanRow[], span: ReadableSpan): SpanRow {
  const row = rows.find((r) => r.SpanId === span.spanContext().spanId);
  if (!row) throw new Error(`no row for span ${span.name}`);
  return row;
}

describe('decodeProtobufTraces', () => {
  it('decodes every field of real SDK spans', () => {
    const { spans } = recordSpans();
    const body = ProtobufTraceSerializer.serializeRequest(spans)!;
    const decoded = decodeProtobufTraces(body);

    expect(decoded.rejected).toEqual([]);
    expect(decoded.rows).toHaveLength(spans.length);
    expect(decoded.bytes).toBeGreaterThan(body.length / 2);

    for (const span of spans) {
      const row = rowFor(decoded.rows, span);
      const ctx = span.spanContext();
      expect(row.TraceId).toBe(ctx.traceId);
      expect(row.SpanId).toBe(ctx.spanId);
      expect(row.ParentSpanId).toBe(span.parentSpanContext?.spanId ?? '');
      expect(row.SpanName).toBe(span.name);
      expect(row.Timestamp).toBe(nanos(span.startTime));
      expect(row.Duration).toBe(durationNs(span));
      expect(row.ServiceName).toBe('weather-mcp');
      expect(row.ResourceAttributes).toEqual({
        'service.name': 'weather-mcp',
        'service.version': '2.0.1',
        'host.cpus': '8',
        ...Object.fromEntries(
          Object.entries(span.resource.attributes)
            .filter(([k]) => k.startsWith('telemetry.'))
            .map(([k, v]) => [k, String(v)]),
        ),
      });
      expect(row.ScopeName).toBe('@mcpscope/test');
      expect(row.ScopeVersion).toBe('9.9.9');
      expect(row.StatusMessage).toBe(span.status.message ?? '');
      expect(row['Events.Name']).toEqual(span.events.map((e) => e.name));
      expect(row['Events.Timestamp']).toEqual(span.events.map((e) => nanos(e.time)));
    }

    // Beyond 2^53 and to the nanosecond: a double would have rounded these.
    const [root, child, internal, producer, consumer] = [
      spans.find((s) => s.kind === SpanKind.CLIENT)!,
      spans.find((s) => s.kind === SpanKind.SERVER)!,
      spans.find((s) => s.kind === SpanKind.INTERNAL)!,
      spans.find((s) => s.kind === SpanKind.PRODUCER)!,
      spans.find((s) => s.kind === SpanKind.CONSUMER)!,
    ];
    expect(BigInt(rowFor(decoded.rows, root).Timestamp)).toBe(BigInt(T0[0]) * 1_000_000_000n + BigInt(T0[1]));
    expect(BigInt(rowFor(decoded.rows, root).Timestamp)).toBeGreaterThan(2n ** 53n);
    expect(rowFor(decoded.rows, internal).Duration).toBe('1');

    expect(rowFor(decoded.rows, root).SpanKind).toBe('Client');
    expect(rowFor(decoded.rows, child).SpanKind).toBe('Server');
    expect(rowFor(decoded.rows, internal).SpanKind).toBe('Internal');
    expect(rowFor(decoded.rows, producer).SpanKind).toBe('Producer');
    expect(rowFor(decoded.rows, consumer).SpanKind).toBe('Consumer');

    expect(rowFor(decoded.rows, root).StatusCode).toBe('Unset');
    expect(rowFor(decoded.rows, internal).StatusCode).toBe('Ok');
    expect(rowFor(decoded.rows, child).StatusCode).toBe('Error');
    expect(rowFor(decoded.rows, child).StatusMessage).toBe('upstream timed out');
    expect(rowFor(decoded.rows, child).ParentSpanId).toBe(root.spanContext().spanId);

    expect(rowFor(decoded.rows, root).SpanAttributes).toEqual({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'get_weather',
      'server.port': '8080',
      'neg.int': '-42',
      'big.int': (2n ** 60n).toString(),
      ratio: '0.25',
      'is.retry': 'false',
      'str.array': '["a","b\\"quoted\\""]',
      'int.array': '[1,-2,3]',
      'double.array': '[1.5,2.25]',
      'bool.array': '[true,false]',
    });
    expect(rowFor(decoded.rows, root)['Events.Attributes']).toEqual([{ progress: '50', total: '100' }, {}]);

    const childRow = rowFor(decoded.rows, child);
    expect(childRow['Links.TraceId']).toEqual(['0af7651916cd43dd8448eb211c80319c']);
    expect(childRow['Links.SpanId']).toEqual(['b7ad6b7169203331']);
    expect(childRow['Links.TraceState']).toEqual(['vendor=abc,other=1']);
    expect(childRow['Links.Attributes']).toEqual([{ 'link.reason': 'http' }]);
  });

  it('flattens bytes, key/value lists and empty values, which the JS API cannot set but OTLP carries', () => {
    const { spans } = recordSpans();
    const span = spans[0]!;
    const withAnyValues = tampered(span, {
      attributes: {
        blob: new Uint8Array([0, 1, 2, 250, 255]),
        map: { city: 'Paris', days: 3, nested: { ok: true, list: [1, 'x'] }, nothing: null },
        mixed: ['s', 1, 2.5, false, null],
        min: -(2 ** 63),
      },
    });
    const decoded = decodeProtobufTraces(ProtobufTraceSerializer.serializeRequest([withAnyValues])!);
    expect(decoded.rows[0]!.SpanAttributes).toEqual({
      blob: Buffer.from([0, 1, 2, 250, 255]).toString('base64'),
      map: '{"city":"Paris","days":3,"nested":{"ok":true,"list":[1,"x"]},"nothing":null}',
      mixed: '["s",1,2.5,false,null]',
      min: (-(2n ** 63n)).toString(),
    });
  });

  it('rejects invalid spans with reasons and keeps their valid neighbours', () => {
    const { spans } = recordSpans();
    const good = spans[0]!;
    const ctx = good.spanContext();
    const bad: [string, ReadableSpan][] = [
      ['invalid_trace_id', tampered(good, { spanContext: () => ({ ...ctx, traceId: '0'.repeat(32) }) })],
      ['invalid_trace_id', tampered(good, { spanContext: () => ({ ...ctx, traceId: 'ab'.repeat(15) }) })],
      ['invalid_span_id', tampered(good, { spanContext: () => ({ ...ctx, spanId: '0'.repeat(16) }) })],
      ['invalid_span_id', tampered(good, { spanContext: () => ({ ...ctx, spanId: 'abcdef' }) })],
      ['invalid_parent_span_id', tampered(good, { parentSpanContext: { ...ctx, spanId: 'abcd' } })],
      ['missing_name', tampered(good, { name: '' })],
      ['missing_timestamps', tampered(good, { startTime: [0, 0] as HrTime })],
      ['end_before_start', tampered(good, { endTime: [good.startTime[0] - 1, 0] as HrTime })],
    ];
    const body = ProtobufTraceSerializer.serializeRequest([
      bad[0]![1],
      ...spans,
      ...bad.slice(1).map(([, s]) => s),
    ])!;
    const decoded = decodeProtobufTraces(body);

    expect(decoded.rows.map((r) => r.SpanId).sort()).toEqual(spans.map((s) => s.spanContext().spanId).sort());
    expect(decoded.rejected.map((r) => r.reason)).toEqual(bad.map(([reason]) => reason));
    expect(decoded.rejected[1]!.message).toMatch(/16 bytes, got 15/);
    for (const r of decoded.rejected) expect(r.message.length).toBeGreaterThan(5);
  });

  it('refuses a span with an attribute nested too deep, and keeps its neighbours', () => {
    const { spans } = recordSpans();
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const tooDeep = tampered(spans[0]!, { attributes: { deep } });
    const body = ProtobufTraceSerializer.serializeRequest([spans[1]!, tooDeep, spans[2]!])!;
    const decoded = decodeProtobufTraces(body);
    expect(decoded.rows.map((r) => r.SpanId)).toEqual(
      [spans[1]!, spans[2]!].map((sp) => sp.spanContext().spanId),
    );
    expect(decoded.rejected).toEqual([
      { reason: 'too_deep', message: expect.stringContaining('32') as unknown },
    ]);
  });

  it('stores times as 19-digit nanoseconds, refuses what storage cannot hold, dates untimed events', () => {
    const { spans } = recordSpans();
    const early = tampered(spans[0]!, {
      startTime: [1, 0] as HrTime, // one second after the epoch: "1000000000" ns
      endTime: [1, 500] as HrTime,
      events: [{ name: 'untimed', time: [0, 0] as HrTime, attributes: {} }],
    });
    const late = tampered(spans[1]!, { endTime: [4_294_967_296, 0] as HrTime }); // 2106-02-07
    const lateEvent = tampered(spans[2]!, {
      events: [{ name: 'e', time: [5_000_000_000, 0] as HrTime, attributes: {} }],
    });
    const decoded = decodeProtobufTraces(ProtobufTraceSerializer.serializeRequest([early, late, lateEvent])!);
    expect(decoded.rows).toHaveLength(1);
    const row = decoded.rows[0]!;
    expect(row.Timestamp).toBe('0000000001000000000');
    expect(row.Duration).toBe('500');
    expect(row['Events.Timestamp']).toEqual(['0000000001000000000']);
    expect(decoded.rejected.map((r) => r.reason)).toEqual(['invalid_timestamp', 'invalid_timestamp']);
    expect(decoded.rejected[0]!.message).toContain('2106');
  });

  it('keeps an attribute named __proto__ as an attribute', () => {
    const { spans } = recordSpans();
    const odd = tampered(spans[0]!, { attributes: JSON.parse('{"__proto__":"x","ok":"y"}') as object });
    const row = decodeProtobufTraces(ProtobufTraceSerializer.serializeRequest([odd])!).rows[0]!;
    expect(Object.keys(row.SpanAttributes)).toEqual(['__proto__', 'ok']);
    expect(JSON.stringify(row.SpanAttributes)).toBe('{"__proto__":"x","ok":"y"}');
    expect(Object.getPrototypeOf(row.SpanAttributes)).toBe(Object.prototype);
  });

  it('treats an all-zero parent id as no parent', () => {
    const { spans } = recordSpans();
    const root = spans.find((s) => !s.parentSpanContext)!;
    const zeroParent = tampered(root, {
      parentSpanContext: { ...root.spanContext(), spanId: '0'.repeat(16) },
    });
    const decoded = decodeProtobufTraces(ProtobufTraceSerializer.serializeRequest([zeroParent])!);
    expect(decoded.rows[0]!.ParentSpanId).toBe('');
  });

  it('truncates long attribute values at a character boundary and records the original size', () => {
    const { spans } = recordSpans();
    const long = 'é'.repeat(100); // 200 UTF-8 bytes
    const span = tampered(spans[0]!, {
      attributes: { long, short: 'ok', list: ['x'.repeat(50), 'y'.repeat(50)] },
    });
    const decoded = decodeProtobufTraces(ProtobufTraceSerializer.serializeRequest([span])!, {
      maxAttributeValueBytes: 51,
    });
    const attrs = decoded.rows[0]!.SpanAttributes;
    expect(attrs['long']).toBe('é'.repeat(25));
    expect(attrs['long.original_size']).toBe('200');
    expect(attrs['short']).toBe('ok');
    expect(attrs['list']).toHaveLength(51);
    expect(attrs['list.original_size']).toBe(String(JSON.stringify(['x'.repeat(50), 'y'.repeat(50)]).length));
  });

  it('applies the resource and scope even when they follow the spans on the wire', () => {
    const { spans } = recordSpans();
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
    // Protobuf allows fields in any order: rewrite every ResourceSpans and ScopeSpans with its fields
    // reversed, so that `resource` and `scope` (field 1) come last.
    const reversed = (
      message: Uint8Array,
      rewriteChild?: (field: number, bytes: Uint8Array) => Uint8Array,
    ) => {
      const r = protobuf.Reader.create(message);
      const fields: [number, Uint8Array][] = [];
      while (r.pos < r.len) {
        const tag = r.uint32();
        const bytes = r.bytes();
        fields.push([tag, rewriteChild ? rewriteChild(tag >>> 3, bytes) : bytes]);
      }
      const w = protobuf.Writer.create();
      for (const [tag, bytes] of fields.reverse()) w.uint32(tag).bytes(bytes);
      return w.finish();
    };
    const rewritten = reversed(body, (_f, resourceSpans) =>
      reversed(resourceSpans, (f, child) => (f === 2 ? reversed(child) : child)),
    );
    const decoded = decodeProtobufTraces(Buffer.from(rewritten));
    expect(decoded.rows).toHaveLength(spans.length);
    for (const row of decoded.rows) {
      expect(row.ServiceName).toBe('weather-mcp');
      expect(row.ScopeName).toBe('@mcpscope/test');
      expect(row.ScopeVersion).toBe('9.9.9');
    }
  });

  it('accepts an empty request', () => {
    expect(decodeProtobufTraces(Buffer.alloc(0))).toEqual({ rows: [], rejected: [], bytes: 0 });
  });

  it('skips unknown fields', () => {
    const { spans } = recordSpans();
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans.slice(0, 1))!);
    // Field 99 (varint) and field 100 (length-delimited) appended to the request message.
    const unknown = Buffer.from([0x98, 0x06, 0x2a, 0xa2, 0x06, 0x03, 0x61, 0x62, 0x63]);
    const decoded = decodeProtobufTraces(Buffer.concat([body, unknown]));
    expect(decoded.rows).toHaveLength(1);
    expect(decoded.rows[0]!.SpanId).toBe(spans[0]!.spanContext().spanId);
  });

  it('refuses garbage with an OtlpDecodeError that says what was wrong', () => {
    const { spans } = recordSpans();
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
    const cases: Buffer[] = [
      body.subarray(0, body.length - 7), // truncated
      Buffer.from('{"resourceSpans":[]}'), // JSON sent as protobuf
      Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), // length far beyond the body
      Buffer.from([0x0f]), // wire type 7 does not exist
      Buffer.from([0x00, 0x01]), // field number 0 does not exist
    ];
    for (const garbage of cases) {
      expect(() => decodeProtobufTraces(garbage)).toThrow(OtlpDecodeError);
    }
    expect(() => decodeProtobufTraces(cases[0]!)).toThrow(/protobuf/);
  });
});
