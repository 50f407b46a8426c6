import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { instrumentClient } from '../../instrumentClient.js';
import { createDemoClient } from '../../testing/demoClient.js';
import { onlySpan, setupTestTelemetry, waitFor, type TestTelemetry } from '../../testing/otel.js';

// The reference server of the MCP project, uninstrumented: only client-side spans exist here.
const require = createRequire(import.meta.url);
const EVERYTHING = join(
  dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')),
  'dist',
  'index.js',
);

let telemetry: TestTelemetry;
let client: Client;
beforeAll(async () => {
  telemetry = setupTestTelemetry();
  client = instrumentClient(createDemoClient());
  await client.connect(
    new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore' }),
  );
  // Sampling and elicitation tools are registered once the server has seen the client's capabilities.
  await waitFor(
    () => telemetry.spans().some((span) => span.name === 'notifications/tools/list_changed'),
    10_000,
  ).catch(() => undefined);
});
afterAll(async () => {
  await client.close();
});

describe('against @modelcontextprotocol/server-everything over stdio', () => {
  it('fingerprints its tools and copies annotations onto calls; structured content validates', async () => {
    telemetry.reset();
    const { tools } = await client.listTools();
    const result = await client.callTool({
      name: 'get-structured-content',
      arguments: { location: 'Chicago' },
    });
    expect(result.structuredContent).toBeDefined();
    await waitFor(() => telemetry.spans().some((span) => span.name === 'tools/call get-structured-content'));
    const list = onlySpan(telemetry.spans(), 'tools/list', SpanKind.CLIENT);
    expect(list.attributes['mcpscope.tools.count']).toBe(tools.length);
    expect(String(list.attributes['mcpscope.tools.fingerprint'])).toMatch(/^[0-9a-f]{64}$/);
    const definitions = JSON.parse(String(list.attributes['mcpscope.tools.definitions'])) as Array<{
      name: string;
    }>;
    expect(definitions.map((tool) => tool.name).sort()).toEqual(tools.map((tool) => tool.name).sort());
    const call = onlySpan(telemetry.spans(), 'tools/call get-structured-content', SpanKind.CLIENT);
    expect(call.attributes['mcpscope.tool.annotations.readOnlyHint']).toBe(true);
    expect(call.attributes['mcpscope.tool.annotations.idempotentHint']).toBe(true);
    expect(call.status.code).toBe(SpanStatusCode.UNSET);
    expect(call.attributes['mcpscope.server.name']).toBeDefined();
    expect(
      onlySpan(telemetry.spans(), 'stdio tools/call').attributes['mcpscope.transport.response_bytes'],
    ).toBeGreaterThan(0);
  });

  it('records progress notifications as events on the tool call', async () => {
    telemetry.reset();
    const seen: number[] = [];
    await client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
      undefined,
      {
        onprogress: (progress) => seen.push(progress.progress),
      },
    );
    await waitFor(() =>
      telemetry.spans().some((span) => span.name === 'tools/call trigger-long-running-operation'),
    );
    const call = onlySpan(telemetry.spans(), 'tools/call trigger-long-running-operation', SpanKind.CLIENT);
    const events = call.events.filter((event) => event.name === 'mcp.progress');
    // One event per notification on the wire (3 steps). The SDK may drop the last onprogress callback
    // when the response arrives in the same chunk: it handles notifications a microtask later.
    expect(events).toHaveLength(3);
    expect(events.map((event) => event.attributes?.['mcp.progress.value'])).toEqual([1, 2, 3]);
    expect(seen.length).toBeGreaterThanOrEqual(2);
  });

  it('traces sampling and elicitation requests from the server as SERVER spans in the client', async () => {
    telemetry.reset();
    await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hello' } });
    await client.callTool({ name: 'trigger-elicitation-request', arguments: {} }).catch(() => undefined);
    await waitFor(() => telemetry.spans().some((span) => span.name === 'elicitation/create'));
    for (const name of ['sampling/createMessage', 'elicitation/create']) {
      const span = onlySpan(telemetry.spans(), name, SpanKind.SERVER);
      expect(span.attributes['mcpscope.layer']).toBe('server');
      expect(span.attributes['mcp.method.name']).toBe(name);
      expect(span.attributes['network.transport']).toBe('pipe');
    }
  });
});
