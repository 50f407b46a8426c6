/**
 * The SDK instruments `@modelcontextprotocol/sdk` from 1.4.0 (the oldest supported, installed here as
 * `mcp-sdk-oldest`) to the current 1.x: the same three-layer trace, propagation and error typing on both.
 */
import { SpanKind } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentClient, instrumentServer } from '@mcpscope/sdk';
import { setupTestTelemetry, parentSpanId } from '../../sdk/src/testing/otel.js';
import * as oldClient from 'mcp-sdk-oldest/client/index.js';
import * as oldServer from 'mcp-sdk-oldest/server/mcp.js';
import * as oldMemory from 'mcp-sdk-oldest/inMemory.js';
import * as newClient from '@modelcontextprotocol/sdk/client/index.js';
import * as newServer from '@modelcontextprotocol/sdk/server/mcp.js';
import * as newMemory from '@modelcontextprotocol/sdk/inMemory.js';
import { z } from 'zod';

const telemetry = setupTestTelemetry();
afterEach(() => telemetry.reset());

// Both versions' classes, driven through the API that 1.4.0 already had (server.tool(), callTool()).
interface Sdk {
  Client: new (info: { name: string; version: string }) => {
    connect(t: unknown): Promise<void>;
    callTool(p: { name: string; arguments?: Record<string, unknown> }): Promise<unknown>;
    close(): Promise<void>;
  };
  McpServer: new (info: { name: string; version: string }) => {
    tool(name: string, schema: Record<string, unknown>, cb: (args: { city: string }) => unknown): unknown;
    connect(t: unknown): Promise<void>;
  };
  InMemoryTransport: { createLinkedPair(): [unknown, unknown] };
}
const versions: [string, Sdk][] = [
  [
    '1.4.0',
    {
      Client: oldClient.Client,
      McpServer: oldServer.McpServer,
      InMemoryTransport: oldMemory.InMemoryTransport,
    } as unknown as Sdk,
  ],
  [
    'current',
    {
      Client: newClient.Client,
      McpServer: newServer.McpServer,
      InMemoryTransport: newMemory.InMemoryTransport,
    } as unknown as Sdk,
  ],
];

describe.each(versions)('@modelcontextprotocol/sdk %s', (_label, sdk) => {
  it('is traced on all three layers in one trace, with the isError result typed', async () => {
    const server = instrumentServer(
      new sdk.McpServer({ name: 'weather', version: '1.0.0' }) as never,
    ) as unknown as InstanceType<Sdk['McpServer']>;
    server.tool('get_weather', { city: z.string() }, ({ city }) => ({
      content: [{ type: 'text', text: `${city}: 20°C` }],
    }));
    server.tool('decline', { city: z.string() }, () => ({
      isError: true,
      content: [{ type: 'text', text: 'no' }],
    }));
    const client = instrumentClient(
      new sdk.Client({ name: 'agent', version: '1.0.0' }) as never,
    ) as unknown as InstanceType<Sdk['Client']>;
    const [a, b] = sdk.InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(b), client.connect(a)]);

    const result = await client.callTool({ name: 'get_weather', arguments: { city: 'Lisbon' } });
    expect(result).toMatchObject({ content: [{ type: 'text', text: 'Lisbon: 20°C' }] });
    const declined = await client.callTool({ name: 'decline', arguments: { city: 'Lisbon' } });
    expect(declined).toMatchObject({ isError: true });
    await client.close();

    const spans = telemetry
      .spans()
      .filter(
        (s) =>
          s.attributes['gen_ai.tool.name'] === 'get_weather' ||
          s.attributes['mcp.method.name'] === 'tools/call',
      );
    const ofCall = (tool: string) => {
      const clientSpan = spans.find((s) => s.kind === SpanKind.CLIENT && s.name === `tools/call ${tool}`)!;
      const traceSpans = telemetry
        .spans()
        .filter((s) => s.spanContext().traceId === clientSpan.spanContext().traceId);
      return {
        clientSpan,
        transport: traceSpans.find((s) => s.attributes['mcpscope.layer'] === 'transport')!,
        serverSpan: traceSpans.find((s) => s.kind === SpanKind.SERVER && s.name === `tools/call ${tool}`)!,
      };
    };
    const ok = ofCall('get_weather');
    expect(ok.clientSpan.attributes['mcpscope.layer']).toBe('client');
    expect(parentSpanId(ok.transport)).toBe(ok.clientSpan.spanContext().spanId);
    expect(parentSpanId(ok.serverSpan)).toBe(ok.transport.spanContext().spanId);
    expect(ok.serverSpan.attributes['mcpscope.server.name']).toBe('weather');
    const failed = ofCall('decline');
    expect(failed.clientSpan.attributes['error.type']).toBe('tool_error');
    expect(failed.serverSpan.attributes['error.type']).toBe('tool_error');
  });
});
