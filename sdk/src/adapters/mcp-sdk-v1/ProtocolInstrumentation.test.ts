import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instrumentClient } from '../../instrumentClient.js';
import { instrumentServer } from '../../instrumentServer.js';
import { createDemoClient } from '../../testing/demoClient.js';
import { createDemoServer } from '../../testing/demoServer.js';
import {
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

async function connectedPair() {
  const server = instrumentServer(createDemoServer());
  const client = instrumentClient(createDemoClient());
  await connectInMemory(server, client);
  return { client, server };
}

function attr(span: ReadableSpan, key: string): unknown {
  return span.attributes[key];
}

describe('in-memory client and server', () => {
  it('traces tools/call as client → transport → server with propagation through _meta', async () => {
    const { client, server } = await connectedPair();
    await client.listTools();
    telemetry.reset();
    const args = { city: 'Paris' };
    const result = await client.callTool({ name: 'get_weather', arguments: args });
    expect(result.structuredContent).toEqual({ city: 'Paris', celsius: 21 });
    expect(args).toEqual({ city: 'Paris' });
    await waitFor(() => telemetry.spans().length >= 3);
    const spans = telemetry.spans();
    const clientSpan = onlySpan(spans, 'tools/call get_weather', SpanKind.CLIENT);
    const transportSpan = onlySpan(spans, 'in-memory tools/call');
    const serverSpan = onlySpan(spans, 'tools/call get_weather', SpanKind.SERVER);
    expect(transportSpan.kind).toBe(SpanKind.INTERNAL);
    expect(parentSpanId(transportSpan)).toBe(clientSpan.spanContext().spanId);
    expect(parentSpanId(serverSpan)).toBe(transportSpan.spanContext().spanId);
    expect(serverSpan.spanContext().traceId).toBe(clientSpan.spanContext().traceId);
    expect(attr(clientSpan, 'mcpscope.layer')).toBe('client');
    expect(attr(transportSpan, 'mcpscope.layer')).toBe('transport');
    expect(attr(serverSpan, 'mcpscope.layer')).toBe('server');
    expect(attr(transportSpan, 'mcpscope.transport.kind')).toBe('in-memory');
    expect(attr(transportSpan, 'gen_ai.tool.name')).toBe('get_weather');
    for (const span of [clientSpan, serverSpan]) {
      expect(attr(span, 'mcp.method.name')).toBe('tools/call');
      expect(attr(span, 'gen_ai.tool.name')).toBe('get_weather');
      expect(attr(span, 'gen_ai.operation.name')).toBe('execute_tool');
      expect(attr(span, 'mcpscope.tool.annotations.readOnlyHint')).toBe(true);
      expect(attr(span, 'mcpscope.tool.annotations.openWorldHint')).toBe(true);
      expect(attr(span, 'mcpscope.server.name')).toBe('weather');
      expect(attr(span, 'mcpscope.client.name')).toBe('agent');
      expect(typeof attr(span, 'mcp.protocol.version')).toBe('string');
      expect(attr(span, 'jsonrpc.request.id')).toBe(attr(transportSpan, 'jsonrpc.request.id'));
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
    // Durations nest, so the layer breakdown is computable from durations alone.
    const ns = (span: ReadableSpan) => span.duration[0] * 1e9 + span.duration[1];
    expect(ns(clientSpan)).toBeGreaterThanOrEqual(ns(transportSpan));
    expect(ns(transportSpan)).toBeGreaterThanOrEqual(ns(serverSpan));
    await client.close();
    await server.close();
  });
});

describe('every MCP method', () => {
  it('names and attributes spans for initialize, ping, lists, resources, prompts, completion, logging', async () => {
    const { client, server } = await connectedPair();
    const init = telemetry.spans().filter((span) => span.name === 'initialize');
    expect(init.map((span) => span.kind).sort()).toEqual([SpanKind.SERVER, SpanKind.CLIENT].sort());
    for (const span of init) {
      expect(attr(span, 'mcp.protocol.version')).toBe('2025-11-25');
      expect(attr(span, 'mcpscope.client.name')).toBe('agent');
      expect(attr(span, 'mcpscope.client.version')).toBe('1.0.0');
      expect(attr(span, 'mcpscope.server.name')).toBe('weather');
      expect(attr(span, 'mcpscope.server.version')).toBe('1.0.0');
    }
    telemetry.reset();
    await client.ping();
    await client.listResources();
    await client.readResource({ uri: 'file:///readme.md' });
    await client.listResourceTemplates();
    await client.subscribeResource({ uri: 'weather://Paris' });
    await client.unsubscribeResource({ uri: 'weather://Paris' });
    await client.listPrompts();
    await client.getPrompt({ name: 'forecast', arguments: { city: 'Paris' } });
    await client.complete({
      ref: { type: 'ref/resource', uri: 'weather://{city}' },
      argument: { name: 'city', value: 'P' },
    });
    await client.setLoggingLevel('info');
    await waitFor(() => telemetry.spans().filter((span) => span.kind === SpanKind.SERVER).length >= 10);
    const spans = telemetry.spans();
    const names = [
      'ping',
      'resources/list',
      'resources/read',
      'resources/templates/list',
      'resources/subscribe',
      'resources/unsubscribe',
      'prompts/list',
      'prompts/get forecast',
      'completion/complete',
      'logging/setLevel',
    ];
    for (const name of names) {
      const clientSpan = onlySpan(spans, name, SpanKind.CLIENT);
      const serverSpan = onlySpan(spans, name, SpanKind.SERVER);
      expect(serverSpan.spanContext().traceId).toBe(clientSpan.spanContext().traceId);
      expect(attr(clientSpan, 'mcp.method.name')).toBe(name.split(' ')[0]);
      expect(attr(serverSpan, 'mcpscope.server.name')).toBe('weather');
      expect(attr(clientSpan, 'mcpscope.server.name')).toBe('weather');
    }
    expect(attr(onlySpan(spans, 'resources/read', SpanKind.CLIENT), 'mcp.resource.uri')).toBe(
      'file:///readme.md',
    );
    expect(attr(onlySpan(spans, 'resources/subscribe', SpanKind.SERVER), 'mcp.resource.uri')).toBe(
      'weather://Paris',
    );
    expect(attr(onlySpan(spans, 'prompts/get forecast', SpanKind.SERVER), 'gen_ai.prompt.name')).toBe(
      'forecast',
    );
    await client.close();
    await server.close();
  });

  it('fingerprints tools/list and attaches definitions only when the set changes', async () => {
    const { client, server } = await connectedPair();
    telemetry.reset();
    await client.listTools();
    await client.listTools();
    await waitFor(() => telemetry.spans().filter((span) => span.name === 'tools/list').length === 4);
    const lists = telemetry.spans().filter((span) => span.name === 'tools/list');
    const fingerprints = new Set(lists.map((span) => attr(span, 'mcpscope.tools.fingerprint')));
    expect(fingerprints.size).toBe(1);
    expect([...fingerprints][0]).toMatch(/^[0-9a-f]{64}$/);
    for (const span of lists) expect(attr(span, 'mcpscope.tools.count')).toBe(8);
    // Earlier tests in this file already listed the same set for the same server identity.
    const withDefinitions = lists.filter((span) => attr(span, 'mcpscope.tools.definitions') !== undefined);
    expect(withDefinitions).toHaveLength(0);

    server.registerTool('new_tool', { description: 'appeared mid-session' }, async () => ({ content: [] }));
    await waitFor(() => telemetry.spans().some((span) => span.name === 'notifications/tools/list_changed'));
    telemetry.reset();
    await client.listTools();
    await waitFor(() => telemetry.spans().filter((span) => span.name === 'tools/list').length === 2);
    for (const span of telemetry.spans().filter((span) => span.name === 'tools/list')) {
      expect(attr(span, 'mcpscope.tools.count')).toBe(9);
      const definitions = JSON.parse(String(attr(span, 'mcpscope.tools.definitions'))) as Array<{
        name: string;
        fingerprint: string;
      }>;
      expect(definitions.map((tool) => tool.name)).toContain('new_tool');
      expect(definitions.every((tool) => /^[0-9a-f]{64}$/.test(tool.fingerprint))).toBe(true);
    }
    await client.close();
    await server.close();
  });
});

describe('server-initiated requests and notifications', () => {
  it('nests sampling, elicitation and roots requests under the tool call that made them', async () => {
    const { client, server } = await connectedPair();
    telemetry.reset();
    for (const [tool, method] of [
      ['sampling_tool', 'sampling/createMessage'],
      ['elicit_tool', 'elicitation/create'],
      ['roots_tool', 'roots/list'],
    ] as const) {
      await client.callTool({ name: tool });
      await waitFor(
        () => telemetry.spans().filter((span) => span.name === `tools/call ${tool}`).length === 2,
      );
      const spans = telemetry.spans();
      const toolServerSpan = onlySpan(spans, `tools/call ${tool}`, SpanKind.SERVER);
      // In the server process the server-initiated request is a CLIENT span under the tool's SERVER span.
      const outgoing = onlySpan(spans, method, SpanKind.CLIENT);
      expect(parentSpanId(outgoing)).toBe(toolServerSpan.spanContext().spanId);
      expect(attr(outgoing, 'mcpscope.layer')).toBe('client');
      const wire = onlySpan(spans, `in-memory ${method}`);
      expect(parentSpanId(wire)).toBe(outgoing.spanContext().spanId);
      // In the client process it is a SERVER span, parented through _meta on the transport span.
      const incoming = onlySpan(spans, method, SpanKind.SERVER);
      expect(parentSpanId(incoming)).toBe(wire.spanContext().spanId);
      expect(incoming.spanContext().traceId).toBe(toolServerSpan.spanContext().traceId);
      telemetry.reset();
    }
    await client.close();
    await server.close();
  });

  it('records progress and log messages as events on the request, list_changed alone as a span', async () => {
    const { client, server } = await connectedPair();
    telemetry.reset();
    const progress: number[] = [];
    await client.callTool({ name: 'progress_tool' }, undefined, {
      onprogress: (p) => progress.push(p.progress),
    });
    expect(progress).toEqual([1, 2, 3]);
    await waitFor(() =>
      telemetry
        .spans()
        .some((span) => span.name === 'tools/call progress_tool' && span.kind === SpanKind.CLIENT),
    );
    const spans = telemetry.spans();
    const clientSpan = onlySpan(spans, 'tools/call progress_tool', SpanKind.CLIENT);
    const received = clientSpan.events.filter((event) => event.name === 'mcp.progress');
    expect(received.map((event) => event.attributes?.['mcp.progress.value'])).toEqual([1, 2, 3]);
    expect(received[0]?.attributes?.['mcp.progress.total']).toBe(3);
    expect(
      clientSpan.events.some(
        (event) => event.name === 'mcp.log_message' && event.attributes?.['mcp.log.level'] === 'info',
      ),
    ).toBe(true);
    const serverSpan = onlySpan(spans, 'tools/call progress_tool', SpanKind.SERVER);
    expect(serverSpan.events.filter((event) => event.name === 'mcp.progress')).toHaveLength(3);

    telemetry.reset();
    server.sendToolListChanged();
    await waitFor(
      () => telemetry.spans().filter((span) => span.name === 'notifications/tools/list_changed').length === 2,
    );
    // A notification outside any request: a span on each side, the receiver's the child of the sender's
    // (trace context travels in the notification's _meta), kind following the direction.
    const sent = onlySpan(telemetry.spans(), 'notifications/tools/list_changed', SpanKind.CLIENT);
    const alone = onlySpan(telemetry.spans(), 'notifications/tools/list_changed', SpanKind.SERVER);
    expect(sent.attributes['mcp.method.name']).toBe('notifications/tools/list_changed');
    expect(sent.attributes['mcpscope.layer']).toBe('client');
    expect(sent.events[0]?.name).toBe('mcp.list_changed');
    expect(sent.events[0]?.attributes?.['mcp.direction']).toBe('sent');
    expect(alone.spanContext().traceId).toBe(sent.spanContext().traceId);
    expect(alone.parentSpanContext?.spanId).toBe(sent.spanContext().spanId);
    expect(alone.events[0]?.name).toBe('mcp.list_changed');

    // The client's own standalone notification (roots changed) goes the other way.
    telemetry.reset();
    await client.sendRootsListChanged();
    await waitFor(
      () => telemetry.spans().filter((span) => span.name === 'notifications/roots/list_changed').length === 2,
    );
    const rootsSent = onlySpan(telemetry.spans(), 'notifications/roots/list_changed', SpanKind.CLIENT);
    const rootsReceived = onlySpan(telemetry.spans(), 'notifications/roots/list_changed', SpanKind.SERVER);
    expect(rootsReceived.parentSpanContext?.spanId).toBe(rootsSent.spanContext().spanId);
    await client.close();
    await server.close();
  });
});
