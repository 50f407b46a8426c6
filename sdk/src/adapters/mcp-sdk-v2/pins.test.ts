import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { Client, ProtocolError, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { createMcpHandler, type McpHttpHandler } from '@modelcontextprotocol/server';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OnDrift } from '../../core/pins/PinPolicy.js';
import { instrumentClient } from '../../instrumentClient.js';
import type { PinFile } from '../../pins/pinFile.js';
import { startDriftingHttpServer, type DriftingHttpServer } from '../../pins/testing/driftingHttpServer.js';
import { ADDED_TOOL, DRIFTED, STABLE_TOOLS, type DriftStage } from '../../pins/testing/driftingServer.js';
import { createDriftingServerV2 } from '../../pins/testing/driftingServerV2.js';
import {
  approvedPins,
  BLOCKED_DRIFT,
  callError,
  callLog,
  childSpans,
  clientSpans,
  DRIFTING_STDIO,
  DRIFTING_V2_STDIO,
  expectRefusedCalls,
  expectWarnedCall,
  fixtureEnv,
  PIN_ERROR,
  rejection,
  stableTools,
  stdioLaunch,
  toolNames,
  WHOLE_SET_DRIFT,
} from '../../pins/testing/pinFixtures.js';
import { inMemoryTracing, waitFor } from '../../testing/otel.js';
import { serveWebHandler, type WebHandlerServer } from '../../testing/webHandlerServer.js';

// `instrumentClient(client, { pins, onDrift })` on MCP SDK 2.x clients (`@modelcontextprotocol/client`),
// in both protocol eras, against real servers whose tools drift: the 2025 era with the 1.x drifting
// fixture (a stdio child process, and Streamable HTTP with sessions), the 2026-07-28 era with the same
// tools on a 2.x server (`serveStdio` in a child process, and `createMcpHandler` on a real socket). The
// pins are taken from the fixture in its approved stage (v1) by the code `mcpscope pin` runs; the server
// runs drifted (v2). What reached the server is read from the server's own record of its calls.

/** Waits for what arrives a moment later (a notification); the wait is not measured. */
const POLL = { timeout: 30_000 };
/** A modern stdio connect starts two Node processes that load TypeScript (2.x probes on a sibling). */
const PROCESS_TEST_TIMEOUT_MS = 180_000;

type Era = 'legacy' | 'modern';

/** A server to connect to, and what it received. */
interface Connection {
  /** tools/call requests the server received since the connection was made, in order. */
  calls(): Promise<string[]>;
}

interface Target {
  name: string;
  era: Era;
  connect(client: Client, stage: DriftStage): Promise<Connection>;
}

let dir: string;
let pins: PinFile;
let legacyHttp: DriftingHttpServer;
let modernHttp: { server: WebHandlerServer; handler: McpHttpHandler; calls: string[] };
const legacyStage: { current: DriftStage } = { current: 'v2' };
const modernStage: { current: DriftStage } = { current: 'v2' };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcpscope-client-pins-v2-'));
  pins = await approvedPins(dir);
  legacyHttp = await startDriftingHttpServer({ stage: legacyStage, pageSize: 3 });
  const calls: string[] = [];
  const handler = createMcpHandler(() =>
    createDriftingServerV2({ stage: modernStage, pageSize: 3, onCall: (tool) => calls.push(tool) }),
  );
  modernHttp = { server: await serveWebHandler((request) => handler.fetch(request)), handler, calls };
}, PROCESS_TEST_TIMEOUT_MS);

afterAll(async () => {
  await legacyHttp?.close();
  await modernHttp?.handler.close();
  await modernHttp?.server.close();
});

function stdioTarget(name: string, era: Era, fixture: string): Target {
  return {
    name,
    era,
    connect: async (client, stage) => {
      const log = await callLog(dir);
      await client.connect(new StdioClientTransport(stdioLaunch([fixture], fixtureEnv(stage, log.path))));
      return { calls: log.calls };
    },
  };
}

/** A Streamable HTTP server shared by the tests, in the stage each connection asks for. */
function httpTarget(
  name: string,
  era: Era,
  server: () => { url: URL; stage: { current: DriftStage }; calls: string[] },
): Target {
  return {
    name,
    era,
    connect: async (client, stage) => {
      const { url, stage: shared, calls } = server();
      shared.current = stage;
      const from = calls.length;
      await client.connect(new StreamableHTTPClientTransport(url));
      return { calls: async () => calls.slice(from) };
    },
  };
}

const TARGETS: Target[] = [
  stdioTarget('2025 era, stdio (1.x server)', 'legacy', DRIFTING_STDIO),
  httpTarget('2025 era, Streamable HTTP (1.x server, paginated)', 'legacy', () => ({
    url: legacyHttp.url,
    stage: legacyStage,
    calls: legacyHttp.calls,
  })),
  stdioTarget('2026-07-28 era, stdio (2.x serveStdio)', 'modern', DRIFTING_V2_STDIO),
  httpTarget('2026-07-28 era, Streamable HTTP (2.x createMcpHandler, paginated)', 'modern', () => ({
    url: modernHttp.server.url,
    stage: modernStage,
    calls: modernHttp.calls,
  })),
];

interface Connected extends Connection {
  client: Client;
  exporter: InMemorySpanExporter;
}

/** A 2.x Client of `era`, instrumented with the pins unless `pinning` is undefined. */
async function connect(
  target: Target,
  stage: DriftStage,
  pinning: { onDrift?: OnDrift } | undefined,
): Promise<Connected> {
  const { exporter, provider } = inMemoryTracing();
  const client = new Client(
    { name: 'pins-v2', version: '2.0.0' },
    target.era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : undefined,
  );
  if (pinning !== undefined) instrumentClient(client, { tracerProvider: provider, pins, ...pinning });
  const connection = await target.connect(client, stage);
  expect(client.getProtocolEra()).toBe(target.era);
  return { client, exporter, ...connection };
}

describe.each(TARGETS)('MCP SDK 2.x Client with pins: $name', (target) => {
  it(
    'block: only matching tools are listed; the others are refused with the pin error and never sent',
    async () => {
      const [pinned, direct] = await Promise.all([
        connect(target, 'v2', {}),
        connect(target, 'v2', undefined),
      ]);
      try {
        // listTools() walks every page and aggregates them (2.x); each page was held to the pins.
        const listed = await pinned.client.listTools();
        expect(toolNames(listed.tools)).toEqual([...STABLE_TOOLS].sort());
        expect(listed.tools).toEqual(stableTools((await direct.client.listTools()).tools));
        const page = await pinned.client.request({ method: 'tools/list' });
        expect(toolNames(page.tools).every((name) => STABLE_TOOLS.includes(name as never))).toBe(true);

        await expectRefusedCalls(pinned.client, ProtocolError);
        const viaRequest = await rejection(
          pinned.client.request({ method: 'tools/call', params: { name: ADDED_TOOL, arguments: {} } }),
        );
        expect(viaRequest).toBeInstanceOf(ProtocolError);
        expect((viaRequest as ProtocolError).code).toBe(PIN_ERROR);
        const echo = await pinned.client.callTool({ name: 'echo', arguments: { text: 'hi' } });
        expect(echo.content).toEqual([{ type: 'text', text: 'echo ran with {"text":"hi"}' }]);
        // The server's own record: the one call that matched its pin.
        expect(await pinned.calls()).toEqual(['echo']);

        // The span of the list's last page speaks for the whole set.
        const lists = clientSpans(pinned.exporter, 'tools/list');
        const whole = lists.find((span) => span.attributes['mcpscope.tools.fingerprint'] !== undefined);
        expect(whole?.attributes).toMatchObject({ ...WHOLE_SET_DRIFT, 'mcpscope.pin.on_drift': 'block' });
        await waitFor(() => clientSpans(pinned.exporter, `tools/call ${DRIFTED.annotations}`).length === 1);
        const [blocked] = clientSpans(pinned.exporter, `tools/call ${DRIFTED.annotations}`);
        expect(blocked!.status.code).toBe(SpanStatusCode.ERROR);
        expect(blocked!.attributes).toMatchObject({
          ...BLOCKED_DRIFT,
          'rpc.response.status_code': '-32602',
        });
        expect(childSpans(pinned.exporter, blocked!)).toEqual([]);
      } finally {
        await Promise.all([pinned.client.close(), direct.client.close()]);
      }
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  it(
    'warn: everything passes unchanged, and the spans say drift',
    async () => {
      const [pinned, direct] = await Promise.all([
        connect(target, 'v2', { onDrift: 'warn' }),
        connect(target, 'v2', undefined),
      ]);
      try {
        expect((await pinned.client.listTools()).tools).toEqual((await direct.client.listTools()).tools);
        const args = { city: 'Oslo' };
        const result = await pinned.client.callTool({ name: ADDED_TOOL, arguments: args });
        // Read before the direct client calls: over HTTP the two share the server's record.
        expect(await pinned.calls()).toEqual([ADDED_TOOL]);
        expect(result).toEqual(await direct.client.callTool({ name: ADDED_TOOL, arguments: args }));
        await waitFor(() => clientSpans(pinned.exporter, `tools/call ${ADDED_TOOL}`).length === 1);
        expectWarnedCall(clientSpans(pinned.exporter, `tools/call ${ADDED_TOOL}`)[0], 'unpinned');
        const lists = clientSpans(pinned.exporter, 'tools/list');
        expect(lists.every((span) => span.attributes['mcpscope.pin.status'] === 'drift')).toBe(true);
      } finally {
        await Promise.all([pinned.client.close(), direct.client.close()]);
      }
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

describe('MCP SDK 2.x Client with pins, 2026-07-28 era: a list_changed on a subscription', () => {
  it('makes the client check the next list again', async () => {
    const target = TARGETS[3]!;
    const session = await connect(target, 'v1', {});
    let changes = 0;
    session.client.setNotificationHandler('notifications/tools/list_changed', () => void changes++);
    const subscription = await session.client.listen({ toolsListChanged: true });
    try {
      expect(toolNames((await session.client.listTools()).tools)).toContain(DRIFTED.description);
      await session.client.callTool({ name: DRIFTED.description, arguments: { city: 'Oslo' } });

      modernStage.current = 'v2';
      modernHttp.handler.notify.toolsChanged();
      await expect.poll(() => changes, POLL).toBe(1);
      // Before the next list, calls go by name: the new tool is refused, a pinned one passes.
      expect((await callError(session.client, ADDED_TOOL, ProtocolError)).code).toBe(PIN_ERROR);
      expect(toolNames((await session.client.listTools()).tools)).toEqual([...STABLE_TOOLS].sort());
      expect((await callError(session.client, DRIFTED.description, ProtocolError)).code).toBe(PIN_ERROR);
      expect(await session.calls()).toEqual([DRIFTED.description]);
    } finally {
      await subscription.close();
      await session.client.close();
    }
  });
});
