import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import {
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintTools } from '../core/tools/fingerprint.js';
import { FIXTURE_SERVER_NAME, FIXTURE_SERVER_VERSION } from './testing/fixtureServer.js';
import { proxyExportEnv, startOtlpJsonReceiver, type OtlpJsonReceiver } from './testing/otlpJsonReceiver.js';
import { outcome } from './testing/outcome.js';

// Real processes end to end: MCP SDK Client → `mcpscope proxy` child process → fixture McpServer child
// process, spans exported by the proxy as OTLP/HTTP JSON to a receiver in this test.

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cliPath = fileURLToPath(new URL('../cli.ts', import.meta.url));
const fixturePath = fileURLToPath(new URL('./testing/fixtureStdioServer.ts', import.meta.url));
const TS = ['--conditions=mcpscope-source', '--import', 'tsx'];
const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

let receiver: OtlpJsonReceiver;

/** Resolves once `condition` holds; for what the client receives a moment after the proxy saw it. */
async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function proxyEnv(): Record<string, string> {
  return proxyExportEnv(receiver.endpoint);
}

function proxyArgs(serverArgs: string[]): string[] {
  return [...TS, cliPath, 'proxy', '--service-name', 'fixture-proxy', '--', ...serverArgs];
}

async function connect(args: string[]): Promise<Client> {
  const client = new Client(
    { name: 'proxy-test', version: '0.0.1' },
    { capabilities: { roots: { listChanged: true } } },
  );
  client.setRequestHandler(ListRootsRequestSchema, () => ({
    roots: [{ uri: 'file:///work', name: 'work' }],
  }));
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args,
      env: proxyEnv(),
      cwd: repoRoot,
      stderr: 'inherit',
    }),
  );
  return client;
}

beforeAll(async () => {
  receiver = await startOtlpJsonReceiver();
});

afterAll(async () => {
  await receiver?.close();
});

describe('mcpscope proxy (stdio)', () => {
  let proxied: Client;
  let direct: Client;

  /** The same calls through the proxy and directly; the span tests below read what these produced. */
  const calls: Array<[string, (c: Client) => Promise<unknown>]> = [
    ['tools/list', (c) => c.listTools()],
    ['echo', (c) => c.callTool({ name: 'echo', arguments: { text: 'héllo ✓ "quoted"\nline' } })],
    ['isError tool', (c) => c.callTool({ name: 'fail', arguments: {} })],
    ['throwing tool', (c) => c.callTool({ name: 'throws', arguments: {} })],
    ['unknown tool', (c) => c.callTool({ name: 'no_such_tool', arguments: {} })],
    ['invalid arguments', (c) => c.callTool({ name: 'echo', arguments: { text: 42 } })],
    ['prompts/list', (c) => c.listPrompts()],
    ['prompt', (c) => c.getPrompt({ name: 'greet', arguments: { name: 'Ada' } })],
    ['unknown prompt', (c) => c.getPrompt({ name: 'nope' })],
    ['failing prompt', (c) => c.getPrompt({ name: 'broken' })],
    ['ping', (c) => c.ping()],
    ['server → client request', (c) => c.callTool({ name: 'ask_roots', arguments: {} })],
    ['tool that logs', (c) => c.callTool({ name: 'log', arguments: {} })],
  ];
  const outcomes: Array<{ call: string; proxied: unknown; direct: unknown }> = [];

  beforeAll(async () => {
    [proxied, direct] = await Promise.all([
      connect(proxyArgs([process.execPath, ...TS, fixturePath])),
      connect([...TS, fixturePath]),
    ]);
    for (const [call, run] of calls) {
      outcomes.push({
        call,
        proxied: await outcome(() => run(proxied)),
        direct: await outcome(() => run(direct)),
      });
    }
  });

  afterAll(async () => {
    await Promise.all([proxied?.close(), direct?.close()]);
  });

  it('returns exactly what the server returns without it', () => {
    expect(outcomes).toHaveLength(calls.length);
    for (const { call, proxied: viaProxy, direct: without } of outcomes)
      expect(viaProxy, call).toEqual(without);
    expect(proxied.getServerVersion()).toEqual(direct.getServerVersion());
  });

  it('traces initialize with both identities and the negotiated protocol version', async () => {
    const [init] = await receiver.waitFor((s) => s.name === 'initialize');
    expect(init!.kind).toBe(SPAN_KIND_SERVER);
    expect(init!.service).toBe('fixture-proxy');
    expect(init!.parentSpanId).toBe('');
    expect(init!.attributes).toMatchObject({
      'mcp.method.name': 'initialize',
      'mcpscope.source': 'proxy',
      'mcpscope.layer': 'server',
      'network.transport': 'pipe',
      'mcpscope.client.name': 'proxy-test',
      'mcpscope.client.version': '0.0.1',
      'mcpscope.server.name': FIXTURE_SERVER_NAME,
      'mcpscope.server.version': FIXTURE_SERVER_VERSION,
      'mcp.protocol.version': expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
    });
    expect(String(init!.attributes['mcpscope.server.command'])).toContain('fixtureStdioServer.ts');
  });

  it('traces tool calls with semconv attributes, annotations from the list, and error attribution', async () => {
    const echo = await receiver.waitFor(
      (s) => s.name === 'tools/call echo' && s.attributes['error.type'] === undefined,
    );
    expect(echo[0]!.kind).toBe(SPAN_KIND_SERVER);
    expect(echo[0]!.statusCode).toBe(0);
    expect(echo[0]!.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'echo',
      'gen_ai.operation.name': 'execute_tool',
      'mcpscope.tool.annotations.readOnlyHint': true,
      'mcpscope.tool.annotations.idempotentHint': true,
      'mcpscope.server.name': FIXTURE_SERVER_NAME,
      'mcp.protocol.version': expect.any(String),
    });
    expect(typeof echo[0]!.attributes['jsonrpc.request.id']).toBe('string');
    expect(echo[0]!.attributes['mcpscope.transport.request_bytes']).toBeGreaterThan(40);
    expect(echo[0]!.attributes['mcpscope.transport.response_bytes']).toBeGreaterThan(40);

    for (const name of ['fail', 'throws']) {
      const [span] = await receiver.waitFor((s) => s.name === `tools/call ${name}`);
      expect(span!.statusCode).toBe(STATUS_ERROR);
      expect(span!.attributes).toMatchObject({ 'error.type': 'tool_error', 'mcpscope.fault': 'tool' });
      // The tool's error text is content: it stays out of the span.
      expect(JSON.stringify(span)).not.toContain('weather service is down');
    }

    // McpServer answers an unknown tool and invalid arguments with an isError result carrying the
    // JSON-RPC code (`MCP error -32602: …`): the caller's fault, not the server's error, as the SDK
    // records them on both sides.
    const [unknownTool] = await receiver.waitFor((s) => s.name === 'tools/call no_such_tool');
    const [invalidArgs] = await receiver.waitFor(
      (s) => s.name === 'tools/call echo' && s.attributes['error.type'] !== undefined,
    );
    for (const span of [unknownTool!, invalidArgs!]) {
      expect(span.attributes).toMatchObject({ 'error.type': '-32602', 'mcpscope.fault': 'caller' });
      expect(span.statusCode).not.toBe(STATUS_ERROR);
    }

    // An unknown prompt is a JSON-RPC error the caller caused: recorded, but not a server error.
    const [unknown] = await receiver.waitFor((s) => s.name === 'prompts/get nope');
    expect(unknown!.attributes).toMatchObject({
      'error.type': '-32602',
      'rpc.response.status_code': '-32602',
      'mcpscope.fault': 'caller',
    });
    expect(unknown!.statusCode).not.toBe(STATUS_ERROR);

    const [broken] = await receiver.waitFor((s) => s.name === 'prompts/get broken');
    expect(broken!.statusCode).toBe(STATUS_ERROR);
    expect(broken!.attributes).toMatchObject({ 'error.type': '-32603', 'mcpscope.fault': 'server' });

    const [prompt] = await receiver.waitFor((s) => s.name === 'prompts/get greet');
    expect(prompt!.attributes['gen_ai.prompt.name']).toBe('greet');
    expect(receiver.spans.every((s) => s.attributes['mcpscope.source'] === 'proxy')).toBe(true);
  });

  it('traces server → client requests as CLIENT spans under the request being handled', async () => {
    const [ask] = await receiver.waitFor((s) => s.name === 'tools/call ask_roots');
    const [roots] = await receiver.waitFor((s) => s.name === 'roots/list');
    expect(roots!.kind).toBe(SPAN_KIND_CLIENT);
    expect(roots!.traceId).toBe(ask!.traceId);
    expect(roots!.parentSpanId).toBe(ask!.spanId);
    expect(roots!.attributes['mcpscope.layer']).toBe('server');
  });

  it('records log messages as events on the request being handled, without their data', async () => {
    const [log] = await receiver.waitFor((s) => s.name === 'tools/call log');
    expect(log!.events).toEqual([
      {
        name: 'mcp.log_message',
        attributes: {
          'mcp.method.name': 'notifications/message',
          'mcp.direction': 'sent',
          'mcp.log.level': 'warning',
          'mcp.log.logger': 'disk',
        },
      },
    ]);
    expect(JSON.stringify(log)).not.toContain('disk almost full');
  });

  it('fingerprints tools/list and records definitions only when they change', async () => {
    const expected = fingerprintTools((await direct.listTools()).tools);
    const [first] = await receiver.waitFor((s) => s.name === 'tools/list');
    expect(first!.attributes['mcpscope.tools.fingerprint']).toBe(expected.fingerprint);
    expect(first!.attributes['mcpscope.tools.count']).toBe(expected.tools.length);
    expect(JSON.parse(String(first!.attributes['mcpscope.tools.definitions']))).toEqual(expected.tools);

    await proxied.listTools();
    const lists = await receiver.waitFor((s) => s.name === 'tools/list', 2);
    expect(lists[1]!.attributes['mcpscope.tools.fingerprint']).toBe(expected.fingerprint);
    expect(lists[1]!.attributes['mcpscope.tools.definitions']).toBeUndefined();

    await proxied.callTool({ name: 'add_tool', arguments: {} });
    const changed = await proxied.listTools();
    const after = await receiver.waitFor((s) => s.name === 'tools/list', 3);
    const third = after[2]!;
    expect(third.attributes['mcpscope.tools.fingerprint']).toBe(fingerprintTools(changed.tools).fingerprint);
    expect(third.attributes['mcpscope.tools.fingerprint']).not.toBe(expected.fingerprint);
    const definitions = JSON.parse(String(third.attributes['mcpscope.tools.definitions'])) as Array<{
      name: string;
    }>;
    expect(definitions.map((d) => d.name)).toContain('extra');

    await proxied.callTool({ name: 'extra', arguments: {} });
    const [extra] = await receiver.waitFor((s) => s.name === 'tools/call extra');
    expect(extra!.attributes['mcpscope.tool.annotations.destructiveHint']).toBe(true);
  });

  it('joins the caller trace from _meta.traceparent and passes its own context to the server', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const result = await proxied.callTool({
      name: 'meta',
      arguments: {},
      _meta: { traceparent: `00-${traceId}-${callerSpanId}-01`, custom: 'kept' },
    });
    const seenByServer = JSON.parse((result.content as Array<{ text: string }>)[0]!.text) as Record<
      string,
      string
    >;
    const [span] = await receiver.waitFor((s) => s.name === 'tools/call meta' && s.traceId === traceId);
    expect(span!.parentSpanId).toBe(callerSpanId);
    expect(seenByServer['traceparent']).toBe(`00-${traceId}-${span!.spanId}-01`);
    expect(seenByServer['custom']).toBe('kept');

    // Without a caller context the proxy span is a root, and the server still gets the proxy's context.
    const bare = await proxied.callTool({ name: 'meta', arguments: {} });
    const bareMeta = JSON.parse((bare.content as Array<{ text: string }>)[0]!.text) as Record<string, string>;
    const [root] = await receiver.waitFor((s) => s.name === 'tools/call meta' && s.traceId !== traceId);
    expect(root!.parentSpanId).toBe('');
    expect(bareMeta['traceparent']).toBe(`00-${root!.traceId}-${root!.spanId}-01`);
  });

  it('records progress as events and ends a cancelled request as cancelled', async () => {
    const progressOf = async (client: Client): Promise<number[]> => {
      const seen: number[] = [];
      await client.callTool({ name: 'slow', arguments: { ms: 60, steps: 3 } }, undefined, {
        onprogress: (p) => seen.push(p.progress),
      });
      return seen;
    };
    const viaProxy = await progressOf(proxied);
    expect(viaProxy).toEqual([1, 2, 3]);
    expect(viaProxy).toEqual(await progressOf(direct));
    const [slow] = await receiver.waitFor((s) => s.name === 'tools/call slow' && s.events.length > 0);
    expect(slow!.events.map((e) => e.attributes['mcp.progress.value'])).toEqual([1, 2, 3]);
    expect(slow!.events[0]!.name).toBe('mcp.progress');
    expect(slow!.events[0]!.attributes).toMatchObject({
      'mcp.method.name': 'notifications/progress',
      'mcp.direction': 'sent',
      'mcp.progress.total': 3,
      'mcp.message': 'step 1',
    });
    expect(slow!.statusCode).toBe(0);

    const abort = new AbortController();
    const call = proxied.callTool({ name: 'slow', arguments: { ms: 30_000, steps: 1 } }, undefined, {
      signal: abort.signal,
    });
    setTimeout(() => abort.abort('user pressed stop'), 100);
    await expect(call).rejects.toThrow();
    const [cancelled] = await receiver.waitFor(
      (s) => s.name === 'tools/call slow' && s.attributes['error.type'] !== undefined,
    );
    expect(cancelled!.attributes).toMatchObject({ 'error.type': 'cancelled', 'mcpscope.fault': 'caller' });
    expect(cancelled!.events.find((e) => e.name === 'mcp.cancelled')?.attributes).toMatchObject({
      'mcp.direction': 'received',
      'mcp.cancel.reason': expect.stringContaining('user pressed stop'),
    });
    expect(cancelled!.statusCode).not.toBe(STATUS_ERROR);

    // A timeout is told apart from a user cancel by the reason the SDK sends.
    await expect(
      proxied.callTool({ name: 'slow', arguments: { ms: 30_000, steps: 1 } }, undefined, { timeout: 100 }),
    ).rejects.toThrow(/timed out/i);
    const [timedOut] = await receiver.waitFor((s) => s.attributes['error.type'] === 'timeout');
    expect(timedOut!.attributes['mcpscope.fault']).toBe('server');
    expect(timedOut!.statusCode).toBe(STATUS_ERROR);
  });

  it('gives notifications that belong to no request a span of their own and passes its context on', async () => {
    const logs: Array<{ meta: Record<string, unknown> | undefined; data: unknown }> = [];
    const listChanges: Array<Record<string, unknown> | undefined> = [];
    proxied.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push({ meta: n.params._meta, data: n.params.data });
    });
    proxied.setNotificationHandler(ToolListChangedNotificationSchema, (n) => {
      listChanges.push(n.params?._meta);
    });

    // Agent → server, joining the caller's trace from _meta: a SERVER span, its context passed on.
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    await proxied.notification({
      method: 'notifications/roots/list_changed',
      params: { _meta: { traceparent: `00-${traceId}-${callerSpanId}-01` } },
    });
    const [roots] = await receiver.waitFor((s) => s.name === 'notifications/roots/list_changed');
    expect(roots!.kind).toBe(SPAN_KIND_SERVER);
    expect(roots!.traceId).toBe(traceId);
    expect(roots!.parentSpanId).toBe(callerSpanId);
    expect(roots!.attributes).toMatchObject({
      'mcp.method.name': 'notifications/roots/list_changed',
      'mcpscope.source': 'proxy',
      'mcpscope.layer': 'server',
      'network.transport': 'pipe',
      'mcpscope.server.name': FIXTURE_SERVER_NAME,
      'mcpscope.client.name': 'proxy-test',
      'mcp.protocol.version': expect.any(String),
      'mcpscope.server.command': expect.stringContaining('fixtureStdioServer.ts'),
    });
    expect(roots!.events).toEqual([
      {
        name: 'mcp.list_changed',
        attributes: { 'mcp.method.name': 'notifications/roots/list_changed', 'mcp.direction': 'received' },
      },
    ]);

    // The server answers with a log message while no request is in flight: a root CLIENT span, whose
    // context the agent receives in the message's _meta. The log data is content and is not recorded.
    const [log] = await receiver.waitFor((s) => s.name === 'notifications/message');
    expect(log!.kind).toBe(SPAN_KIND_CLIENT);
    expect(log!.parentSpanId).toBe('');
    expect(log!.attributes).toMatchObject({
      'mcp.method.name': 'notifications/message',
      'mcpscope.source': 'proxy',
      'mcpscope.layer': 'server',
      'mcpscope.server.name': FIXTURE_SERVER_NAME,
    });
    expect(log!.events).toEqual([
      {
        name: 'mcp.log_message',
        attributes: {
          'mcp.method.name': 'notifications/message',
          'mcp.direction': 'sent',
          'mcp.log.level': 'info',
          'mcp.log.logger': 'roots',
        },
      },
    ]);
    expect(JSON.stringify(log)).not.toContain('roots changed');
    await until(() => logs.length > 0);
    expect(logs).toEqual([
      { meta: { traceparent: `00-${log!.traceId}-${log!.spanId}-01` }, data: 'roots changed' },
    ]);

    // The server's handler saw the proxy span's context in the client's notification.
    const seen = await proxied.callTool({ name: 'notification_meta', arguments: {} });
    expect(JSON.parse((seen.content as Array<{ text: string }>)[0]!.text)).toEqual({
      traceparent: `00-${traceId}-${roots!.spanId}-01`,
    });

    // A list change sent while a call is in flight still belongs to no request.
    await proxied.callTool({ name: 'notify_tools_changed', arguments: {} });
    await until(() => listChanges.length > 0);
    const traceparent = String(listChanges[0]?.['traceparent']);
    const [changed] = await receiver.waitFor(
      (s) => s.name === 'notifications/tools/list_changed' && traceparent.includes(s.spanId),
    );
    expect(traceparent).toBe(`00-${changed!.traceId}-${changed!.spanId}-01`);
    expect(changed!.kind).toBe(SPAN_KIND_CLIENT);
    expect(changed!.parentSpanId).toBe('');
    expect(changed!.events.map((e) => e.name)).toEqual(['mcp.list_changed']);
  });

  it('ends requests in flight as connection_closed, the server’s fault, when the server process dies', async () => {
    const client = await connect(proxyArgs([process.execPath, ...TS, fixturePath]));
    await expect(client.callTool({ name: 'crash', arguments: {} })).rejects.toThrow();
    const [crash] = await receiver.waitFor((s) => s.name === 'tools/call crash');
    expect(crash!.statusCode).toBe(STATUS_ERROR);
    expect(crash!.attributes).toMatchObject({
      'error.type': 'connection_closed',
      'mcpscope.fault': 'server',
    });
    await client.close();
  });
});

describe('mcpscope proxy (stdio framing)', () => {
  // `cat` as the "server" sends every line straight back, so the bytes the agent gets can be compared
  // with the bytes it sent: only requests may change (trace context in _meta), nothing else.
  it('keeps non-request lines byte-identical and only adds _meta to requests', async () => {
    const child = spawn(process.execPath, proxyArgs(['cat']), {
      cwd: repoRoot,
      env: proxyEnv(),
      stdio: 'pipe',
    });
    const out: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    const big = 'z'.repeat(3 * 1024 * 1024);
    const lines = [
      '{"jsonrpc":"2.0","id":"r1","method":"tools/call","params":{"name":"echo","arguments":{"text":"ü"},"_meta":{"progressToken":7}}}',
      'this is not JSON {',
      '{ "jsonrpc" : "2.0",   "method":"notifications/progress", "params":{"progressToken":7,"progress":1} }',
      `{"jsonrpc":"2.0","id":"r0","result":{"content":[{"type":"text","text":"${big}"}]}}`,
      '{"jsonrpc":"2.0","method":"notifications/initialized"}\r',
      '[1,2,3]',
      '{"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":"file:///a.txt"}}',
      '',
    ];
    const input = Buffer.from(lines.join('\n') + '\n');
    // Odd-sized writes put line ends anywhere in a chunk.
    for (let i = 0; i < input.length; i += 65_521) child.stdin.write(input.subarray(i, i + 65_521));
    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);

    const received = Buffer.concat(out).toString('utf8').split('\n');
    expect(received).toHaveLength(lines.length + 1);
    const request = JSON.parse(received[0]!) as { params: { _meta: Record<string, unknown> } };
    const original = JSON.parse(lines[0]!) as { params: { _meta: Record<string, unknown> } };
    expect(request.params._meta['progressToken']).toBe(7);
    expect(request.params._meta['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect({ ...request, params: { ...request.params, _meta: { progressToken: 7 } } }).toEqual(original);
    // A notification that belongs to no request gains trace context, and nothing else.
    const notification = JSON.parse(received[6]!) as { params: { _meta: Record<string, unknown> } };
    expect(notification.params._meta['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect({ ...notification, params: { uri: 'file:///a.txt' } }).toEqual(JSON.parse(lines[6]!));
    expect([...received.slice(1, 6), ...received.slice(7)]).toEqual([
      ...lines.slice(1, 6),
      ...lines.slice(7),
      '',
    ]);

    // The echoed request comes back as a server → client request: a CLIENT span whose context the
    // proxy injected again, under the SERVER span of the original.
    const spans = await receiver.waitFor((s) => s.attributes['jsonrpc.request.id'] === 'r1', 2);
    const server = spans.find((s) => s.kind === SPAN_KIND_SERVER)!;
    const client = spans.find((s) => s.kind === SPAN_KIND_CLIENT)!;
    expect(client.parentSpanId).toBe(server.spanId);
    expect(server.events.map((e) => e.name)).toContain('mcp.progress');

    // Same for the notification: agent → "server" a SERVER span, echoed back a CLIENT span under it.
    const updates = await receiver.waitFor((s) => s.name === 'notifications/resources/updated', 2);
    const received1 = updates.find((s) => s.kind === SPAN_KIND_SERVER)!;
    const echoed = updates.find((s) => s.kind === SPAN_KIND_CLIENT)!;
    expect(received1.parentSpanId).toBe('');
    expect(received1.attributes['mcp.resource.uri']).toBe('file:///a.txt');
    expect(echoed.parentSpanId).toBe(received1.spanId);
    expect(echoed.events).toEqual([
      {
        name: 'mcp.resource_updated',
        attributes: {
          'mcp.method.name': 'notifications/resources/updated',
          'mcp.direction': 'sent',
          'mcp.resource.uri': 'file:///a.txt',
        },
      },
    ]);
  });
});

describe('mcpscope proxy (stdio CLI)', () => {
  async function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, [...TS, cliPath, ...args], {
      cwd: repoRoot,
      env: proxyEnv(),
      stdio: 'pipe',
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, stderr };
  }

  it("exits with the server's exit code and passes its stderr through", async () => {
    const result = await run([
      'proxy',
      '--',
      process.execPath,
      '-e',
      'process.stderr.write("server says hi\\n"); process.exit(5)',
    ]);
    expect(result.code).toBe(5);
    expect(result.stderr).toContain('server says hi');
  });

  it('reports a server that cannot be started, and usage errors', async () => {
    const missing = await run(['proxy', '--', 'mcpscope-no-such-command-xyz']);
    expect(missing.code).toBe(127);
    expect(missing.stderr).toContain('cannot start mcpscope-no-such-command-xyz');
    const usage = await run(['proxy', '--bogus']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unknown option --bogus');
  });
});
