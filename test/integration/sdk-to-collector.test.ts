/**
 * Issue #2's end-to-end path on real parts: an instrumented McpServer in a real child process (stdio, then
 * Streamable HTTP) called by an instrumented Client in this process; both export OTLP to a real collector
 * (embedded ClickHouse in a temp dir); the stored rows are read back through the query API.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trace, type Tracer } from '@opentelemetry/api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { instrumentClient, startTracing } from '@mcpscope/sdk';
import type { SpanView, TraceResponse, TracesResponse } from '@mcpscope/collector';
import { startCollector, waitFor, type TestCollector } from '../helpers/collector.js';
import {
  fixtureEnv,
  fixtureLaunch,
  listeningPort,
  spawnFixture,
  WEATHER_SERVER,
} from '../helpers/fixtureServer.js';

let collector: TestCollector;
let tracing: ReturnType<typeof startTracing>;
let tracer: Tracer;

beforeAll(async () => {
  collector = await startCollector();
  tracing = startTracing({ serviceName: 'test-agent', endpoint: collector.url });
  tracer = trace.getTracer('integration-test');
});

afterAll(async () => {
  await tracing?.shutdown();
  await collector?.stop();
});

function serverEnv(): Record<string, string> {
  return fixtureEnv(collector.url, 'weather-server', { OTEL_BSP_SCHEDULE_DELAY: '50' });
}

/** Runs `fn` under a test span and returns that span's trace id: every MCP span of the step joins it. */
async function step(
  name: string,
  fn: () => Promise<unknown>,
): Promise<{ traceId: string; result?: unknown; error?: unknown }> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return { traceId: span.spanContext().traceId, result: await fn() };
    } catch (error) {
      return { traceId: span.spanContext().traceId, error };
    } finally {
      span.end();
    }
  });
}

async function fetchTrace(traceId: string, until: (spans: SpanView[]) => boolean): Promise<SpanView[]> {
  return waitFor(
    async () => {
      const res = await fetch(`${collector.url}/api/traces/${traceId}`);
      if (!res.ok) return undefined;
      const body = (await res.json()) as TraceResponse;
      return until(body.spans) ? body.spans : undefined;
    },
    30_000,
    `trace ${traceId}`,
  );
}

const byLayer = (spans: SpanView[], layer: string, method = 'tools/call') =>
  spans.find((s) => s.attributes['mcpscope.layer'] === layer && s.attributes['mcp.method.name'] === method);
const hasClientAndServer = (spans: SpanView[]) => !!byLayer(spans, 'client') && !!byLayer(spans, 'server');

type Transport = 'stdio' | 'http';

describe.each<Transport>(['stdio', 'http'])('instrumented client and server over %s', (kind) => {
  let client: Client;
  let serverProcess: ChildProcess | undefined;
  const steps: Record<string, { traceId: string; result?: unknown; error?: unknown }> = {};

  beforeAll(async () => {
    client = instrumentClient(new Client({ name: 'test-agent', version: '1.0.0' }));
    if (kind === 'stdio') {
      await client.connect(new StdioClientTransport(fixtureLaunch(WEATHER_SERVER, [], serverEnv())));
    } else {
      const child = spawnFixture(WEATHER_SERVER, ['--http'], serverEnv());
      serverProcess = child;
      const port = await listeningPort(child);
      await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    }
    steps['ok'] = await step('ok', () =>
      client.callTool({ name: 'get_weather', arguments: { city: 'Lisbon' } }),
    );
    steps['isError'] = await step('isError', () =>
      client.callTool({ name: 'charge_card', arguments: { amount: 5 } }),
    );
    steps['unknownTool'] = await step('unknownTool', () =>
      client.callTool({ name: 'no_such_tool', arguments: {} }),
    );
    steps['unknownPrompt'] = await step('unknownPrompt', () => client.getPrompt({ name: 'no_such_prompt' }));
    steps['listTools'] = await step('listTools', () => client.listTools());
    await client.close();
    if (serverProcess) {
      serverProcess.kill('SIGTERM');
      await new Promise((r) => serverProcess?.once('exit', r));
    }
    await tracing.forceFlush();
  });

  it('joins client and server spans in one trace, named and attributed by the MCP conventions', async () => {
    const { traceId, result } = steps['ok']!;
    expect(result).toMatchObject({ content: [{ type: 'text', text: 'Lisbon: 21°C' }] });
    const spans = await fetchTrace(traceId, hasClientAndServer);
    const clientSpan = byLayer(spans, 'client')!;
    const serverSpan = byLayer(spans, 'server')!;
    for (const s of [clientSpan, serverSpan]) {
      expect(s.traceId).toBe(traceId);
      expect(s.name).toBe('tools/call get_weather');
      expect(s.attributes['mcp.method.name']).toBe('tools/call');
      expect(s.attributes['gen_ai.tool.name']).toBe('get_weather');
      expect(s.attributes['gen_ai.operation.name']).toBe('execute_tool');
      expect(s.attributes['jsonrpc.request.id']).toMatch(/^\d+$/);
      expect(s.attributes['network.transport']).toBe(kind === 'stdio' ? 'pipe' : 'tcp');
      expect(s.statusCode).not.toBe('Error');
    }
    expect(clientSpan.kind).toBe('Client');
    expect(clientSpan.service).toBe('test-agent');
    expect(serverSpan.kind).toBe('Server');
    expect(serverSpan.service).toBe('weather-server');
    expect(serverSpan.attributes['jsonrpc.request.id']).toBe(clientSpan.attributes['jsonrpc.request.id']);
    // The server span's parent is a span of the caller's trace (the client's transport span).
    const ids = new Set(spans.map((s) => s.spanId));
    expect(serverSpan.parentSpanId).not.toBe('');
    expect(ids.has(serverSpan.parentSpanId)).toBe(true);
    const parent = spans.find((s) => s.spanId === serverSpan.parentSpanId)!;
    expect(parent.service).toBe('test-agent');
    if (kind === 'http') {
      expect(clientSpan.attributes['mcp.session.id']).toMatch(/[0-9a-f-]{36}/);
      expect(serverSpan.attributes['mcp.session.id']).toBe(clientSpan.attributes['mcp.session.id']);
    }
  });

  it('marks an isError tool result as an error with error.type tool_error', async () => {
    const { traceId, result } = steps['isError']!;
    expect(result).toMatchObject({ isError: true });
    const spans = await fetchTrace(traceId, hasClientAndServer);
    const clientSpan = byLayer(spans, 'client')!;
    expect(clientSpan.statusCode).toBe('Error');
    expect(clientSpan.attributes['error.type']).toBe('tool_error');
    expect(byLayer(spans, 'server')!.attributes['error.type']).toBe('tool_error');
  });

  it("marks a call to an unknown tool as the caller's error on both sides", async () => {
    const { traceId, result } = steps['unknownTool']!;
    // McpServer answers an unknown tool with an isError result, not a JSON-RPC error.
    expect(result).toMatchObject({
      isError: true,
      content: [{ text: expect.stringContaining('no_such_tool') }],
    });
    const spans = await fetchTrace(traceId, hasClientAndServer);
    const clientSpan = byLayer(spans, 'client')!;
    expect(clientSpan.name).toBe('tools/call no_such_tool');
    expect(clientSpan.statusCode).toBe('Error');
    // McpServer wraps the -32602 it refused with: both sides record that code and the caller's fault.
    expect(clientSpan.attributes['error.type']).toBe('-32602');
    expect(clientSpan.attributes['mcpscope.fault']).toBe('caller');
    const serverSpan = byLayer(spans, 'server')!;
    expect(serverSpan.attributes['mcpscope.fault']).toBe('caller');
    expect(serverSpan.statusCode).not.toBe('Error');
  });

  it('records a JSON-RPC error code as error.type; the caller-fault code does not fail the server span', async () => {
    const { traceId, error } = steps['unknownPrompt']!;
    expect(error).toMatchObject({ code: -32602 });
    const has = (spans: SpanView[]) =>
      !!byLayer(spans, 'client', 'prompts/get') && !!byLayer(spans, 'server', 'prompts/get');
    const spans = await fetchTrace(traceId, has);
    const clientSpan = byLayer(spans, 'client', 'prompts/get')!;
    expect(clientSpan.name).toBe('prompts/get no_such_prompt');
    expect(clientSpan.statusCode).toBe('Error');
    expect(clientSpan.attributes['error.type']).toBe('-32602');
    expect(clientSpan.attributes['rpc.response.status_code']).toBe('-32602');
    const serverSpan = byLayer(spans, 'server', 'prompts/get')!;
    expect(serverSpan.attributes['error.type']).toBe('-32602');
    expect(serverSpan.statusCode).not.toBe('Error');
  });

  // Over HTTP both sides name the server alike (the server side from the Host header the client sent),
  // so the collector keeps one tool-definition history for it, not one per side.
  it.skipIf(kind !== 'http')('names the server the same way on both sides of tools/list', async () => {
    const has = (spans: SpanView[]) =>
      !!byLayer(spans, 'client', 'tools/list') && !!byLayer(spans, 'server', 'tools/list');
    const spans = await fetchTrace(steps['listTools']!.traceId, has);
    const identity = (s: SpanView) =>
      ['mcpscope.server.name', 'server.address', 'server.port'].map((key) => s.attributes[key]);
    const clientSide = identity(byLayer(spans, 'client', 'tools/list')!);
    expect(clientSide[1]).toBe('127.0.0.1');
    expect(identity(byLayer(spans, 'server', 'tools/list')!)).toEqual(clientSide);
  });

  it('lists the traces, filterable by service, tool and status', async () => {
    const list = async (q: string) =>
      ((await (await fetch(`${collector.url}/api/traces?${q}`)).json()) as TracesResponse).traces.map(
        (t) => t.traceId,
      );
    const okId = steps['ok']!.traceId;
    const errId = steps['isError']!.traceId;
    await waitFor(async () => (await list('service=test-agent')).includes(okId), 20_000, 'trace list');
    expect(await list('tool=get_weather')).toContain(okId);
    expect(await list('tool=get_weather')).not.toContain(errId);
    expect(await list('status=error')).toContain(errId);
    expect(await list('status=error')).not.toContain(okId);
  });
});
