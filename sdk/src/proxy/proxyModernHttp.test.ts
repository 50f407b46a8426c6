import { SpanKind } from '@opentelemetry/api';
import { StreamableHTTPClientTransport, type Client } from '@modelcontextprotocol/client';
import { createMcpHandler, type McpHttpHandler, type McpServer } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { onlySpan, setupTestTelemetry, waitFor, type TestTelemetry } from '../testing/otel.js';
import { modernClient } from '../testing/v2Modern.js';
import {
  callConfirm,
  CONFIRM_CALL,
  countToolListChanges,
  expectNormalEnd,
  listenSpan,
} from '../testing/v2ModernChecks.js';
import { createModernServer, TOOLS_LIST_CACHE_HINT } from '../testing/v2ModernServer.js';
import { serveWebHandler, type WebHandlerServer } from '../testing/webHandlerServer.js';
import { startHttpProxy, type HttpProxyHandle } from './httpProxy.js';
import { checkConfirmLegs, clientSpan, endpointOnly, requestNumber } from './testing/modernProxyChecks.js';
import { createTaskServer, TASK_ID } from '../testing/v2TaskServer.js';
import {
  fromReadable,
  pairUp,
  parityGaps,
  type ObservedSpan,
  type SpanPair,
} from './testing/serverSpanParity.js';

// proxyModern.test.ts over Streamable HTTP: an instrumented MCP SDK 2.x client → `startHttpProxy` →
// `createMcpHandler` serving instrumented 2.x servers on a real socket, all in this process, all spans
// in one in-memory exporter (the proxy's say `mcpscope.source=proxy`). Besides what the stdio tests
// show: the Mcp-Method and Mcp-Name headers, the addresses, the Tasks extension, tool failures. The
// tests run in order on one connection.

const AnyResult = z.object({}).passthrough();
const byRequestId = (a: ObservedSpan, b: ObservedSpan): number => requestNumber(a) - requestNumber(b);

let telemetry: TestTelemetry;

/** The fixture's server, plus tools that fail in the two ways a tool can, and one with annotations. */
function filesServer(): McpServer {
  const server = createModernServer('files-v2-http');
  server.registerTool('explode', { description: 'Throws' }, async () => {
    throw new Error('disk on fire');
  });
  server.registerTool('refuse', { description: 'Refuses' }, async () => ({
    isError: true,
    content: [{ type: 'text', text: 'not allowed' }],
  }));
  server.registerTool('peek', { description: 'Reads', annotations: { readOnlyHint: true } }, async () => ({
    content: [],
  }));
  return server;
}

describe('mcpscope proxy (HTTP) in front of instrumented MCP SDK 2.x servers, 2026-07-28 era', () => {
  let handler: McpHttpHandler;
  let upstream: WebHandlerServer;
  let proxy: HttpProxyHandle;
  let client: Client;
  let changes: { count: number };

  beforeAll(async () => {
    telemetry = setupTestTelemetry();
    handler = createMcpHandler(filesServer);
    upstream = await serveWebHandler((request) => handler.fetch(request));
    proxy = await startHttpProxy({
      upstream: upstream.url,
      tracer: telemetry.provider.getTracer('proxy'),
      port: 0,
    });
    client = modernClient();
    changes = countToolListChanges(client);
    await client.connect(new StreamableHTTPClientTransport(proxy.url));
  });

  afterAll(async () => {
    await client?.close();
    await proxy?.close();
    await upstream?.close();
    await handler?.close();
  });

  // Client, proxy and servers all record into this process's exporter; the proxy's spans say so.
  const proxySpans = (): ObservedSpan[] =>
    telemetry
      .spans()
      .filter((span) => span.attributes['mcpscope.source'] === 'proxy')
      .map(fromReadable);
  const otherSpans = (): ObservedSpan[] =>
    telemetry
      .spans()
      .filter((span) => span.attributes['mcpscope.source'] !== 'proxy')
      .map(fromReadable);
  /** Every pair so far, once each of the proxy's SERVER spans (but `open`) has its server span. */
  async function allPairs(open: readonly string[] = []): Promise<SpanPair[]> {
    let pairs: SpanPair[] = [];
    await waitFor(() => {
      const paired = pairUp(proxySpans(), otherSpans());
      pairs = paired.pairs;
      return paired.unpaired.every((span) => open.includes(span.name));
    });
    return pairs;
  }

  it('the 2026-07-28 shapes, the Mcp-Method and Mcp-Name headers, the addresses', async () => {
    await client.callTool({ name: 'peek', arguments: {} });
    await client.discover();
    await client.listTools();
    await client.callTool({ name: 'peek', arguments: {} });
    await callConfirm({ client, close: () => client.close() });
    expect((await client.callTool({ name: 'explode', arguments: {} })).isError).toBe(true);
    expect((await client.callTool({ name: 'refuse', arguments: {} })).isError).toBe(true);
    await expect(client.callTool({ name: 'missing', arguments: {} })).rejects.toThrow(/not found/);
    await clientSpan(telemetry, CONFIRM_CALL);
    const pairs = await allPairs();
    const spans = pairs.map((p) => p.proxy);

    // The probe (on the real endpoint over HTTP) and Client.discover(), named from the result `_meta`.
    const discovers = spans.filter((span) => span.name === 'server/discover');
    expect(discovers).toHaveLength(2);
    for (const span of discovers) {
      expect(span.attributes['mcpscope.server.name']).toBe('files-v2-http');
      expect(span.attributes['mcpscope.server.version']).toBe('2.3.0');
    }
    const [list] = spans.filter((span) => span.name === 'tools/list');
    expect(list?.attributes['mcpscope.list.ttl_ms']).toBe(TOOLS_LIST_CACHE_HINT.ttlMs);
    expect(list?.attributes['mcpscope.list.cache_scope']).toBe(TOOLS_LIST_CACHE_HINT.cacheScope);
    checkConfirmLegs(
      spans.filter((span) => span.name === CONFIRM_CALL),
      telemetry.spans(),
      'streamable-http tools/call',
    );
    // Only the call after the tools/list carries the annotations (see endpointOnly).
    const peeks = spans.filter((span) => span.name === 'tools/call peek').sort(byRequestId);
    expect(peeks.map((span) => span.attributes['mcpscope.tool.annotations.readOnlyHint'])).toEqual([
      undefined,
      true,
    ]);

    // The server as the agent addressed it (the `Host` header): the proxy, as the agent's spans name it.
    const agentView = onlySpan(telemetry.spans(), 'tools/list', SpanKind.CLIENT).attributes;
    expect(agentView).toMatchObject({
      'server.address': proxy.url.hostname,
      'server.port': Number(proxy.url.port),
    });
    for (const span of spans) {
      const method = String(span.attributes['mcp.method.name']);
      expect(span.attributes).toMatchObject({
        'network.transport': 'tcp',
        'server.address': agentView['server.address'],
        'server.port': agentView['server.port'],
        'client.address': '127.0.0.1',
        'http.request.header.mcp-method': JSON.stringify([method]),
        'mcp.protocol.version': '2026-07-28',
        'mcpscope.client.name': 'agent-v2',
      });
      if (method === 'tools/call')
        expect(span.attributes['http.request.header.mcp-name']).toBe(
          JSON.stringify([span.attributes['gen_ai.tool.name']]),
        );
    }
  }, 30_000);

  it('Tasks: the call that created the task and tasks/get, update, cancel name it, in one trace', async () => {
    const taskHandler = createMcpHandler(createTaskServer);
    const taskUpstream = await serveWebHandler((request) => taskHandler.fetch(request));
    const taskProxy = await startHttpProxy({
      upstream: taskUpstream.url,
      tracer: telemetry.provider.getTracer('proxy'),
      port: 0,
    });
    const taskClient = modernClient();
    try {
      await taskClient.connect(new StreamableHTTPClientTransport(taskProxy.url));
      // MCP SDK 2.4.0's Client refuses the task handle itself; the server answered correctly.
      await expect(taskClient.callTool({ name: 'render', arguments: {} })).rejects.toThrow(
        /Unsupported result type 'task'/,
      );
      const created = await clientSpan(telemetry, 'tools/call render');
      await taskClient.request({ method: 'tasks/get', params: { taskId: TASK_ID } }, AnyResult);
      const answer = { name: { action: 'accept', content: { name: 'Jane' } } };
      await taskClient.request(
        { method: 'tasks/update', params: { taskId: TASK_ID, inputResponses: answer } },
        AnyResult,
      );
      await taskClient.request({ method: 'tasks/cancel', params: { taskId: TASK_ID } }, AnyResult);
      const traceId = created.spanContext().traceId;
      let spans: ObservedSpan[] = [];
      await waitFor(() => {
        spans = pairUpInTrace(traceId).map((p) => p.proxy);
        return spans.length === 4;
      });
      const byName = (name: string): ObservedSpan | undefined => spans.find((span) => span.name === name);
      expect(byName('tools/call render')?.attributes).toMatchObject({
        'mcpscope.result.type': 'task',
        'mcpscope.task.status': 'working',
      });
      expect(byName('tasks/get')?.attributes['mcpscope.task.status']).toBe('completed');
      expect(byName('tasks/update')?.attributes['mcpscope.input_response.keys']).toBe('["name"]');
      for (const span of spans) {
        expect(span.attributes['mcpscope.task.id']).toBe(TASK_ID);
        expect(span.attributes['mcpscope.server.name']).toBe('render-v2');
        expect(span.statusCode).toBe(0);
        if (span.name.startsWith('tasks/'))
          expect(span.attributes['http.request.header.mcp-name']).toBe(JSON.stringify([TASK_ID]));
      }
    } finally {
      await taskClient.close();
      await taskProxy.close();
      await taskUpstream.close();
      await taskHandler.close();
    }
  }, 30_000);

  function pairUpInTrace(traceId: string): SpanPair[] {
    return pairUp(proxySpans(), otherSpans()).pairs.filter((p) => p.proxy.traceId === traceId);
  }

  it("parity: the proxy's SERVER span of each request says all the server's own span says", async () => {
    const pairs = await allPairs();
    expect(new Set(pairs.map((p) => p.server.attributes['mcp.method.name']))).toEqual(
      new Set(['server/discover', 'tools/list', 'tools/call', 'tasks/get', 'tasks/update', 'tasks/cancel']),
    );
    const byTool = (tool: string): SpanPair | undefined =>
      pairs.find((p) => p.proxy.attributes['gen_ai.tool.name'] === tool);
    // A tool that threw and one that returned isError are the tool's fault on both sides; an unknown
    // tool is the caller's.
    expect(byTool('explode')?.proxy.attributes).toMatchObject({
      'error.type': 'tool_error',
      'mcpscope.fault': 'tool',
    });
    expect(byTool('refuse')?.proxy.attributes).toMatchObject({
      'error.type': 'tool_error',
      'mcpscope.fault': 'tool',
    });
    expect(byTool('missing')?.proxy.attributes).toMatchObject({
      'error.type': '-32602',
      'mcpscope.fault': 'caller',
    });
    expect(parityGaps(pairs, endpointOnly(proxySpans()))).toEqual([]);
  }, 30_000);

  it('subscriptions/listen: the client closes it, without error', async () => {
    const before = changes.count;
    const subscription = await client.listen({ toolsListChanged: true });
    handler.notify.toolsChanged();
    await waitFor(() => changes.count === before + 1);
    await subscription.close();
    expect(await subscription.closed).toBe('local');
    const call = await listenSpan(telemetry);
    expectNormalEnd(call, 'client', 1);
    let listen: ObservedSpan | undefined;
    await waitFor(() => {
      listen = proxySpans().find((span) => span.name === 'subscriptions/listen');
      return listen !== undefined;
    });
    expect(listen?.server).toBe(true);
    expect(listen?.parentSpanId).toBe(call.spanContext().spanId);
    expect(listen?.attributes).toMatchObject({
      'mcpscope.subscription.closed_by': 'client',
      'http.request.header.mcp-method': '["subscriptions/listen"]',
      'server.address': proxy.url.hostname,
      'server.port': Number(proxy.url.port),
      'mcpscope.server.name': 'files-v2-http',
    });
    expect(listen?.statusCode).toBe(0);
    expect(listen?.attributes['error.type']).toBeUndefined();
    expect(listen?.attributes['mcpscope.fault']).toBeUndefined();
    // `createMcpHandler` answers listen itself, before any (instrumented) server instance sees it.
    expect(otherSpans().filter((span) => span.parentSpanId === listen?.spanId)).toEqual([]);
  }, 30_000);
});
