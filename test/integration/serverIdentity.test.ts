/**
 * Issue #11 part 6 on real parts: every observer of one MCP server — the instrumented client that launched
 * it, `mcpscope proxy` in front of it, the instrumented server itself — keys its tool-definition history
 * alike, so a rug pull is one change of one server, not one per observer.
 *
 * Real parts only: MCP SDK 1.x and 2.x clients in this process, the servers of
 * test/fixtures/identityServer.ts as child processes (1.x over stdio and Streamable HTTP, 2.x over stdio
 * in the 2026-07-28 era), `mcpscope proxy` as a child process, `mcpscope start` on embedded ClickHouse.
 *
 * Each set-up lists the tools, calls `rug_pull` (which rewrites `lookup`'s description without a version
 * bump) and lists them again; every process flushes its spans before it exits (a 200 from the collector
 * means the rows are stored). Each set-up names its server differently, so their histories never mix.
 */
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as ClientV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioClientTransportV2 } from '@modelcontextprotocol/client/stdio';
import { instrumentClient, startTracing, type Tracing } from '@mcpscope/sdk';
import { startHttpProxy } from '@mcpscope/sdk/proxy';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type {
  SpanView,
  ToolChange,
  ToolChangesResponse,
  TraceResponse,
  TracesResponse,
} from '@mcpscope/collector';
import {
  COLLECTOR_CLI,
  REPO_ROOT,
  TS_NODE_ARGS,
  startCollector,
  waitFor,
  type TestCollector,
} from '../helpers/collector.js';
import { fixtureEnv, fixtureLaunch, listeningPort, spawnFixture } from '../helpers/fixtureServer.js';

const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/identityServer.ts');
/** The dashboard's tool-change badge counts flagged changes of the last 24 hours (recentToolAlerts.ts). */
const BADGE_WINDOW_MS = 24 * 60 * 60 * 1000;

let collector: TestCollector;
let tracing: Tracing;

beforeAll(async () => {
  collector = await startCollector();
  tracing = startTracing({ serviceName: 'identity-agent', endpoint: collector.url });
});

afterAll(async () => {
  await tracing?.shutdown();
  await collector?.stop();
});

function env(service: string): Record<string, string> {
  return fixtureEnv(collector.url, service, { OTEL_BSP_SCHEDULE_DELAY: '50' });
}

/**
 * A stdio client transport's parameters that start the fixture with `args` as `service`, behind
 * `mcpscope proxy --service-name <proxy>` when `proxy` is given.
 */
function stdioLaunch(service: string, args: string[], proxy?: string) {
  const launch =
    proxy === undefined
      ? fixtureLaunch(FIXTURE, args, env(service))
      : fixtureLaunch(
          COLLECTOR_CLI,
          ['proxy', '--service-name', proxy, '--', process.execPath, ...TS_NODE_ARGS, FIXTURE, ...args],
          env(service),
        );
  return { ...launch, stderr: 'inherit' as const };
}

async function get<T>(route: string): Promise<T> {
  const res = await fetch(`${collector.url}${route}`);
  expect(res.status, route).toBe(200);
  return (await res.json()) as T;
}

/** Lists the tools, pulls the rug, lists them again, closes: the client's side of every set-up. */
async function rugPull(client: {
  listTools(): Promise<unknown>;
  callTool(params: { name: string; arguments: Record<string, unknown> }): Promise<unknown>;
  close(): Promise<void>;
}): Promise<void> {
  await client.listTools();
  await client.callTool({ name: 'rug_pull', arguments: {} });
  await client.listTools();
  await client.close();
}

/** Resolves once the process `pid` has exited (a stdio client transport does not wait for its child). */
async function exited(pid: number | null | undefined): Promise<void> {
  if (pid === null || pid === undefined) return;
  await waitFor(
    async () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    },
    20_000,
    `process ${pid} to exit`,
  );
}

/**
 * The tools/list spans that feed the tool-definition history (those with a set fingerprint), of every
 * trace that has a tools/list of the server `name`, once `services` each recorded `perService` of them.
 */
async function toolListSpans(name: string, services: string[], perService = 2): Promise<SpanView[]> {
  return waitFor(
    async () => {
      const { traces } = await get<TracesResponse>(
        `/api/traces?server=${encodeURIComponent(name)}&method=tools/list&limit=50`,
      );
      const spans: SpanView[] = [];
      for (const t of traces) {
        const trace = await get<TraceResponse>(`/api/traces/${t.traceId}`);
        spans.push(...trace.spans.filter((s) => s.attributes['mcpscope.tools.fingerprint'] !== undefined));
      }
      const counts = services.map((service) => spans.filter((s) => s.service === service).length);
      return counts.every((count) => count >= perService) ? spans : undefined;
    },
    30_000,
    `tools/list spans of ${name} from ${services.join(', ')}`,
  );
}

/** What the tool-changes view and its navigation badge show for the server `name`. */
async function toolChanges(name: string): Promise<{
  histories: string[];
  changes: ToolChange[];
  badge: number;
  current: string[];
}> {
  const body = await get<ToolChangesResponse>(`/api/tool-changes?server=${encodeURIComponent(name)}`);
  const histories = [...new Set([...body.changes, ...body.current].map((c) => c.server))].sort();
  const now = Date.now();
  const badge = body.changes.filter(
    (c) => c.flags.length > 0 && now - Date.parse(c.at) <= BADGE_WINDOW_MS,
  ).length;
  return { histories, changes: body.changes, badge, current: body.current.map((t) => t.tool).sort() };
}

/**
 * The checks every set-up shares: one history, the rug pull counted once (and once on the badge), every
 * tool listed once. Returns the history's server identity.
 */
async function expectOneHistory(name: string): Promise<string> {
  const view = await toolChanges(name);
  expect({
    histories: view.histories,
    changes: view.changes.map((c) => `${c.tool} ${c.kind}`),
    badge: view.badge,
    current: view.current,
  }).toEqual({
    histories: [expect.any(String)],
    changes: ['lookup changed'],
    badge: 1,
    current: ['lookup', 'rug_pull'],
  });
  expect(view.changes[0]!.flags).toContain('no_version_bump');
  return view.histories[0]!;
}

/** Every observer's tools/list spans name the server alike: name and command (stdio). */
function expectSameCommand(spans: SpanView[], name: string): string {
  const commands = new Set(spans.map((s) => s.attributes['mcpscope.server.command']));
  expect(spans.every((s) => s.attributes['mcpscope.server.name'] === name)).toBe(true);
  expect([...commands]).toHaveLength(1);
  const command = [...commands][0];
  expect(typeof command).toBe('string');
  return command as string;
}

describe('one identity per stdio server', () => {
  it('an instrumented 1.x client and the instrumented server it launched share one history', async () => {
    const name = 'dict-v1';
    const client = instrumentClient(new Client({ name: 'identity-agent', version: '1.0.0' }));
    const transport = new StdioClientTransport(stdioLaunch('dict-v1-server', ['--name', name]));
    await client.connect(transport);
    const pid = transport.pid;
    await rugPull(client);
    await exited(pid);
    await tracing.forceFlush();

    const spans = await toolListSpans(name, ['identity-agent', 'dict-v1-server']);
    const identity = await expectOneHistory(name);
    const command = expectSameCommand(spans, name);
    expect(command).toContain('identityServer.ts --name dict-v1');
    expect(identity).toBe(`${name} (${command})`);
  });

  it('through `mcpscope proxy`: the instrumented client, the proxy and the server share one history', async () => {
    const name = 'dict-proxy';
    const client = instrumentClient(new Client({ name: 'identity-agent', version: '1.0.0' }));
    const transport = new StdioClientTransport(
      stdioLaunch('dict-proxy-server', ['--name', name], 'dict-proxy-proxy'),
    );
    await client.connect(transport);
    const pid = transport.pid;
    await rugPull(client);
    // The proxy exits after its server has, and flushes its own spans first.
    await exited(pid);
    await tracing.forceFlush();

    const spans = await toolListSpans(name, ['identity-agent', 'dict-proxy-proxy', 'dict-proxy-server']);
    const identity = await expectOneHistory(name);
    const command = expectSameCommand(spans, name);
    // The outermost launcher names the server: the client's command line, which starts the proxy.
    expect(command).toMatch(
      / proxy --service-name dict-proxy-proxy -- .*identityServer\.ts --name dict-proxy$/,
    );
    expect(identity).toBe(`${name} (${command})`);
  });

  it('through `mcpscope proxy` with a plain client: the proxy names the server for itself and the server', async () => {
    const name = 'dict-proxy-plain';
    const client = new Client({ name: 'plain-agent', version: '1.0.0' });
    const transport = new StdioClientTransport(
      stdioLaunch('dict-plain-server', ['--name', name], 'dict-plain-proxy'),
    );
    await client.connect(transport);
    const pid = transport.pid;
    await rugPull(client);
    await exited(pid);

    const spans = await toolListSpans(name, ['dict-plain-proxy', 'dict-plain-server']);
    const identity = await expectOneHistory(name);
    const command = expectSameCommand(spans, name);
    // The proxy's own command line for the server (it does not know how the client started the proxy).
    expect(command).not.toContain(' proxy ');
    expect(command).toMatch(/identityServer\.ts --name dict-proxy-plain$/);
    expect(identity).toBe(`${name} (${command})`);
  });

  it('an instrumented 2.x client in the 2026-07-28 era and the 2.x server it launched share one history', async () => {
    const name = 'dict-v2';
    const client = instrumentClient(
      new ClientV2(
        { name: 'identity-agent', version: '2.0.0' },
        { versionNegotiation: { mode: 'auto' as const } },
      ),
    );
    const transport = new StdioClientTransportV2(
      stdioLaunch('dict-v2-server', ['--sdk', 'v2', '--name', name]),
    );
    await client.connect(transport);
    expect(client.getProtocolEra()).toBe('modern');
    const pid = transport.pid;
    await rugPull(client);
    await exited(pid);
    await tracing.forceFlush();

    const spans = await toolListSpans(name, ['identity-agent', 'dict-v2-server']);
    const identity = await expectOneHistory(name);
    expect(spans.every((s) => s.attributes['mcp.protocol.version'] === '2026-07-28')).toBe(true);
    const command = expectSameCommand(spans, name);
    expect(command).toContain('identityServer.ts --sdk v2 --name dict-v2');
    expect(identity).toBe(`${name} (${command})`);
  });
});

describe('one identity per Streamable HTTP server', () => {
  let server: ChildProcess | undefined;
  afterAll(() => {
    server?.kill('SIGTERM');
  });

  it('the client (`name@host:port`) and the server (its Host header) share one history', async () => {
    const name = 'dict-http';
    server = spawnFixture(FIXTURE, ['--http', '--name', name], env('dict-http-server'));
    const child = server;
    const port = await listeningPort(child);
    const client = instrumentClient(new Client({ name: 'identity-agent', version: '1.0.0' }));
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    await rugPull(client);
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await gone;
    await tracing.forceFlush();

    const spans = await toolListSpans(name, ['identity-agent', 'dict-http-server']);
    const identity = await expectOneHistory(name);
    for (const span of spans) {
      expect([span.attributes['server.address'], span.attributes['server.port']]).toEqual([
        '127.0.0.1',
        String(port),
      ]);
    }
    expect(identity).toBe(`${name}@127.0.0.1:${port}`);
  });

  it('through the HTTP `mcpscope proxy`: the client, the proxy and the server name the address the client used', async () => {
    const name = 'dict-http-proxied';
    server = spawnFixture(FIXTURE, ['--http', '--name', name], env('dict-http-proxied-server'));
    const child = server;
    const port = await listeningPort(child);
    // The proxy in this process, with a tracer of its own, as `mcpscope proxy` sets it up.
    const proxyTracing = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'dict-http-proxy' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${collector.url}/v1/traces` }))],
    });
    const proxy = await startHttpProxy({
      upstream: `http://127.0.0.1:${port}/mcp`,
      tracer: proxyTracing.getTracer('@mcpscope/sdk/proxy'),
      port: 0,
    });
    const client = instrumentClient(new Client({ name: 'identity-agent', version: '1.0.0' }));
    await client.connect(new StreamableHTTPClientTransport(proxy.url));
    await rugPull(client);
    await proxy.close();
    await proxyTracing.shutdown();
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await gone;
    await tracing.forceFlush();

    const spans = await toolListSpans(name, [
      'identity-agent',
      'dict-http-proxy',
      'dict-http-proxied-server',
    ]);
    const identity = await expectOneHistory(name);
    // The server sits on another port behind the proxy; it names itself by the X-Forwarded-Host the proxy
    // passes on, as the client and the proxy name it.
    for (const span of spans) {
      expect([span.attributes['server.address'], span.attributes['server.port']]).toEqual([
        proxy.url.hostname,
        proxy.url.port,
      ]);
    }
    expect(identity).toBe(`${name}@${proxy.url.hostname}:${proxy.url.port}`);
  });
});
