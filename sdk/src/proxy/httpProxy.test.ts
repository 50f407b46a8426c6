import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHttpProxy, type HttpProxyHandle } from './httpProxy.js';
import { DEFAULT_MAX_BODY_BYTES } from './readLimitedBody.js';
import { FIXTURE_SERVER_NAME } from './testing/fixtureServer.js';
import { startHttpFixture, type HttpFixture } from './testing/httpFixture.js';
import { inMemoryTracing } from '../testing/otel.js';
import { outcome } from './testing/outcome.js';

// In process: real MCP SDK Client over Streamable HTTP → startHttpProxy (node:http) → real Streamable HTTP
// McpServer fixture (node:http), spans into the real OpenTelemetry SDK with an in-memory exporter.

const { exporter, provider } = inMemoryTracing();
const tracer = provider.getTracer('proxy-test');

let releaseGate: (() => void) | undefined;
const gate = (): Promise<void> => new Promise((resolve) => (releaseGate = resolve));

const spans = (): ReadableSpan[] => exporter.getFinishedSpans();

async function waitForSpan(
  predicate: (s: ReadableSpan) => boolean,
  timeoutMs = 10_000,
): Promise<ReadableSpan> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = spans().find(predicate);
    if (found) return found;
    if (Date.now() > deadline)
      throw new Error(
        `no such span; have ${spans()
          .map((s) => s.name)
          .join(', ')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves once `condition` holds; for what the client receives a moment after the proxy saw it. */
async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function connect(
  url: URL,
  headers?: Record<string, string>,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client(
    { name: 'http-test', version: '2.0.0' },
    { capabilities: { roots: { listChanged: true } } },
  );
  client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [{ uri: 'file:///srv', name: 'srv' }] }));
  const transport = new StreamableHTTPClientTransport(
    url,
    headers ? { requestInit: { headers } } : undefined,
  );
  await client.connect(transport);
  return { client, transport };
}

describe.each([
  { mode: 'SSE responses', jsonResponse: false },
  { mode: 'JSON responses', jsonResponse: true },
])('mcpscope proxy (Streamable HTTP, $mode)', ({ jsonResponse }) => {
  let fixture: HttpFixture;
  let proxy: HttpProxyHandle;

  beforeAll(async () => {
    fixture = await startHttpFixture({ jsonResponse });
    proxy = await startHttpProxy({ upstream: fixture.url, tracer, port: 0 });
  });

  afterAll(async () => {
    await proxy?.close();
    await fixture?.close();
  });

  beforeEach(() => exporter.reset());

  it('returns exactly what the server returns without it', async () => {
    const viaProxy = await connect(proxy.url);
    const direct = await connect(fixture.url);
    const calls: Array<(c: Client) => Promise<unknown>> = [
      (c) => c.listTools(),
      (c) => c.callTool({ name: 'echo', arguments: { text: 'héllo ✓' } }),
      (c) => c.callTool({ name: 'fail', arguments: {} }),
      (c) => c.getPrompt({ name: 'nope' }),
      (c) => c.getPrompt({ name: 'greet', arguments: { name: 'Ada' } }),
    ];
    for (const call of calls) {
      expect(await outcome(() => call(viaProxy.client))).toEqual(await outcome(() => call(direct.client)));
    }
    await viaProxy.client.close();
    await direct.client.close();
  });

  it('traces requests with the session id, identities and error attribution', async () => {
    const { client, transport } = await connect(proxy.url);
    await client.listTools();
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    await client.callTool({ name: 'fail', arguments: {} });
    await expect(client.getPrompt({ name: 'broken' })).rejects.toThrow();
    expect((await client.callTool({ name: 'ask_roots', arguments: {} })).content).toEqual([
      { type: 'text', text: 'file:///srv' },
    ]);
    const sessionId = transport.sessionId;
    expect(sessionId).toBeDefined();

    const init = await waitForSpan((s) => s.name === 'initialize');
    expect(init.kind).toBe(SpanKind.SERVER);
    expect(init.attributes).toMatchObject({
      'mcp.session.id': sessionId,
      'mcpscope.source': 'proxy',
      'mcpscope.layer': 'server',
      'network.transport': 'tcp',
      'mcpscope.server.name': FIXTURE_SERVER_NAME,
      'mcpscope.client.name': 'http-test',
      'mcp.protocol.version': expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      'client.address': '127.0.0.1',
    });

    const echo = await waitForSpan((s) => s.name === 'tools/call echo');
    expect(echo.attributes).toMatchObject({
      'mcp.session.id': sessionId,
      'gen_ai.tool.name': 'echo',
      'mcpscope.server.name': FIXTURE_SERVER_NAME,
      'mcpscope.tool.annotations.readOnlyHint': true,
    });
    expect(echo.attributes['mcpscope.transport.response_bytes']).toBeGreaterThan(0);
    expect(echo.status.code).toBe(SpanStatusCode.UNSET);

    const fail = await waitForSpan((s) => s.name === 'tools/call fail');
    expect(fail.attributes['error.type']).toBe('tool_error');
    expect(fail.status.code).toBe(SpanStatusCode.ERROR);

    const broken = await waitForSpan((s) => s.name === 'prompts/get broken');
    expect(broken.attributes).toMatchObject({ 'error.type': '-32603', 'mcpscope.fault': 'server' });

    // The server's request to the client travels on the POST's response; the client answers in a new POST.
    const ask = await waitForSpan((s) => s.name === 'tools/call ask_roots');
    const roots = await waitForSpan((s) => s.name === 'roots/list');
    expect(roots.kind).toBe(SpanKind.CLIENT);
    expect(roots.parentSpanContext?.spanId).toBe(ask.spanContext().spanId);
    expect(roots.attributes['mcp.session.id']).toBe(sessionId);

    const list = await waitForSpan((s) => s.name === 'tools/list');
    expect(list.attributes['mcpscope.tools.fingerprint']).toMatch(/^[0-9a-f]{64}$/);

    // DELETE ends the session upstream through the proxy.
    await transport.terminateSession();
    expect(fixture.sessions.has(sessionId!)).toBe(false);
    await client.close();
  });

  it('forwards Authorization without recording it and takes the parent from the traceparent header', async () => {
    const token = `Bearer sk-${randomBytes(12).toString('hex')}`;
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const { client } = await connect(proxy.url, {
      Authorization: token,
      traceparent: `00-${traceId}-${callerSpanId}-01`,
    });
    const result = await client.callTool({ name: 'meta', arguments: {} });
    const seen = JSON.parse((result.content as Array<{ text: string }>)[0]!.text) as Record<string, string>;

    expect(fixture.authorizations).toContain(token);
    const span = await waitForSpan((s) => s.name === 'tools/call meta');
    expect(span.spanContext().traceId).toBe(traceId);
    expect(span.parentSpanContext?.spanId).toBe(callerSpanId);
    expect(seen['traceparent']).toBe(`00-${traceId}-${span.spanContext().spanId}-01`);
    const recorded = JSON.stringify(spans().map((s) => [s.attributes, s.events, s.status]));
    expect(recorded).not.toContain(token.slice('Bearer '.length));
    await client.close();
  });

  it('gives notifications that belong to no request a span of their own and passes its context on', async () => {
    const { client, transport } = await connect(proxy.url);
    const logs: Array<Record<string, unknown> | undefined> = [];
    const listChanges: Array<Record<string, unknown> | undefined> = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(n.params._meta));
    client.setNotificationHandler(ToolListChangedNotificationSchema, (n) => {
      listChanges.push(n.params?._meta);
    });
    const sessionId = transport.sessionId!;
    // The server's messages that belong to no request can only reach the client on its GET stream.
    await until(() => fixture.standaloneStreams.has(sessionId));

    // Agent → server in its own POST, joining the caller's trace from _meta: a SERVER span.
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    await client.notification({
      method: 'notifications/roots/list_changed',
      params: { _meta: { traceparent: `00-${traceId}-${callerSpanId}-01` } },
    });
    const roots = await waitForSpan(
      (s) => s.name === 'notifications/roots/list_changed' && s.spanContext().traceId === traceId,
    );
    expect(roots.kind).toBe(SpanKind.SERVER);
    expect(roots.parentSpanContext?.spanId).toBe(callerSpanId);
    expect(roots.attributes).toMatchObject({
      'mcp.method.name': 'notifications/roots/list_changed',
      'mcpscope.source': 'proxy',
      'mcpscope.layer': 'server',
      'network.transport': 'tcp',
      'mcp.session.id': sessionId,
      'mcpscope.server.name': FIXTURE_SERVER_NAME,
      'mcpscope.client.name': 'http-test',
      'client.address': '127.0.0.1',
    });
    expect(roots.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        'mcp.list_changed',
        { 'mcp.method.name': 'notifications/roots/list_changed', 'mcp.direction': 'received' },
      ],
    ]);

    // The server answers with a log message on the GET stream while no request is in flight: a root
    // CLIENT span whose context the client receives in the message's _meta.
    const log = await waitForSpan(
      (s) => s.name === 'notifications/message' && s.attributes['mcp.session.id'] === sessionId,
    );
    expect(log.kind).toBe(SpanKind.CLIENT);
    expect(log.parentSpanContext).toBeUndefined();
    expect(log.attributes).toMatchObject({
      'mcpscope.source': 'proxy',
      'mcpscope.layer': 'server',
      'client.address': '127.0.0.1',
    });
    expect(log.events.map((e) => e.name)).toEqual(['mcp.log_message']);
    await until(() => logs.length > 0);
    expect(logs).toEqual([{ traceparent: `00-${log.spanContext().traceId}-${log.spanContext().spanId}-01` }]);

    // The server's handler saw the proxy span's context in the client's notification.
    const seen = await client.callTool({ name: 'notification_meta', arguments: {} });
    expect(JSON.parse((seen.content as Array<{ text: string }>)[0]!.text)).toEqual({
      traceparent: `00-${traceId}-${roots.spanContext().spanId}-01`,
    });

    await client.callTool({ name: 'notify_tools_changed', arguments: {} });
    await until(() => listChanges.length > 0);
    const changed = await waitForSpan(
      (s) => s.name === 'notifications/tools/list_changed' && s.attributes['mcp.session.id'] === sessionId,
    );
    expect(changed.kind).toBe(SpanKind.CLIENT);
    expect(listChanges).toEqual([
      { traceparent: `00-${changed.spanContext().traceId}-${changed.spanContext().spanId}-01` },
    ]);
    await client.close();
  });
});

describe('mcpscope proxy (Streamable HTTP, streaming)', () => {
  let fixture: HttpFixture;
  let proxy: HttpProxyHandle;

  beforeAll(async () => {
    fixture = await startHttpFixture({ gate });
    proxy = await startHttpProxy({ upstream: fixture.url, tracer, port: 0 });
  });

  afterAll(async () => {
    await proxy?.close();
    await fixture?.close();
  });

  it('streams SSE responses through as they come, progress before the result', async () => {
    const { client, transport } = await connect(proxy.url);
    const progress: number[] = [];
    // `gated` waits until the test releases it, and the test releases it from the progress callback:
    // if the proxy held the stream back until the call ended, this would never finish.
    const result = await client.callTool({ name: 'gated', arguments: {} }, undefined, {
      onprogress: (p) => {
        progress.push(p.progress);
        releaseGate?.();
      },
    });
    expect(progress).toEqual([1]);
    expect(result.content).toEqual([{ type: 'text', text: 'released' }]);
    const span = await waitForSpan((s) => s.name === 'tools/call gated');
    expect(span.events.map((e) => [e.name, e.attributes?.['mcp.progress.value']])).toEqual([
      ['mcp.progress', 1],
    ]);
    expect(span.attributes['mcp.session.id']).toBe(transport.sessionId);

    // The same exchange by hand: the proxy answers with the server's event stream, headers included.
    const response = await fetch(proxy.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': transport.sessionId!,
        'mcp-protocol-version': transport.protocolVersion ?? '2025-06-18',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 'raw-1',
        method: 'tools/call',
        params: { name: 'echo', arguments: { text: 'raw' } },
      }),
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    expect(text).toMatch(/^event: message\ndata: \{.*"id":"raw-1"/m);
    const raw = await waitForSpan((s) => s.attributes['jsonrpc.request.id'] === 'raw-1');
    expect(raw.attributes['mcp.protocol.version']).toBeDefined();

    // A log message on the request's own stream becomes an event of that request's span.
    await client.callTool({ name: 'log', arguments: {} });
    const log = await waitForSpan((s) => s.name === 'tools/call log');
    expect(log.events.map((e) => [e.name, e.attributes])).toEqual([
      [
        'mcp.log_message',
        {
          'mcp.method.name': 'notifications/message',
          'mcp.direction': 'sent',
          'mcp.log.level': 'warning',
          'mcp.log.logger': 'disk',
        },
      ],
    ]);
    await client.close();
  });
});

describe('mcpscope proxy (Streamable HTTP, stateless server)', () => {
  it('traces a server without sessions, remembering what initialize told it', async () => {
    const fixture = await startHttpFixture({ stateless: true });
    const proxy = await startHttpProxy({ upstream: fixture.url, tracer, port: 0 });
    exporter.reset();
    const { client, transport } = await connect(new URL(proxy.url.href + '/'));
    const direct = await connect(fixture.url);
    expect(await client.callTool({ name: 'echo', arguments: { text: 'a' } })).toEqual(
      await direct.client.callTool({ name: 'echo', arguments: { text: 'a' } }),
    );
    expect(transport.sessionId).toBeUndefined();
    const echo = await waitForSpan((s) => s.name === 'tools/call echo');
    expect(echo.attributes['mcp.session.id']).toBeUndefined();
    expect(echo.attributes).toMatchObject({
      'mcpscope.server.name': FIXTURE_SERVER_NAME,
      'network.transport': 'tcp',
    });
    await client.close();
    await direct.client.close();
    await proxy.close();
    await fixture.close();
  });
});

describe('mcpscope proxy (Streamable HTTP, upstream down)', () => {
  it('answers 502 and ends the request span as a transport failure', async () => {
    // A port that was free a moment ago: nothing listens there.
    const fixture = await startHttpFixture();
    const deadUrl = fixture.url;
    await fixture.close();
    const proxy = await startHttpProxy({ upstream: deadUrl, tracer, port: 0 });
    exporter.reset();
    const response = await fetch(proxy.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32000);
    const span = await waitForSpan((s) => s.name === 'tools/list');
    expect(span.attributes).toMatchObject({ 'error.type': 'transport_error', 'mcpscope.fault': 'transport' });
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    await proxy.close();
  });
});

describe('mcpscope proxy (Streamable HTTP, request body cap)', () => {
  const MAX = 64 * 1024;
  let upstream: http.Server;
  let upstreamUrl: URL;
  let upstreamCalls = 0;
  let proxy: HttpProxyHandle;

  // A bare node:http upstream that answers every POST with a JSON-RPC result: the cap is about what the
  // proxy reads, whatever the server behind it would do with the body.
  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      upstreamCalls++;
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const { id } = JSON.parse(body.toString('utf8')) as { id: number };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id, result: { bytes: body.length } }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`);
    proxy = await startHttpProxy({ upstream: upstreamUrl, tracer, port: 0, maxBodyBytes: MAX });
  });

  afterAll(async () => {
    await proxy?.close();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  beforeEach(() => {
    upstreamCalls = 0;
    exporter.reset();
  });

  /** A tools/call request padded to exactly `size` bytes of JSON. */
  function requestOfSize(size: number): Buffer {
    const shell = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'echo', arguments: { text: '' } },
    });
    const text = 'x'.repeat(size - Buffer.byteLength(shell));
    const body = Buffer.from(shell.replace('"text":""', `"text":"${text}"`));
    expect(body.length).toBe(size);
    return body;
  }

  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

  async function expectRefused(response: Response): Promise<void> {
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: expect.stringContaining(`${MAX} bytes`) },
    });
    expect(upstreamCalls).toBe(0);
    expect(spans()).toEqual([]);
  }

  it('refuses a body whose Content-Length is over the cap, without forwarding it', async () => {
    const response = await fetch(proxy.url, { method: 'POST', headers, body: requestOfSize(MAX + 1) });
    await expectRefused(response);
  });

  it('refuses a chunked body once it passes the cap, without reading the rest', async () => {
    const chunk = Buffer.alloc(16 * 1024, 0x20);
    let sent = 0;
    // Ten times the cap, in chunks, without a Content-Length: the proxy only learns the size by reading.
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 10 * MAX) {
          controller.close();
          return;
        }
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const response = await fetch(proxy.url, {
      method: 'POST',
      headers,
      body,
      duplex: 'half',
    } as RequestInit & { duplex: 'half' });
    await expectRefused(response);
  });

  it('proxies a body just under the cap', async () => {
    const response = await fetch(proxy.url, { method: 'POST', headers, body: requestOfSize(MAX - 1) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ jsonrpc: '2.0', id: 1, result: { bytes: expect.any(Number) } });
    expect(upstreamCalls).toBe(1);
    const span = await waitForSpan((s) => s.name === 'tools/call echo');
    expect(span.attributes['mcpscope.transport.request_bytes']).toBe(MAX - 1);
  });

  it('defaults to the MCP SDK limit and rejects a cap that is not a positive whole number', async () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(4 * 1024 * 1024);
    for (const maxBodyBytes of [0, -1, 1.5, Number.NaN]) {
      await expect(startHttpProxy({ upstream: upstreamUrl, tracer, port: 0, maxBodyBytes })).rejects.toThrow(
        RangeError,
      );
    }
  });
});

describe('mcpscope proxy (Streamable HTTP, upstream error statuses)', () => {
  let upstream: http.Server;
  let proxy: HttpProxyHandle;

  // A bare node:http upstream that answers each POST with the HTTP status its tool's name asks for.
  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const { params } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { params: { name: string } };
        res.writeHead(Number(params.name), { 'content-type': 'text/plain' }).end('no');
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`);
    proxy = await startHttpProxy({ upstream: url, tracer, port: 0 });
  });

  afterAll(async () => {
    await proxy?.close();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  beforeEach(() => exporter.reset());

  // The same rule as the SDK client's for 5xx; a 4xx is the caller's from in front of the server.
  const cases: Array<[number, string, number]> = [
    [500, 'server', SpanStatusCode.ERROR],
    [501, 'server', SpanStatusCode.ERROR],
    [502, 'transport', SpanStatusCode.ERROR],
    [503, 'transport', SpanStatusCode.ERROR],
    [504, 'transport', SpanStatusCode.ERROR],
    [400, 'caller', SpanStatusCode.UNSET],
  ];
  it.each(cases)('HTTP %i is the %s’s', async (status, fault, statusCode) => {
    const response = await fetch(proxy.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: String(status) } }),
    });
    expect(response.status).toBe(status);
    await response.text();
    const span = await waitForSpan((s) => s.name === `tools/call ${status}`);
    expect(span.attributes).toMatchObject({
      'error.type': `http_${status}`,
      'mcpscope.fault': fault,
      'http.response.status_code': status,
    });
    expect(span.status.code).toBe(statusCode);
  });
});
