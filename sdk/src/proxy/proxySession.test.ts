import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ProxySession } from './proxySession.js';
import { ToolListMemory } from './toolListMemory.js';
import { inMemoryTracing } from '../testing/otel.js';

// The session on its own, fed messages the way the proxies feed them, spans into the real OpenTelemetry
// SDK with an in-memory exporter (the proxies themselves are tested end to end beside it).

const { exporter, provider } = inMemoryTracing();
const tracer = provider.getTracer('proxy-session-test');

function newSession(cancelGraceMs?: number): ProxySession {
  return new ProxySession({
    tracer,
    tools: new ToolListMemory(),
    networkTransport: 'pipe',
    serverCommand: 'server --verbose',
    ...(cancelGraceMs !== undefined ? { cancelGraceMs } : {}),
  });
}

const only = (): ReadableSpan => {
  const spans = exporter.getFinishedSpans();
  expect(spans).toHaveLength(1);
  return spans[0]!;
};

beforeEach(() => exporter.reset());

describe('ProxySession', () => {
  it('fingerprints a paginated tools/list once, over all its pages, on the last page', () => {
    const session = newSession();
    const tool = (name: string) => ({ name, inputSchema: { type: 'object' } });
    const list = (id: number, cursor: string | undefined, tools: unknown[], nextCursor?: string) => {
      session.fromClient({
        jsonrpc: '2.0',
        id,
        method: 'tools/list',
        params: cursor === undefined ? {} : { cursor },
      });
      session.settle();
      session.fromServer({ jsonrpc: '2.0', id, result: { tools, ...(nextCursor ? { nextCursor } : {}) } });
    };
    list(1, undefined, [tool('a'), tool('b')], 'page-2');
    list(2, 'page-2', [tool('c')]);
    const [first, last] = exporter.getFinishedSpans();
    expect(first?.attributes['mcpscope.tools.fingerprint']).toBeUndefined();
    expect(first?.attributes['mcpscope.tools.count']).toBe(2);
    expect(last?.attributes['mcpscope.tools.count']).toBe(3);
    expect(last?.attributes['mcpscope.tools.fingerprint']).toMatch(/^[0-9a-f]{64}$/);
    const names = (
      JSON.parse(String(last?.attributes['mcpscope.tools.definitions'])) as { name: string }[]
    ).map((t) => t.name);
    expect(names).toEqual(['a', 'b', 'c']);
    // A page reached without its first page is never fingerprinted (it would be part of a set).
    exporter.reset();
    list(3, 'page-2', [tool('c')]);
    expect(only().attributes['mcpscope.tools.fingerprint']).toBeUndefined();
  });

  it('starts the span with what names the call and sets the rest once the request is forwarded', () => {
    const session = newSession();
    const meta: Record<string, unknown> = { progressToken: 'p' };
    const request = {
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'echo', arguments: {}, _meta: meta },
    };
    expect(session.fromClient(request, { bytes: 120 })).toBe(true);
    // The context is in the request before it goes on: the server joins the proxy's span.
    expect(meta).toMatchObject({
      progressToken: 'p',
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/),
    });
    session.settle();
    session.fromServer({ jsonrpc: '2.0', id: 7, result: { content: [] } }, { bytes: 60 });
    expect(only().attributes).toEqual({
      'mcp.method.name': 'tools/call',
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'echo',
      'mcpscope.source': 'proxy',
      'mcpscope.transport.kind': 'stdio',
      'mcpscope.layer': 'server',
      'network.transport': 'pipe',
      'mcpscope.server.command': 'server --verbose',
      'jsonrpc.request.id': '7',
      'mcpscope.transport.request_bytes': 120,
      'mcpscope.transport.response_bytes': 60,
    });
    expect(meta['traceparent']).toContain(only().spanContext().spanId);
  });

  it('loses no attribute when the caller does not settle before the next message', () => {
    const session = newSession();
    session.fromClient({ jsonrpc: '2.0', id: 'a', method: 'ping' }, { bytes: 40 });
    session.fromServer({ jsonrpc: '2.0', id: 'a', result: {} });
    expect(only().attributes).toMatchObject({
      'jsonrpc.request.id': 'a',
      'mcpscope.transport.request_bytes': 40,
      'mcpscope.source': 'proxy',
    });
  });

  it('records notifications as events shaped like the SDK instrumentation, scrubbing free text', () => {
    const session = newSession();
    const key = `sk-${'k'.repeat(30)}`;
    session.fromClient({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'slow', _meta: { progressToken: 9 } },
    });
    session.fromServer({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: 9, progress: 1, total: 2, message: `using ${key}` },
    });
    session.fromServer({
      jsonrpc: '2.0',
      method: 'notifications/message',
      params: { level: 'info', logger: 'db', data: 'secret payload' },
    });
    session.fromClient({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 1, reason: 'x'.repeat(600) },
    });
    session.fromServer({ jsonrpc: '2.0', id: 1, result: { content: [] } });
    const events = only().events.map((e) => [e.name, e.attributes]);
    expect(events).toEqual([
      [
        'mcp.progress',
        {
          'mcp.method.name': 'notifications/progress',
          'mcp.direction': 'sent',
          'mcp.progress.value': 1,
          'mcp.progress.total': 2,
          'mcp.message': 'using [REDACTED]',
        },
      ],
      [
        'mcp.log_message',
        {
          'mcp.method.name': 'notifications/message',
          'mcp.direction': 'sent',
          'mcp.log.level': 'info',
          'mcp.log.logger': 'db',
        },
      ],
      [
        'mcp.cancelled',
        {
          'mcp.method.name': 'notifications/cancelled',
          'mcp.direction': 'received',
          'mcp.cancel.reason': 'x'.repeat(512),
        },
      ],
    ]);
  });

  it('spans and passes context on for notifications that belong to no request, and only for those', () => {
    const session = newSession();
    const initialized = { jsonrpc: '2.0', method: 'notifications/initialized' };
    expect(session.fromClient(initialized)).toBe(false);
    expect(initialized).toEqual({ jsonrpc: '2.0', method: 'notifications/initialized' });

    // No request in flight: the log message stands alone, a CLIENT span (server → agent).
    const log = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } };
    expect(session.fromServer(log, { bytes: 70 })).toBe(true);
    const [logSpan] = exporter.getFinishedSpans();
    expect(logSpan!.name).toBe('notifications/message');
    expect(logSpan!.kind).toBe(SpanKind.CLIENT);
    expect(logSpan!.parentSpanContext).toBeUndefined();
    expect(logSpan!.attributes).toEqual({
      'mcp.method.name': 'notifications/message',
      'mcpscope.source': 'proxy',
      'mcpscope.transport.kind': 'stdio',
      'mcpscope.layer': 'server',
      'network.transport': 'pipe',
      'mcpscope.server.command': 'server --verbose',
      'mcpscope.transport.request_bytes': 70,
    });
    expect(log.params).toEqual({
      level: 'info',
      data: 'x',
      _meta: { traceparent: `00-${logSpan!.spanContext().traceId}-${logSpan!.spanContext().spanId}-01` },
    });

    // With two requests in flight a log message cannot be placed on either: it stands alone too.
    exporter.reset();
    session.fromClient({ jsonrpc: '2.0', id: 1, method: 'ping' });
    session.fromClient({ jsonrpc: '2.0', id: 2, method: 'ping' });
    expect(session.fromServer({ jsonrpc: '2.0', method: 'notifications/message', params: {} })).toBe(true);
    // Progress for a request passes unchanged, as an event of that request (none here: no token).
    const progress = { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 5 } };
    expect(session.fromServer(progress)).toBe(false);
    expect(progress.params).toEqual({ progressToken: 5 });
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['notifications/message']);
    session.closeAll();

    // From the agent without _meta: a SERVER span under the transport's context (the HTTP header's).
    exporter.reset();
    const rootsChanged: { jsonrpc: string; method: string; params?: unknown } = {
      jsonrpc: '2.0',
      method: 'notifications/roots/list_changed',
    };
    expect(
      session.fromClient(rootsChanged, {
        headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
        attributes: { 'client.address': '10.0.0.1' },
      }),
    ).toBe(true);
    const roots = only();
    expect(roots.kind).toBe(SpanKind.SERVER);
    expect(roots.spanContext().traceId).toBe('a'.repeat(32));
    expect(roots.parentSpanContext?.spanId).toBe('b'.repeat(16));
    expect(roots.attributes['client.address']).toBe('10.0.0.1');
    expect(roots.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        'mcp.list_changed',
        { 'mcp.method.name': 'notifications/roots/list_changed', 'mcp.direction': 'received' },
      ],
    ]);
    expect(rootsChanged.params).toEqual({
      _meta: { traceparent: `00-${'a'.repeat(32)}-${roots.spanContext().spanId}-01` },
    });
  });

  it('ends a request whose id is reused while in flight as duplicate_id, with all its attributes', () => {
    const session = newSession();
    // One batch: the second request arrives before the first was ever settled.
    session.fromClient(
      [
        { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'a' } },
        { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'b' } },
      ],
      { bytes: 200 },
    );
    const [first] = exporter.getFinishedSpans();
    expect(first!.name).toBe('tools/call a');
    expect(first!.attributes).toMatchObject({
      'error.type': 'duplicate_id',
      'mcpscope.fault': 'caller',
      'jsonrpc.request.id': '3',
      'mcpscope.source': 'proxy',
    });
    expect(first!.status.code).toBe(SpanStatusCode.ERROR);
    session.closeAll();
    const second = exporter.getFinishedSpans()[1]!;
    expect(second.name).toBe('tools/call b');
    expect(second.attributes).toMatchObject({
      'jsonrpc.request.id': '3',
      'error.type': 'connection_closed',
    });
  });

  it('classifies tool error results with the SDK’s rules, without recording their text', () => {
    const session = newSession();
    const results: Array<[string, string]> = [
      ['invalid', 'MCP error -32602: Input validation error: Invalid arguments for tool invalid'],
      ['unknown', 'MCP error -32602: Tool unknown not found'],
      ['broken_output', 'MCP error -32602: Output validation error: Invalid structured content'],
      ['fail', 'the weather service is down'],
    ];
    results.forEach(([name, text], id) => {
      session.fromClient({ jsonrpc: '2.0', id, method: 'tools/call', params: { name } });
      session.fromServer({
        jsonrpc: '2.0',
        id,
        result: { isError: true, content: [{ type: 'text', text }] },
      });
    });
    const byName = new Map(exporter.getFinishedSpans().map((span) => [span.name, span]));
    const view = (name: string) => {
      const span = byName.get(`tools/call ${name}`)!;
      return [span.attributes['error.type'], span.attributes['mcpscope.fault'], span.status.code];
    };
    // McpServer's refusals are the caller's and not the server's errors, as on the SDK's server span.
    expect(view('invalid')).toEqual(['-32602', 'caller', SpanStatusCode.UNSET]);
    expect(view('unknown')).toEqual(['-32602', 'caller', SpanStatusCode.UNSET]);
    expect(view('broken_output')).toEqual(['output_validation', 'tool', SpanStatusCode.ERROR]);
    expect(view('fail')).toEqual(['tool_error', 'tool', SpanStatusCode.ERROR]);
    const recorded = JSON.stringify(exporter.getFinishedSpans().map((s) => [s.attributes, s.status]));
    expect(recorded).not.toContain('Invalid arguments');
    expect(recorded).not.toContain('weather service');
  });

  it('attributes JSON-RPC errors by who answered', () => {
    const session = newSession();
    const error = (id: number, code: number) => ({ jsonrpc: '2.0', id, error: { code, message: 'no' } });
    // Agent → server: the server answered.
    session.fromClient({ jsonrpc: '2.0', id: 1, method: 'prompts/list' });
    session.fromServer(error(1, -32601));
    session.fromClient({ jsonrpc: '2.0', id: 2, method: 'prompts/get', params: { name: 'p' } });
    session.fromServer(error(2, -32603));
    // Server → agent: the agent answered.
    session.fromServer({ jsonrpc: '2.0', id: 3, method: 'roots/list' });
    session.fromClient(error(3, -32603));
    session.fromServer({ jsonrpc: '2.0', id: 4, method: 'elicitation/create' });
    session.fromClient(error(4, -32601));
    const view = exporter
      .getFinishedSpans()
      .map((s) => [s.name, s.attributes['error.type'], s.attributes['mcpscope.fault'], s.status.code]);
    expect(view).toEqual([
      ['prompts/list', '-32601', 'caller', SpanStatusCode.UNSET],
      ['prompts/get p', '-32603', 'server', SpanStatusCode.ERROR],
      ['roots/list', '-32603', 'client', SpanStatusCode.ERROR],
      // The server asked for something the agent does not do: the server (the caller here) erred.
      ['elicitation/create', '-32601', 'caller', SpanStatusCode.ERROR],
    ]);
  });

  it('tells a timeout from a user cancel by the cancel’s reason, with the SDK’s rule', async () => {
    const session = newSession(1);
    const cancels: Array<[number, boolean, string]> = [
      [1, true, 'McpError: MCP error -32001: Request timed out'],
      [2, true, 'AbortError: This operation was aborted'],
      [3, true, 'user pressed stop'],
      [4, false, 'McpError: MCP error -32001: Request timed out'],
    ];
    for (const [id, toServer, reason] of cancels) {
      const request = { jsonrpc: '2.0', id, method: toServer ? 'tools/call' : 'sampling/createMessage' };
      const cancel = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason } };
      if (toServer) {
        session.fromClient(request);
        session.fromClient(cancel);
      } else {
        session.fromServer(request);
        session.fromServer(cancel);
      }
    }
    await vi.waitFor(() => expect(exporter.getFinishedSpans()).toHaveLength(4));
    const view = exporter
      .getFinishedSpans()
      .map((s) => [
        s.attributes['jsonrpc.request.id'],
        s.attributes['error.type'],
        s.attributes['mcpscope.fault'],
      ]);
    expect(view).toEqual([
      ['1', 'timeout', 'server'],
      ['2', 'cancelled', 'caller'],
      ['3', 'cancelled', 'caller'],
      // The agent was answering the server's request, and was too slow.
      ['4', 'timeout', 'client'],
    ]);
    const timedOut = exporter.getFinishedSpans()[0]!;
    expect(timedOut.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'The requester timed out waiting for the response',
    });
    expect(exporter.getFinishedSpans()[1]!.status.code).toBe(SpanStatusCode.UNSET);
  });
});
