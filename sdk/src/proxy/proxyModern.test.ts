import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlySpan, setupTestTelemetry, waitFor, type TestTelemetry } from '../testing/otel.js';
import { modernClient, spansInFile, type ModernPair } from '../testing/v2Modern.js';
import {
  callConfirm,
  CONFIRM_CALL,
  countToolListChanges,
  expectNormalEnd,
  listenThenDisconnect,
  listenSpan,
} from '../testing/v2ModernChecks.js';
import { TOOLS_LIST_CACHE_HINT } from '../testing/v2ModernServer.js';
import { checkConfirmLegs, clientSpan, endpointOnly } from './testing/modernProxyChecks.js';
import { stdioLaunch, TS_ARGS } from '../pins/testing/pinFixtures.js';
import { proxyExportEnv, startOtlpJsonReceiver, type OtlpJsonReceiver } from './testing/otlpJsonReceiver.js';
import {
  fromOtlp,
  fromRecord,
  pairUp,
  parityGaps,
  type ObservedSpan,
  type SpanPair,
} from './testing/serverSpanParity.js';

// `mcpscope proxy` feeds the SDK's own span recorder, so on its SERVER spans it records the 2026-07-28
// shapes as an instrumented server does: the multi round-trip call, cache hints, the server's identity
// from result `_meta`, subscriptions. Real processes: an instrumented MCP SDK 2.x client (this process,
// spans in memory) → the `mcpscope proxy` CLI (a child process, OTLP JSON to a receiver here) → the
// instrumented 2.x server of v2ModernServerFixture.ts (its child, spans appended to a file). The point
// is parity: the proxy's span of each request says all the server's own span of it says. One
// connection for the file (each connect starts four processes: MCP SDK 2.x probes on a sibling pair
// first); the tests run in order and the last one ends it. The same over HTTP: proxyModernHttp.test.ts.

const cliPath = fileURLToPath(new URL('../cli.ts', import.meta.url));
const serverPath = fileURLToPath(new URL('../testing/v2ModernServerFixture.ts', import.meta.url));

let telemetry: TestTelemetry;
let receiver: OtlpJsonReceiver;
let dir: string;
let spansFile: string;
let pair: ModernPair;
let changes: { count: number };

beforeAll(async () => {
  telemetry = setupTestTelemetry();
  receiver = await startOtlpJsonReceiver();
  dir = mkdtempSync(join(tmpdir(), 'mcpscope-proxy-modern-'));
  spansFile = join(dir, 'server.jsonl');
  const client = modernClient();
  changes = countToolListChanges(client);
  // The probe's sibling is a second proxy (and server) of the same command line, exporting to the same
  // receiver and span file.
  const env = proxyExportEnv(receiver.endpoint, { MCPSCOPE_SPANS_FILE: spansFile });
  await client.connect(
    new StdioClientTransport(
      stdioLaunch(
        [cliPath, 'proxy', '--service-name', 'modern-proxy', '--', process.execPath, ...TS_ARGS, serverPath],
        env,
      ),
    ),
  );
  pair = { client, close: () => client.close() };
}, 60_000);

afterAll(async () => {
  await pair?.close();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

const proxySpans = (): ObservedSpan[] =>
  receiver.spans.filter((span) => span.attributes['mcpscope.source'] === 'proxy').map(fromOtlp);
const serverSpans = (): ObservedSpan[] => spansInFile(spansFile).map(fromRecord);

describe('mcpscope proxy (stdio) in front of an instrumented MCP SDK 2.x server, 2026-07-28 era', () => {
  it('server/discover: the probe and Client.discover() both name the server from the result _meta', async () => {
    expect(pair.client.getProtocolEra()).toBe('modern');
    await pair.client.discover();
    const discovers = await receiver.waitFor((span) => span.name === 'server/discover', 2, 10_000);
    for (const span of discovers) {
      expect(span.service).toBe('modern-proxy');
      expect(span.kind).toBe(2); // OTLP SERVER
      expect(span.attributes).toMatchObject({
        'mcpscope.source': 'proxy',
        'mcpscope.layer': 'server',
        'network.transport': 'pipe',
        'mcp.protocol.version': '2026-07-28',
        'mcpscope.client.name': 'agent-v2',
        'mcpscope.client.version': '1.2.3',
        'mcpscope.server.name': 'files-v2-stdio',
        'mcpscope.server.version': '2.3.0',
      });
    }
    // The one on the real connection is in the client's trace, under its transport span; the server's
    // own span under the proxy's.
    const call = await clientSpan(telemetry, 'server/discover');
    const real = discovers.find((span) => span.traceId === call.spanContext().traceId);
    expect(real?.parentSpanId).toBe(
      onlySpan(telemetry.spans(), 'stdio server/discover').spanContext().spanId,
    );
    await waitFor(() => serverSpans().some((span) => span.parentSpanId === real?.spanId), 10_000);
  }, 30_000);

  it('tools/list: the cache hints of the result', async () => {
    await pair.client.listTools();
    const [list] = await receiver.waitFor((span) => span.name === 'tools/list', 1, 10_000);
    expect(list?.attributes['mcpscope.list.ttl_ms']).toBe(TOOLS_LIST_CACHE_HINT.ttlMs);
    expect(list?.attributes['mcpscope.list.cache_scope']).toBe(TOOLS_LIST_CACHE_HINT.cacheScope);
    expect(list?.attributes['mcpscope.tools.count']).toBe(3);
  }, 30_000);

  it('confirm_delete: input_required and its keys on the first leg, the answer keys on the retry', async () => {
    await callConfirm(pair);
    await receiver.waitFor((span) => span.name === CONFIRM_CALL, 2, 10_000);
    await clientSpan(telemetry, CONFIRM_CALL);
    checkConfirmLegs(
      proxySpans().filter((span) => span.name === CONFIRM_CALL),
      telemetry.spans(),
      'stdio tools/call',
    );
  }, 30_000);

  it("parity: the proxy's SERVER span of each request says all the server's own span says", async () => {
    await pair.client.callTool({ name: 'get_weather', arguments: {} });
    await expect(pair.client.callTool({ name: 'missing', arguments: {} })).rejects.toThrow(/not found/);
    let pairs: SpanPair[] = [];
    await waitFor(() => {
      const paired = pairUp(proxySpans(), serverSpans());
      pairs = paired.pairs;
      return paired.unpaired.length === 0 && pairs.some((p) => p.proxy.name === 'tools/call missing');
    }, 10_000);
    expect(new Set(pairs.map((p) => p.server.name))).toEqual(
      new Set([
        'server/discover',
        'tools/list',
        CONFIRM_CALL,
        'tools/call get_weather',
        'tools/call missing',
      ]),
    );
    const missing = pairs.find((p) => p.proxy.name === 'tools/call missing');
    expect(missing?.proxy.attributes).toMatchObject({ 'error.type': '-32602', 'mcpscope.fault': 'caller' });
    expect(parityGaps(pairs, endpointOnly(proxySpans()))).toEqual([]);
  }, 30_000);

  it('subscriptions/listen: ends with the connection, without error', async () => {
    await listenThenDisconnect(pair, changes);
    const call = await listenSpan(telemetry);
    expectNormalEnd(call, 'transport', 2);
    const [listen] = await receiver.waitFor((span) => span.name === 'subscriptions/listen', 1, 10_000);
    expect(listen?.kind).toBe(2); // OTLP SERVER
    expect(listen?.parentSpanId).toBe(call.spanContext().spanId);
    expect(listen?.attributes).toMatchObject({
      'mcp.method.name': 'subscriptions/listen',
      'mcp.protocol.version': '2026-07-28',
      'mcpscope.client.name': 'agent-v2',
      'mcpscope.server.name': 'files-v2-stdio',
      'mcpscope.subscription.closed_by': 'transport',
    });
    expect(listen?.statusCode).toBe(0);
    expect(listen?.attributes['error.type']).toBeUndefined();
    expect(listen?.attributes['mcpscope.fault']).toBeUndefined();
    // What the subscription delivered names it (`_meta` subscriptionId): events on its span, as on the
    // client's, and no span of their own.
    expect(listen?.events.map((event) => event.name)).toEqual([
      'mcp.subscription_acknowledged',
      'mcp.list_changed',
      'mcp.list_changed',
    ]);
    expect(receiver.spans.filter((span) => span.name.startsWith('notifications/'))).toEqual([]);
    // Nothing to compare it with: MCP SDK 2.x's `serveStdio` answers listen itself, before any
    // (instrumented) server instance sees it.
    expect(serverSpans().filter((span) => span.name === 'subscriptions/listen')).toEqual([]);
  }, 30_000);
});
