import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { CallToolResultSchema, ListToolsResultSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OnDrift } from '../../core/pins/PinPolicy.js';
import { instrumentClient } from '../../instrumentClient.js';
import { instrumentServer } from '../../instrumentServer.js';
import type { PinFile } from '../../pins/pinFile.js';
import { startDriftingHttpServer, type DriftingHttpServer } from '../../pins/testing/driftingHttpServer.js';
import {
  ADDED_TOOL,
  createDriftingServer,
  DRIFTED,
  STABLE_TOOLS,
  type DriftStage,
} from '../../pins/testing/driftingServer.js';
import {
  approvedPins,
  BLOCKED_DRIFT,
  callError,
  callLog,
  childSpans,
  clientSpans,
  DRIFTING_STDIO,
  expectPagedDrift,
  expectRefusedCalls,
  expectWarnedCall,
  fixtureEnv,
  listPages,
  PIN_ERROR,
  rejection,
  stableTools,
  stdioLaunch,
  toolNames,
  WHOLE_SET_DRIFT,
  withheld,
} from '../../pins/testing/pinFixtures.js';
import {
  countListChanged,
  expectCheckAgainOnListChanged,
  expectJudgedByName,
  expectWarnPassesUnchanged,
  type PinSession,
} from '../../pins/testing/pinSessions.js';
import { inMemoryTracing, waitFor } from '../../testing/otel.js';

// `instrumentClient(client, { pins, onDrift })` on MCP SDK 1.x clients, against a real server whose tools
// drift (the fixture of pins/testing/driftingServer.ts: a changed description, inputSchema and
// annotations, a new tool, a dropped one): over stdio with the server as a child process, and over
// Streamable HTTP with paginated lists. The pins are taken from the server in its approved stage (v1)
// by the code `mcpscope pin` runs and read back with `loadPins`. What reached the server is read from
// the server's own record of its calls. Each client has its own tracer provider, so its spans are its.

/** Each stdio client starts a Node process that loads TypeScript: slow on a busy machine. */
const PROCESS_TEST_TIMEOUT_MS = 120_000;

let dir: string;
let pins: PinFile;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcpscope-client-pins-'));
  pins = await approvedPins(dir);
}, PROCESS_TEST_TIMEOUT_MS);

interface Connected extends PinSession {
  /** The client's spans (empty for a client without instrumentation). */
  exporter: InMemorySpanExporter;
}

/** A 1.x Client, instrumented with `pins` unless `pinning` is undefined (then it is not instrumented). */
function newClient(pinning: { onDrift?: OnDrift } | undefined): {
  client: Client;
  exporter: InMemorySpanExporter;
  listChanged(): number;
} {
  const { exporter, provider } = inMemoryTracing();
  const client = new Client({ name: 'pins-v1', version: '1.0.0' });
  if (pinning !== undefined) instrumentClient(client, { tracerProvider: provider, pins, ...pinning });
  return { client, exporter, listChanged: countListChanged(client) };
}

async function stdioClient(
  stage: DriftStage,
  pinning: { onDrift?: OnDrift } | undefined,
): Promise<Connected> {
  const log = await callLog(dir);
  const made = newClient(pinning);
  await made.client.connect(
    new StdioClientTransport(stdioLaunch([DRIFTING_STDIO], fixtureEnv(stage, log.path))),
  );
  return { ...made, calls: log.calls };
}

describe('MCP SDK 1.x Client with pins, block (stdio)', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  let pinned: Connected;
  let direct: Connected;

  beforeAll(async () => {
    [pinned, direct] = await Promise.all([stdioClient('v2', {}), stdioClient('v2', undefined)]);
  }, PROCESS_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await Promise.all([pinned?.client.close(), direct?.client.close()]);
  });

  it('lists only the tools that match their pins, through listTools() and request(), each as sent', async () => {
    const listed = await pinned.client.listTools();
    expect(toolNames(listed.tools)).toEqual([...STABLE_TOOLS].sort());
    expect(listed.tools).toEqual(stableTools((await direct.client.listTools()).tools));
    const raw = await pinned.client.request({ method: 'tools/list' }, ListToolsResultSchema);
    expect(raw.tools).toEqual(listed.tools);
  });

  it('refuses calls of changed and new tools with the pin error; the server never receives them', async () => {
    await expectRefusedCalls(pinned.client, McpError);
    // The same through the low-level request().
    const viaRequest = await rejection(
      pinned.client.request(
        { method: 'tools/call', params: { name: ADDED_TOOL, arguments: {} } },
        CallToolResultSchema,
      ),
    );
    expect(viaRequest).toBeInstanceOf(McpError);
    expect((viaRequest as McpError).code).toBe(PIN_ERROR);
    const echo = await pinned.client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(echo).toEqual(await direct.client.callTool({ name: 'echo', arguments: { text: 'hi' } }));
    // The server's own log: the one call that matched its pin, nothing else.
    expect(await pinned.calls()).toEqual(['echo']);
  });

  it('records the pin status on the spans, and a refused call as the server’s pin mismatch', async () => {
    const exporter = pinned.exporter;
    const [list] = clientSpans(exporter, 'tools/list');
    expect(list!.attributes).toMatchObject({ ...WHOLE_SET_DRIFT, 'mcpscope.pin.on_drift': 'block' });
    // The fingerprint is of the set the server sent, not of what the pins let through.
    expect(list!.attributes['mcpscope.tools.count']).toBe(6);

    await waitFor(() => clientSpans(exporter, `tools/call ${DRIFTED.description}`).length === 1);
    const [blocked] = clientSpans(exporter, `tools/call ${DRIFTED.description}`);
    expect(blocked!.status.code).toBe(SpanStatusCode.ERROR);
    expect(blocked!.status.message).toBe(`${withheld(DRIFTED.description)} (changed since it was pinned)`);
    expect(blocked!.attributes).toMatchObject({
      ...BLOCKED_DRIFT,
      'mcpscope.pin.on_drift': 'block',
      'rpc.response.status_code': '-32602',
      'gen_ai.tool.name': DRIFTED.description,
    });
    expect(childSpans(exporter, blocked!)).toEqual([]);
    const [added] = clientSpans(exporter, `tools/call ${ADDED_TOOL}`);
    expect(added!.attributes).toMatchObject({
      'mcpscope.pin.status': 'unpinned',
      'mcpscope.pin.blocked': true,
    });

    await waitFor(() => clientSpans(exporter, 'tools/call echo').length === 1);
    const [echo] = clientSpans(exporter, 'tools/call echo');
    expect(echo!.attributes['mcpscope.pin.status']).toBe('match');
    expect(echo!.attributes['mcpscope.pin.blocked']).toBeUndefined();
    expect(echo!.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(childSpans(exporter, echo!).map((span) => span.name)).toEqual(['stdio tools/call']);
  });

  it('before any tools/list, judges a call by name as the proxy does: unpinned tools are refused', async () => {
    const fresh = await stdioClient('v2', { onDrift: 'block' });
    try {
      await expectJudgedByName(fresh);
    } finally {
      await fresh.client.close();
    }
  });
});

describe('MCP SDK 1.x Client with pins: tools/list_changed makes it check again (stdio)', () => {
  it(
    'withholds a tool that drifts mid-session, and lets it back once it matches again',
    async () => {
      const [session, direct] = await Promise.all([stdioClient('v1', {}), stdioClient('v1', undefined)]);
      try {
        await expectCheckAgainOnListChanged(session, direct);
      } finally {
        await Promise.all([session.client.close(), direct.client.close()]);
      }
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

describe('MCP SDK 1.x Client with pins, warn (stdio)', () => {
  it(
    'passes everything unchanged, and the spans say drift',
    async () => {
      const [pinned, direct] = await Promise.all([
        stdioClient('v2', { onDrift: 'warn' }),
        stdioClient('v2', undefined),
      ]);
      try {
        await expectWarnPassesUnchanged(pinned, direct);
        const [list] = clientSpans(pinned.exporter, 'tools/list');
        expect(list!.attributes).toMatchObject({
          'mcpscope.pin.status': 'drift',
          'mcpscope.pin.on_drift': 'warn',
          'mcpscope.pin.unpinned_tools': [ADDED_TOOL],
        });
        await waitFor(() => clientSpans(pinned.exporter, `tools/call ${ADDED_TOOL}`).length === 1);
        expectWarnedCall(clientSpans(pinned.exporter, `tools/call ${ADDED_TOOL}`)[0], 'unpinned');
      } finally {
        await Promise.all([pinned.client.close(), direct.client.close()]);
      }
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});

describe('MCP SDK 1.x Client with pins over Streamable HTTP (paginated, SSE)', () => {
  const stage: { current: DriftStage } = { current: 'v2' };
  let server: DriftingHttpServer;

  beforeAll(async () => {
    server = await startDriftingHttpServer({ stage, pageSize: 3 });
  });
  afterAll(() => server?.close());
  beforeEach(() => {
    stage.current = 'v2';
  });

  async function httpClient(pinning: { onDrift?: OnDrift } | undefined) {
    const made = newClient(pinning);
    await made.client.connect(new StreamableHTTPClientTransport(server.url));
    return made;
  }

  it('block: every page keeps only matching tools; withheld tools cannot be called', async () => {
    const [pinned, direct] = await Promise.all([httpClient({}), httpClient(undefined)]);
    try {
      const pages = await listPages(pinned.client);
      expect(pages).toEqual((await listPages(direct.client)).map(stableTools));
      expect(toolNames(pages.flat())).toEqual([...STABLE_TOOLS].sort());
      const before = server.calls.length;
      await expectRefusedCalls(pinned.client, McpError);
      expect(await pinned.client.callTool({ name: 'echo', arguments: { text: 'x' } })).toEqual({
        content: [{ type: 'text', text: 'echo ran with {"text":"x"}' }],
      });
      expect(server.calls.slice(before)).toEqual(['echo']);

      const lists = clientSpans(pinned.exporter, 'tools/list');
      expect(lists).toHaveLength(2);
      expectPagedDrift(lists[0]!, lists[1]!);
    } finally {
      await Promise.all([pinned.client.close(), direct.client.close()]);
    }
  });

  it('block: a list with nothing withheld passes exactly as the server sent it', async () => {
    stage.current = 'v1';
    const [pinned, direct] = await Promise.all([httpClient({}), httpClient(undefined)]);
    try {
      expect(await listPages(pinned.client)).toEqual(await listPages(direct.client));
      const lists = clientSpans(pinned.exporter, 'tools/list');
      expect(lists.map((span) => span.attributes['mcpscope.pin.status'])).toEqual(['match', 'match']);
    } finally {
      await Promise.all([pinned.client.close(), direct.client.close()]);
    }
  });

  it('warn: everything passes unchanged, and the spans say drift', async () => {
    const [pinned, direct] = await Promise.all([httpClient({ onDrift: 'warn' }), httpClient(undefined)]);
    try {
      expect(await listPages(pinned.client)).toEqual(await listPages(direct.client));
      const before = server.calls.length;
      const args = { city: 'Oslo' };
      expect(await pinned.client.callTool({ name: DRIFTED.description, arguments: args })).toEqual(
        await direct.client.callTool({ name: DRIFTED.description, arguments: args }),
      );
      expect(server.calls.slice(before)).toEqual([DRIFTED.description, DRIFTED.description]);
      await waitFor(() => clientSpans(pinned.exporter, `tools/call ${DRIFTED.description}`).length === 1);
      expectWarnedCall(clientSpans(pinned.exporter, `tools/call ${DRIFTED.description}`)[0], 'drift');
    } finally {
      await Promise.all([pinned.client.close(), direct.client.close()]);
    }
  });
});

describe('MCP SDK 1.x: where pins apply (in memory)', () => {
  /** The drifted fixture in this process, instrumented with the pins, and the calls it received. */
  async function connectInMemory(client: Client): Promise<{ calls: string[]; close(): Promise<void> }> {
    const calls: string[] = [];
    const server = instrumentServer(
      createDriftingServer({ stage: { current: 'v2' }, onCall: (tool) => calls.push(tool) }),
      { pins },
    );
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    await client.connect(clientTransport);
    return {
      calls,
      close: async () => {
        await client.close();
        await server.close();
      },
    };
  }

  it('pins given to a client instrumented before are enforced, not dropped', async () => {
    const client = new Client({ name: 'pins-later', version: '1.0.0' });
    instrumentClient(client);
    instrumentClient(client, { pins });
    const connection = await connectInMemory(client);
    try {
      expect(toolNames((await client.listTools()).tools)).toEqual([...STABLE_TOOLS].sort());
      expect((await callError(client, ADDED_TOOL, McpError)).code).toBe(PIN_ERROR);
      expect(connection.calls).toEqual([]);
    } finally {
      await connection.close();
    }
  });

  it('a server ignores pins: its client sees and calls every tool', async () => {
    const client = new Client({ name: 'plain', version: '1.0.0' });
    const connection = await connectInMemory(client);
    try {
      expect((await client.listTools()).tools).toHaveLength(6);
      await client.callTool({ name: ADDED_TOOL, arguments: {} });
      expect(connection.calls).toEqual([ADDED_TOOL]);
    } finally {
      await connection.close();
    }
  });
});
