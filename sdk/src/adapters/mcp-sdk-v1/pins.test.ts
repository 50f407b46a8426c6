import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  CallToolResultSchema,
  ListToolsResultSchema,
  McpError,
  ToolListChangedNotificationSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
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
  DROPPED_TOOL,
  STABLE_TOOLS,
  type DriftStage,
} from '../../pins/testing/driftingServer.js';
import {
  approvedPins,
  callLog,
  clientSpans,
  DRIFTING_STDIO,
  fixtureEnv,
  REPO_ROOT,
  toolNames,
  TS_ARGS,
} from '../../pins/testing/pinFixtures.js';
import { inMemoryTracing, parentSpanId, waitFor } from '../../testing/otel.js';

// `instrumentClient(client, { pins, onDrift })` on MCP SDK 1.x clients, against a real server whose tools
// drift (the fixture of pins/testing/driftingServer.ts: a changed description, inputSchema and
// annotations, a new tool, a dropped one): over stdio with the server as a child process, and over
// Streamable HTTP with paginated lists. The pins are taken from the server in its approved stage (v1)
// by the code `mcpscope pin` runs and read back with `loadPins`. What reached the server is read from
// the server's own record of its calls. Each client has its own tracer provider, so its spans are its.

/** Waits for what arrives a moment later (a notification); the wait is not measured. */
const POLL = { timeout: 30_000 };
/** Each stdio client starts a Node process that loads TypeScript: slow on a busy machine. */
const PROCESS_TEST_TIMEOUT_MS = 120_000;
const PIN_ERROR = -32602;
const WITHHELD = (tool: string): string =>
  `Tool "${tool}" is withheld by mcpscope: its definition does not match its pin`;

let dir: string;
let pins: PinFile;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcpscope-client-pins-'));
  pins = await approvedPins(dir);
}, PROCESS_TEST_TIMEOUT_MS);

interface Connected {
  client: Client;
  /** The client's spans (empty for a client without instrumentation). */
  exporter: InMemorySpanExporter;
  /** The tools/call requests the server received, in order (stdio: its call log). */
  calls(): Promise<string[]>;
  listChanged(): number;
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
  let changed = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
  return { client, exporter, listChanged: () => changed };
}

async function stdioClient(
  stage: DriftStage,
  pinning: { onDrift?: OnDrift } | undefined,
): Promise<Connected> {
  const log = await callLog(dir);
  const made = newClient(pinning);
  await made.client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [...TS_ARGS, DRIFTING_STDIO],
      env: fixtureEnv(stage, log.path),
      cwd: REPO_ROOT,
      stderr: 'inherit',
    }),
  );
  return { ...made, calls: log.calls };
}

async function callError(client: Client, name: string): Promise<McpError> {
  const error = await client.callTool({ name, arguments: {} }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, name).toBeInstanceOf(McpError);
  return error as McpError;
}

const stable = (tools: Tool[]): Tool[] => tools.filter((tool) => STABLE_TOOLS.includes(tool.name as never));

/** The spans the refused call's CLIENT span parents: none, as nothing went on the wire. */
const childrenOf = (exporter: InMemorySpanExporter, span: ReadableSpan): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((s) => parentSpanId(s) === span.spanContext().spanId);

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
    expect(listed.tools).toEqual(stable((await direct.client.listTools()).tools));
    const raw = await pinned.client.request({ method: 'tools/list' }, ListToolsResultSchema);
    expect(raw.tools).toEqual(listed.tools);
  });

  it('refuses calls of changed and new tools with the pin error; the server never receives them', async () => {
    for (const tool of [...Object.values(DRIFTED), ADDED_TOOL]) {
      const error = await callError(pinned.client, tool);
      expect(error.code).toBe(PIN_ERROR);
      expect(error.message).toContain(WITHHELD(tool));
      expect(error.message).toContain(tool === ADDED_TOOL ? '(not pinned)' : '(changed since it was pinned)');
    }
    // The same through the low-level request().
    const viaRequest = await pinned.client
      .request({ method: 'tools/call', params: { name: ADDED_TOOL, arguments: {} } }, CallToolResultSchema)
      .then(
        () => undefined,
        (e: unknown) => e,
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
    expect(list!.attributes).toMatchObject({
      'mcpscope.pin.status': 'drift',
      'mcpscope.pin.on_drift': 'block',
      'mcpscope.pin.drifted_tools': Object.values(DRIFTED).sort(),
      'mcpscope.pin.unpinned_tools': [ADDED_TOOL],
      'mcpscope.pin.missing_tools': [DROPPED_TOOL],
    });
    // The fingerprint is of the set the server sent, not of what the pins let through.
    expect(list!.attributes['mcpscope.tools.count']).toBe(6);

    await waitFor(() => clientSpans(exporter, `tools/call ${DRIFTED.description}`).length === 1);
    const [blocked] = clientSpans(exporter, `tools/call ${DRIFTED.description}`);
    expect(blocked!.status.code).toBe(SpanStatusCode.ERROR);
    expect(blocked!.status.message).toBe(`${WITHHELD(DRIFTED.description)} (changed since it was pinned)`);
    expect(blocked!.attributes).toMatchObject({
      'mcpscope.pin.status': 'drift',
      'mcpscope.pin.on_drift': 'block',
      'mcpscope.pin.blocked': true,
      'error.type': 'pin_mismatch',
      'mcpscope.fault': 'server',
      'rpc.response.status_code': '-32602',
      'gen_ai.tool.name': DRIFTED.description,
    });
    expect(childrenOf(exporter, blocked!)).toEqual([]);
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
    expect(childrenOf(exporter, echo!).map((span) => span.name)).toEqual(['stdio tools/call']);
  });

  it('before any tools/list, judges a call by name as the proxy does: unpinned tools are refused', async () => {
    const fresh = await stdioClient('v2', { onDrift: 'block' });
    try {
      expect((await callError(fresh.client, ADDED_TOOL)).code).toBe(PIN_ERROR);
      // A pinned name passes: with no list seen, there is no definition to hold it to (documented).
      await fresh.client.callTool({ name: DRIFTED.description, arguments: { city: 'Oslo' } });
      expect(await fresh.calls()).toEqual([DRIFTED.description]);
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
        // Nothing drifted: the list passes as the server sent it.
        expect(await session.client.listTools()).toEqual(await direct.client.listTools());

        await session.client.callTool({ name: 'set_stage', arguments: { stage: 'v2' } });
        await expect.poll(() => session.listChanged(), POLL).toBe(1);
        // Before the client lists again, calls go by name: the new tool is refused.
        expect((await callError(session.client, ADDED_TOOL)).code).toBe(PIN_ERROR);
        expect(toolNames((await session.client.listTools()).tools)).toEqual([...STABLE_TOOLS].sort());
        expect((await callError(session.client, DRIFTED.description)).code).toBe(PIN_ERROR);

        await session.client.callTool({ name: 'set_stage', arguments: { stage: 'v1' } });
        await expect.poll(() => session.listChanged(), POLL).toBe(2);
        // The list that withheld it is stale now, and is not kept: the call passes by name...
        await session.client.callTool({ name: DRIFTED.description, arguments: { city: 'Oslo' } });
        // ...and the next list shows it again, as it matches its pin.
        expect(toolNames((await session.client.listTools()).tools)).toContain(DRIFTED.description);
        expect(await session.calls()).toEqual(['set_stage', 'set_stage', DRIFTED.description]);
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
        expect(await pinned.client.listTools()).toEqual(await direct.client.listTools());
        for (const tool of [DRIFTED.description, ADDED_TOOL]) {
          const args = { city: 'Oslo' };
          expect(await pinned.client.callTool({ name: tool, arguments: args })).toEqual(
            await direct.client.callTool({ name: tool, arguments: args }),
          );
        }
        expect(await pinned.calls()).toEqual([DRIFTED.description, ADDED_TOOL]);
        const [list] = clientSpans(pinned.exporter, 'tools/list');
        expect(list!.attributes).toMatchObject({
          'mcpscope.pin.status': 'drift',
          'mcpscope.pin.on_drift': 'warn',
          'mcpscope.pin.unpinned_tools': [ADDED_TOOL],
        });
        await waitFor(() => clientSpans(pinned.exporter, `tools/call ${ADDED_TOOL}`).length === 1);
        const [call] = clientSpans(pinned.exporter, `tools/call ${ADDED_TOOL}`);
        expect(call!.attributes).toMatchObject({
          'mcpscope.pin.status': 'unpinned',
          'mcpscope.pin.on_drift': 'warn',
        });
        expect(call!.attributes['mcpscope.pin.blocked']).toBeUndefined();
        expect(call!.status.code).not.toBe(SpanStatusCode.ERROR);
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

  /** Every page of tools/list, as a client that follows nextCursor sees them. */
  async function listPages(client: Client): Promise<Tool[][]> {
    const pages: Tool[][] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? undefined : { cursor });
      pages.push(page.tools);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    return pages;
  }

  it('block: every page keeps only matching tools; withheld tools cannot be called', async () => {
    const [pinned, direct] = await Promise.all([httpClient({}), httpClient(undefined)]);
    try {
      const pages = await listPages(pinned.client);
      expect(pages).toEqual((await listPages(direct.client)).map(stable));
      expect(toolNames(pages.flat())).toEqual([...STABLE_TOOLS].sort());
      const before = server.calls.length;
      for (const tool of [...Object.values(DRIFTED), ADDED_TOOL]) {
        const error = await callError(pinned.client, tool);
        expect(error.code).toBe(PIN_ERROR);
        expect(error.message).toContain(WITHHELD(tool));
      }
      expect(await pinned.client.callTool({ name: 'echo', arguments: { text: 'x' } })).toEqual({
        content: [{ type: 'text', text: 'echo ran with {"text":"x"}' }],
      });
      expect(server.calls.slice(before)).toEqual(['echo']);

      // Page one (echo, set_stage, get_weather) stands for itself; page two, which completes the
      // listing, for the whole set, missing tools included.
      const lists = clientSpans(pinned.exporter, 'tools/list');
      expect(lists).toHaveLength(2);
      expect(lists[0]!.attributes).toMatchObject({
        'mcpscope.pin.status': 'drift',
        'mcpscope.pin.drifted_tools': [DRIFTED.description],
      });
      expect(lists[0]!.attributes['mcpscope.pin.missing_tools']).toBeUndefined();
      expect(lists[1]!.attributes).toMatchObject({
        'mcpscope.pin.status': 'drift',
        'mcpscope.pin.drifted_tools': Object.values(DRIFTED).sort(),
        'mcpscope.pin.unpinned_tools': [ADDED_TOOL],
        'mcpscope.pin.missing_tools': [DROPPED_TOOL],
      });
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
      const [call] = clientSpans(pinned.exporter, `tools/call ${DRIFTED.description}`);
      expect(call!.attributes).toMatchObject({
        'mcpscope.pin.status': 'drift',
        'mcpscope.pin.on_drift': 'warn',
      });
      expect(call!.attributes['mcpscope.pin.blocked']).toBeUndefined();
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
      expect((await callError(client, ADDED_TOOL)).code).toBe(PIN_ERROR);
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
