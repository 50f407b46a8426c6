import { SpanKind, SpanStatusCode, context, createTraceState, trace, type HrTime } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { OtlpDecodeError } from './decodeError.js';
import { decodeJsonTraces } from './decodeJsonTraces.js';
import { decodeProtobufTraces } from './decodeProtobufTraces.js';

// Real spans from the real OpenTelemetry SDK, serialized by the real OTLP/JSON serializer; hand-written
// JSON only where a sender other than the JS SDK spells things differently (snake_case, enum names…).

const T0: HrTime = [1_764_000_000, 987_654_321];

function recordSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'agent', 'process.pid': 4242 }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('@mcpscope/sdk', '0.1.0');
  const root = tracer.startSpan('tools/call search', {
    kind: SpanKind.CLIENT,
    startTime: T0,
    attributes: {
      'mcp.method.name': 'tools/call',
      port: 443,
      ratio: 0.5,
      ok: true,
      tags: ['x', 'y'],
      big: 2 ** 62,
    },
  });
  root.addEvent('retry', { attempt: 2 }, [T0[0], T0[1] + 10]);
  const remote = trace.setSpanContext(context.active(), {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: 1,
    traceState: createTraceState('k=v'),
  });
  const child = tracer.startSpan(
    'stdio tools/call',
    {
      kind: SpanKind.INTERNAL,
      startTime: [T0[0], T0[1] + 1],
      links: [{ context: trace.getSpanContext(remote)! }],
    },
    trace.setSpan(context.active(), root),
  );
  child.setStatus({ code: SpanStatusCode.ERROR, message: 'closed' });
  child.end([T0[0] + 1, 1]);
  root.end([T0[0] + 2, 2]);
  return exporter.getFinishedSpans();
}

function tampered(span: ReadableSpan, overrides: Record<string, unknown>): ReadableSpan {
  const props: PropertyDescriptorMap = {};
  for (const [k, v] of Object.entries(overrides)) props[k] = { value: v, enumerable: true };
  return Object.create(span, props) as ReadableSpan;
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

/** A minimal valid span in OTLP/JSON, for the cases the JS serializer never produces. */
const baseSpan = {
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  name: 'tools/list',
  kind: 2,
  startTimeUnixNano: '1764000000000000001',
  endTimeUnixNano: '1764000000000000101',
};

describe('decodeJsonTraces', () => {
  it('decodes the JS SDK JSON into the same rows as its protobuf', () => {
    const spans = recordSpans();
    const fromJson = decodeJsonTraces(JsonTraceSerializer.serializeRequest(spans)!);
    const fromProtobuf = decodeProtobufTraces(ProtobufTraceSerializer.serializeRequest(spans)!);
    expect(fromJson.rejected).toEqual([]);
    expect(fromJson.rows).toHaveLength(2);
    expect(fromJson.rows).toEqual(fromProtobuf.rows);
    expect(fromJson.bytes).toBeGreaterThan(0);

    const root = fromJson.rows.find((r) => r.SpanKind === 'Client')!;
    expect(root.Timestamp).toBe('1764000000987654321');
    expect(root.Duration).toBe(String(2_000_000_000 + 2 - 987_654_321));
    expect(root.SpanAttributes['big']).toBe((2n ** 62n).toString());
    expect(root.SpanAttributes['tags']).toBe('["x","y"]');
    expect(root.ResourceAttributes['process.pid']).toBe('4242');
    expect(root.ServiceName).toBe('agent');
    const child = fromJson.rows.find((r) => r.SpanKind === 'Internal')!;
    expect(child.ParentSpanId).toBe(root.SpanId);
    expect(child['Links.TraceId']).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736']);
    expect(child['Links.TraceState']).toEqual(['k=v']);
    expect(child.StatusCode).toBe('Error');
  });

  it('keeps 64-bit strings verbatim, beyond what a JS number holds', () => {
    const body = json({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  ...baseSpan,
                  startTimeUnixNano: '1764000000000000001',
                  endTimeUnixNano: '4294967295999999999',
                  attributes: [
                    { key: 'i', value: { intValue: '9223372036854775807' } },
                    { key: 'n', value: { intValue: '-9223372036854775808' } },
                  ],
                  events: [{ timeUnixNano: '1764000000000000003', name: 'e' }],
                },
              ],
            },
          ],
        },
      ],
    });
    const { rows } = decodeJsonTraces(body);
    expect(rows[0]!.Timestamp).toBe('1764000000000000001');
    expect(rows[0]!.Duration).toBe((4294967295999999999n - 1764000000000000001n).toString());
    expect(rows[0]!.SpanAttributes).toEqual({ i: '9223372036854775807', n: '-9223372036854775808' });
    expect(rows[0]!['Events.Timestamp']).toEqual(['1764000000000000003']);
    expect(rows[0]!.ServiceName).toBe('unknown_service');
  });

  it('accepts snake_case keys, enum names, uppercase hex and base64 ids', () => {
    const body = json({
      resource_spans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { string_value: 'py-agent' } }] },
          scope_spans: [
            {
              scope: { name: 'opentelemetry.instrumentation.mcp', version: '1' },
              spans: [
                {
                  trace_id: '5B8EFFF798038103D269B633813FC60C',
                  span_id: Buffer.from('eee19b7ec3c1b174', 'hex').toString('base64'),
                  parent_span_id: '',
                  name: 'tools/list',
                  kind: 'SPAN_KIND_SERVER',
                  start_time_unix_nano: 1_700_000_000_000,
                  end_time_unix_nano: 1_700_000_000_500,
                  status: { code: 'STATUS_CODE_ERROR', message: 'bad' },
                  attributes: [
                    { key: 'b', value: { bool_value: true } },
                    { key: 'd', value: { double_value: 'Infinity' } },
                    {
                      key: 'kv',
                      value: { kvlist_value: { values: [{ key: 'a', value: { int_value: 1 } }] } },
                    },
                    { key: 'bytes', value: { bytes_value: 'AAEC' } },
                    { key: 'empty', value: {} },
                  ],
                },
              ],
            },
          ],
        },
      ],
    });
    const { rows, rejected } = decodeJsonTraces(body);
    expect(rejected).toEqual([]);
    const row = rows[0]!;
    expect(row.TraceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(row.SpanId).toBe('eee19b7ec3c1b174');
    expect(row.SpanKind).toBe('Server');
    expect(row.StatusCode).toBe('Error');
    expect(row.StatusMessage).toBe('bad');
    expect(row.ServiceName).toBe('py-agent');
    expect(row.ScopeName).toBe('opentelemetry.instrumentation.mcp');
    // Stored times are 19 digits, zero-padded: what ClickHouse reads as nanosecond ticks.
    expect(row.Timestamp).toBe('0000001700000000000');
    expect(row.Duration).toBe('500');
    expect(row.SpanAttributes).toEqual({ b: 'true', d: 'Infinity', kv: '{"a":1}', bytes: 'AAEC', empty: '' });
  });

  it('stores times as 19-digit nanoseconds, refuses what storage cannot hold, dates untimed events', () => {
    const span = (extra: Record<string, unknown>) => ({ ...baseSpan, ...extra });
    const body = json({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                span({
                  spanId: '0000000000000001',
                  startTimeUnixNano: '1000000000', // one second after the epoch
                  endTimeUnixNano: 1_000_000_500,
                  events: [{ name: 'untimed' }, { name: 'timed', timeUnixNano: '100000000000000000' }],
                }),
                span({ spanId: '0000000000000002', endTimeUnixNano: '18446744073709551615' }),
                span({ spanId: '0000000000000003', endTimeUnixNano: 1e300 }),
                span({
                  spanId: '0000000000000004',
                  events: [{ name: 'e', timeUnixNano: '9223372036854775807' }],
                }),
                // Not times at all: each refuses its own span, not the request.
                span({ spanId: '0000000000000005', startTimeUnixNano: '12abc' }),
                span({ spanId: '0000000000000006', endTimeUnixNano: -5 }),
                span({ spanId: '0000000000000007', startTimeUnixNano: '1.5e18' }),
                span({ spanId: '0000000000000008', events: [{ name: 'e', timeUnixNano: {} }] }),
                span({ spanId: '0000000000000009', startTimeUnixNano: '18446744073709551615' }),
              ],
            },
          ],
        },
      ],
    });
    const { rows, rejected } = decodeJsonTraces(body);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.Timestamp).toBe('0000000001000000000');
    expect(rows[0]!.Duration).toBe('500');
    // 1973: eighteen digits, padded.
    expect(rows[0]!['Events.Timestamp']).toEqual(['0000000001000000000', '0100000000000000000']);
    expect(rejected.map((r) => r.reason)).toEqual(new Array(8).fill('invalid_timestamp'));
    expect(rejected[3]!.message).toContain('startTimeUnixNano: expected unix nanoseconds');
    expect(rejected[7]!.message).toContain('startTimeUnixNano is after 2106');
  });

  it('refuses a span (or every span of a resource) nested too deep, keeps the neighbours', () => {
    let deep: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < 40; i++) deep = { arrayValue: { values: [deep] } };
    const body = json({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                { ...baseSpan, spanId: '0000000000000001', attributes: [{ key: 'deep', value: deep }] },
                { ...baseSpan, spanId: '0000000000000002' },
              ],
            },
          ],
        },
        {
          resource: { attributes: [{ key: 'deep', value: deep }] },
          scopeSpans: [
            {
              spans: [
                { ...baseSpan, spanId: '0000000000000003' },
                { ...baseSpan, spanId: '0000000000000004' },
              ],
            },
          ],
        },
      ],
    });
    const { rows, rejected } = decodeJsonTraces(body);
    expect(rows.map((r) => r.SpanId)).toEqual(['0000000000000002']);
    expect(rejected.map((r) => r.reason)).toEqual(['too_deep', 'too_deep', 'too_deep']);
  });

  it('keeps an attribute named __proto__, and reads kind "__proto__" as unspecified', () => {
    const body = Buffer.from(
      `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${baseSpan.traceId}","spanId":"${baseSpan.spanId}",` +
        `"name":"x","kind":"__proto__","startTimeUnixNano":"1764000000000000001","endTimeUnixNano":"1764000000000000002",` +
        `"status":{"code":"constructor"},"attributes":[{"key":"__proto__","value":{"stringValue":"v"}}]}]}]}]}`,
    );
    const { rows } = decodeJsonTraces(body);
    expect(rows[0]!.SpanKind).toBe('Unspecified');
    expect(rows[0]!.StatusCode).toBe('Unset');
    expect(JSON.stringify(rows[0]!.SpanAttributes)).toBe('{"__proto__":"v"}');
  });

  it('rejects invalid spans with reasons and keeps their valid neighbours', () => {
    const spans = recordSpans();
    const good = spans[0]!;
    const ctx = good.spanContext();
    const bad = [
      tampered(good, { spanContext: () => ({ ...ctx, traceId: '0'.repeat(32) }) }),
      tampered(good, { spanContext: () => ({ ...ctx, spanId: 'abc' }) }),
      tampered(good, { name: '' }),
      tampered(good, { endTime: [good.startTime[0] - 5, 0] as HrTime }),
    ];
    const decoded = decodeJsonTraces(JsonTraceSerializer.serializeRequest([...spans, ...bad])!);
    expect(decoded.rows.map((r) => r.SpanId).sort()).toEqual(spans.map((s) => s.spanContext().spanId).sort());
    expect(decoded.rejected.map((r) => r.reason)).toEqual([
      'invalid_trace_id',
      'invalid_span_id',
      'missing_name',
      'end_before_start',
    ]);

    const notHex = json({
      resourceSpans: [{ scopeSpans: [{ spans: [{ ...baseSpan, traceId: 'z'.repeat(32) }, baseSpan] }] }],
    });
    const mixed = decodeJsonTraces(notHex);
    expect(mixed.rows).toHaveLength(1);
    expect(mixed.rejected).toEqual([{ reason: 'invalid_trace_id', message: 'trace_id is not hex' }]);

    const noStart = json({
      resourceSpans: [{ scopeSpans: [{ spans: [{ ...baseSpan, startTimeUnixNano: undefined }] }] }],
    });
    expect(decodeJsonTraces(noStart).rejected[0]!.reason).toBe('missing_timestamps');
  });

  it('accepts an empty request', () => {
    expect(decodeJsonTraces(json({})).rows).toEqual([]);
    expect(decodeJsonTraces(json({ resourceSpans: [] })).rows).toEqual([]);
  });

  it('refuses malformed bodies with an OtlpDecodeError naming the problem and where', () => {
    const cases: [Buffer, RegExp][] = [
      [Buffer.from('{"resourceSpans": ['), /not valid JSON/],
      [Buffer.from('[]'), /expected an ExportTraceServiceRequest object/],
      [json({ resourceSpans: {} }), /resourceSpans: expected an array/],
      [
        json({ resourceSpans: [{ scopeSpans: [{ spans: [{ ...baseSpan, traceId: 12 }] }] }] }),
        /resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.traceId: expected a hex string/,
      ],
      [
        json({
          resourceSpans: [
            {
              scopeSpans: [
                { spans: [{ ...baseSpan, attributes: [{ key: 'x', value: { intValue: 1.5 } }] }] },
              ],
            },
          ],
        }),
        /intValue: expected an integer/,
      ],
    ];
    for (const [body, message] of cases) {
      expect(() => decodeJsonTraces(body)).toThrow(OtlpDecodeError);
      expect(() => decodeJsonTraces(body)).toThrow(message);
    }
  });
});
