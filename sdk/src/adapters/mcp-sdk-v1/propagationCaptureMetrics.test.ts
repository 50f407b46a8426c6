import {
  context,
  diag,
  propagation,
  SpanKind,
  trace,
  type DiagLogger,
  type TracerProvider,
} from '@opentelemetry/api';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type HistogramMetricData,
} from '@opentelemetry/sdk-metrics';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { InstrumentationOptions } from '../../core/options.js';
import { instrumentClient } from '../../instrumentClient.js';
import { instrumentServer } from '../../instrumentServer.js';
import { createDemoClient } from '../../testing/demoClient.js';
import { createDemoServer } from '../../testing/demoServer.js';
import {
  inMemoryTracing,
  onlySpan,
  parentSpanId,
  setupTestTelemetry,
  waitFor,
  type TestTelemetry,
} from '../../testing/otel.js';
import { connectInMemory } from '../../testing/connectInMemory.js';

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());

async function pair(
  server: McpServer,
  client: Client,
  serverOptions?: InstrumentationOptions,
  clientOptions?: InstrumentationOptions,
) {
  instrumentServer(server, serverOptions);
  instrumentClient(client, clientOptions);
  await connectInMemory(server, client);
  return async () => {
    await client.close();
    await server.close();
  };
}

class TestMetricReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

describe('propagation', () => {
  it('carries trace context and baggage in _meta, runs handlers inside the server span, copies params', async () => {
    const server = createDemoServer();
    let seenMeta: Record<string, unknown> | undefined;
    let handlerBaggage: string | undefined;
    let childParent: string | undefined;
    server.registerTool('inspect', { description: 'looks at its context' }, async (extra) => {
      seenMeta = extra._meta as Record<string, unknown>;
      handlerBaggage = propagation.getBaggage(context.active())?.getEntry('tenant')?.value;
      const child = trace.getTracer('handler').startSpan('db.query');
      childParent = parentSpanId(child as unknown as Parameters<typeof parentSpanId>[0]);
      child.end();
      return { content: [] };
    });
    const params = { name: 'inspect', arguments: {}, _meta: { custom: 'kept' } };
    const baggage = propagation.createBaggage({ tenant: { value: 'acme' } });
    const demoClient = createDemoClient();
    const closeAgain = await pair(server, demoClient);
    telemetry.reset();
    await context.with(propagation.setBaggage(context.active(), baggage), () => demoClient.callTool(params));
    expect(params).toEqual({ name: 'inspect', arguments: {}, _meta: { custom: 'kept' } });
    expect(seenMeta?.['custom']).toBe('kept');
    expect(typeof seenMeta?.['traceparent']).toBe('string');
    expect(String(seenMeta?.['baggage'])).toContain('tenant=acme');
    expect(handlerBaggage).toBe('acme');
    await waitFor(() => telemetry.spans().filter((span) => span.name === 'tools/call inspect').length === 2);
    const serverSpan = onlySpan(telemetry.spans(), 'tools/call inspect', SpanKind.SERVER);
    expect(childParent).toBe(serverSpan.spanContext().spanId);
    const wire = onlySpan(telemetry.spans(), 'in-memory tools/call');
    expect(String(seenMeta?.['traceparent'])).toContain(wire.spanContext().spanId);
    await closeAgain();
  });
});

describe('content capture', () => {
  it('is off by default', async () => {
    const client = createDemoClient();
    const close = await pair(createDemoServer(), client);
    telemetry.reset();
    await client.callTool({ name: 'get_weather', arguments: { city: 'Paris' } });
    await client.getPrompt({ name: 'forecast', arguments: { city: 'Oslo' } });
    await close();
    const spans = telemetry.spans().filter((span) => span.kind !== SpanKind.INTERNAL);
    expect(spans).toHaveLength(4);
    for (const span of spans) {
      expect(span.attributes['gen_ai.tool.call.arguments']).toBeUndefined();
      expect(span.attributes['gen_ai.tool.call.result']).toBeUndefined();
      expect(span.attributes['mcpscope.prompt.arguments']).toBeUndefined();
    }
  });

  it('captures redacted, size-capped arguments and results when enabled', async () => {
    const { exporter, provider: tracerProvider } = inMemoryTracing();
    const options: InstrumentationOptions = {
      tracerProvider,
      captureContent: true,
      maxCaptureBytes: 200,
      redact: (key, value) => (key === 'city' ? 'somewhere' : value),
    };
    const server = createDemoServer();
    const client = createDemoClient();
    const close = await pair(server, client, options, options);
    exporter.reset();
    await client.callTool({
      name: 'get_weather',
      arguments: { city: 'Paris', password: 'hunter2', note: 'Authorization: Bearer abcdefghijklmnop' },
    });
    await client.getPrompt({
      name: 'forecast',
      arguments: { city: 'Oslo', api_key: 'AKIAABCDEFGHIJKLMNOP' },
    });
    await client.callTool({ name: 'slow_tool', arguments: { ms: 1, padding: 'x'.repeat(500) } });
    await waitFor(
      () => exporter.getFinishedSpans().filter((span) => span.name.startsWith('tools/call')).length === 4,
    );
    const spans = exporter.getFinishedSpans();
    expect(telemetry.spans()).toHaveLength(0);
    for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
      const call = onlySpan(spans, 'tools/call get_weather', kind);
      const args = String(call.attributes['gen_ai.tool.call.arguments']);
      expect(JSON.parse(args)).toEqual({
        city: 'somewhere',
        password: '[REDACTED]',
        note: 'Authorization: [REDACTED]',
      });
      expect(args).not.toContain('hunter2');
      expect(JSON.parse(String(call.attributes['gen_ai.tool.call.result'])).structuredContent).toEqual({
        city: 'somewhere',
        celsius: 21,
      });
      const prompt = onlySpan(spans, 'prompts/get forecast', kind);
      expect(JSON.parse(String(prompt.attributes['mcpscope.prompt.arguments']))).toEqual({
        city: 'somewhere',
        api_key: '[REDACTED]',
      });
      const big = onlySpan(spans, 'tools/call slow_tool', kind);
      expect(Buffer.byteLength(String(big.attributes['gen_ai.tool.call.arguments']))).toBeLessThanOrEqual(
        200,
      );
      expect(big.attributes['gen_ai.tool.call.arguments.original_size']).toBeGreaterThan(500);
    }
    await close();
  });
});

describe('metrics', () => {
  it('records the operation and session histograms in seconds with fine buckets', async () => {
    const reader = new TestMetricReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const server = createDemoServer();
    const client = createDemoClient();
    const close = await pair(server, client, { meterProvider }, { meterProvider });
    await client.callTool({ name: 'get_weather', arguments: { city: 'Paris' } });
    await client.callTool({ name: 'failing_tool' });
    await close();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
    const byName = new Map(all.map((metric) => [metric.descriptor.name, metric as HistogramMetricData]));
    for (const name of [
      'mcp.client.operation.duration',
      'mcp.server.operation.duration',
      'mcp.client.session.duration',
      'mcp.server.session.duration',
    ]) {
      expect(byName.get(name)?.descriptor.unit).toBe('s');
    }
    const clientOps = byName.get('mcp.client.operation.duration');
    const failing = clientOps?.dataPoints.find(
      (point) => point.attributes['gen_ai.tool.name'] === 'failing_tool',
    );
    expect(failing?.attributes['error.type']).toBe('tool_error');
    expect(failing?.attributes['mcp.method.name']).toBe('tools/call');
    expect(failing?.value.buckets.boundaries[0]).toBe(0.0005);
    expect(failing?.value.count).toBe(1);
    const ok = byName
      .get('mcp.server.operation.duration')
      ?.dataPoints.find((point) => point.attributes['gen_ai.tool.name'] === 'get_weather');
    expect(ok?.attributes['error.type']).toBeUndefined();
    expect(ok?.value.sum).toBeLessThan(1);
  });
});

describe('safety', () => {
  it('instrumenting twice wraps once', async () => {
    const server = instrumentServer(createDemoServer());
    const client = createDemoClient();
    expect(instrumentClient(instrumentClient(client))).toBe(client);
    const close = await pair(server, client);
    telemetry.reset();
    await client.ping();
    await waitFor(() => telemetry.spans().length >= 3);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(
      telemetry
        .spans()
        .map((span) => span.name)
        .sort(),
    ).toEqual(['in-memory ping', 'ping', 'ping']);
    await close();
  });

  it('reports a failure inside the instrumentation through diag and leaves the call alone', async () => {
    const errors: unknown[] = [];
    const logger: DiagLogger = {
      error: (...args) => void errors.push(args),
      warn: () => undefined,
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    };
    diag.setLogger(logger);
    // A tracer that throws cannot be produced by the real SDK: this fake stands in for any bug in the
    // instrumentation's own code path.
    const broken: TracerProvider = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error('tracer exploded');
        },
        startActiveSpan: () => {
          throw new Error('tracer exploded');
        },
      }),
    };
    const server = createDemoServer();
    const client = createDemoClient();
    const close = await pair(server, client, { tracerProvider: broken }, { tracerProvider: broken });
    const result = await client.callTool({ name: 'get_weather', arguments: { city: 'Rome' } });
    expect(result.structuredContent).toEqual({ city: 'Rome', celsius: 21 });
    await expect(
      client.callTool({ name: 'slow_tool', arguments: { ms: 500 } }, undefined, { timeout: 10 }),
    ).rejects.toThrow(/timed out/);
    expect(errors.length).toBeGreaterThan(0);
    diag.disable();
    await close();
  });
});
