import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPinFile, type PinFile } from '../pins/pinFile.js';
import { listServerTools } from '../pins/serverTools.js';
import { ADDED_TOOL, DRIFTED, STABLE_TOOLS, type DriftStage } from '../pins/testing/driftingServer.js';
import { startDriftingHttpServer, type DriftingHttpServer } from '../pins/testing/driftingHttpServer.js';
import {
  BLOCKED_DRIFT,
  callError,
  expectPagedDrift,
  expectRefusedCalls,
  expectWarnedCall,
  listPages,
  PIN_ERROR,
  stableTools,
  toolNames,
} from '../pins/testing/pinFixtures.js';
import { countListChanged } from '../pins/testing/pinSessions.js';
import { inMemoryTracing } from '../testing/otel.js';
import { startHttpProxy, type HttpProxyHandle } from './httpProxy.js';

/** Waits for what arrives a moment later (a process start, a notification); the wait is not measured. */
const POLL = { timeout: 60_000 };

// In process: real MCP SDK Client over Streamable HTTP → startHttpProxy with pins → the drifting fixture
// behind a real Streamable HTTP endpoint, three tools a page (so lists are paginated). The pins are taken
// from the fixture in stage v1 by the code `mcpscope pin` runs; the server's own record of the calls it
// received shows what got through.

const { exporter, provider } = inMemoryTracing();
const tracer = provider.getTracer('pins-test');

const spansNamed = (name: string): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((s) => s.name === name);

async function connect(url: URL): Promise<{ client: Client; listChanged: () => number }> {
  const client = new Client({ name: 'pins-http-test', version: '1.0.0' });
  const listChanged = countListChanged(client);
  await client.connect(new StreamableHTTPClientTransport(url));
  return { client, listChanged };
}

/** Every tool of every page of tools/list, as an agent that follows nextCursor sees them. */
const listAll = async (client: Client) => (await listPages(client)).flat();

describe.each([
  { mode: 'SSE responses', jsonResponse: false },
  { mode: 'JSON responses', jsonResponse: true },
])('mcpscope proxy --pins (Streamable HTTP, $mode)', ({ jsonResponse }) => {
  const stage: { current: DriftStage } = { current: 'v1' };
  let server: DriftingHttpServer;
  let pins: PinFile;
  let block: HttpProxyHandle;
  let warn: HttpProxyHandle;
  const log: string[] = [];

  beforeAll(async () => {
    server = await startDriftingHttpServer({ stage, jsonResponse, pageSize: 3 });
    const listed = await listServerTools({ kind: 'http', url: server.url, headers: {} });
    pins = createPinFile(listed.server, listed.tools);
    block = await startHttpProxy({
      upstream: server.url,
      tracer,
      port: 0,
      pins: { file: pins, onDrift: 'block', log: (m) => log.push(m) },
    });
    warn = await startHttpProxy({
      upstream: server.url,
      tracer,
      port: 0,
      pins: { file: pins, onDrift: 'warn' },
    });
  });

  afterAll(async () => {
    await block?.close();
    await warn?.close();
    await server?.close();
  });

  beforeEach(() => {
    exporter.reset();
    server.calls.length = 0;
    stage.current = 'v2';
  });

  it('block: the agent sees only matching tools and cannot call the others; the server never hears of them', async () => {
    const { client } = await connect(block.url);
    const direct = await connect(server.url);
    try {
      const listed = await listAll(client);
      expect(toolNames(listed)).toEqual([...STABLE_TOOLS].sort());
      expect(listed).toEqual(stableTools(await listAll(direct.client)));
      server.calls.length = 0;
      await expectRefusedCalls(client, McpError);
      expect(await client.callTool({ name: 'echo', arguments: { text: 'x' } })).toEqual({
        content: [{ type: 'text', text: 'echo ran with {"text":"x"}' }],
      });
      expect(server.calls).toEqual(['echo']);
      expect(log.at(-1)).toBe(
        `withholding tools that do not match their pins: get_weather (changed since it was pinned), list_files (changed since it was pinned), ${ADDED_TOOL} (not pinned), send_email (changed since it was pinned)`,
      );

      // The spans of the pages: each earlier page stands for itself; the page that completes the listing
      // (the one with the set's fingerprint) for the whole set, missing tools included.
      const lists = spansNamed('tools/list').filter((s) => s.attributes['mcpscope.pin.on_drift'] === 'block');
      const pages = lists.slice(-2);
      expect(pages.map((s) => s.attributes['mcpscope.tools.fingerprint'] !== undefined)).toEqual([
        false,
        true,
      ]);
      // Page one is echo, set_stage, get_weather; page two send_email, list_files, read_secrets.
      expectPagedDrift(pages[0]!, pages[1]!);
      const [blocked] = spansNamed(`tools/call ${DRIFTED.inputSchema}`);
      expect(blocked!.status.code).toBe(SpanStatusCode.ERROR);
      expect(blocked!.attributes).toMatchObject(BLOCKED_DRIFT);
    } finally {
      await client.close();
      await direct.client.close();
    }
  });

  it('block: a list with nothing withheld passes exactly as the server sent it', async () => {
    stage.current = 'v1';
    const { client } = await connect(block.url);
    const direct = await connect(server.url);
    try {
      expect(await listAll(client)).toEqual(await listAll(direct.client));
      expect(spansNamed('tools/list').every((s) => s.attributes['mcpscope.pin.status'] === 'match')).toBe(
        true,
      );
    } finally {
      await client.close();
      await direct.client.close();
    }
  });

  it('warn: everything passes unchanged, and the spans say drift', async () => {
    const { client } = await connect(warn.url);
    const direct = await connect(server.url);
    try {
      expect(await listAll(client)).toEqual(await listAll(direct.client));
      server.calls.length = 0;
      const args = { city: 'Oslo' };
      expect(await client.callTool({ name: DRIFTED.description, arguments: args })).toEqual(
        await direct.client.callTool({ name: DRIFTED.description, arguments: args }),
      );
      expect(server.calls).toEqual([DRIFTED.description, DRIFTED.description]);
      expectWarnedCall(spansNamed(`tools/call ${DRIFTED.description}`)[0], 'drift');
      const lists = spansNamed('tools/list').filter((s) => s.attributes['mcpscope.pin.on_drift'] === 'warn');
      expect(lists.some((s) => s.attributes['mcpscope.pin.status'] === 'drift')).toBe(true);
    } finally {
      await client.close();
      await direct.client.close();
    }
  });

  it('block: tools/list_changed makes the proxy check the next list again', async () => {
    stage.current = 'v1';
    const session = await connect(block.url);
    try {
      expect(toolNames(await listAll(session.client))).toContain(DRIFTED.annotations);
      await session.client.callTool({ name: 'set_stage', arguments: { stage: 'v2' } });
      await expect.poll(() => session.listChanged(), POLL).toBe(1);
      expect(toolNames(await listAll(session.client))).toEqual([...STABLE_TOOLS].sort());
      expect((await callError(session.client, DRIFTED.annotations, McpError)).code).toBe(PIN_ERROR);
      expect(server.calls).toEqual(['set_stage']);
    } finally {
      await session.client.close();
    }
  });

  it('block: answers a refused call in the format the agent accepts, and refuses a batch whole', async () => {
    const { client, transport } = await (async () => {
      const c = new Client({ name: 'raw', version: '1.0.0' });
      const t = new StreamableHTTPClientTransport(block.url);
      await c.connect(t);
      return { client: c, transport: t };
    })();
    try {
      const headers = {
        'content-type': 'application/json',
        'mcp-session-id': transport.sessionId!,
        'mcp-protocol-version': '2025-06-18',
      };
      const call = (id: number, name: string): object => ({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name, arguments: {} },
      });
      const sse = await fetch(block.url, {
        method: 'POST',
        headers: { ...headers, accept: 'text/event-stream' },
        body: JSON.stringify(call(101, ADDED_TOOL)),
      });
      expect(sse.headers.get('content-type')).toBe('text/event-stream');
      expect(sse.headers.get('mcp-session-id')).toBe(transport.sessionId);
      const event = await sse.text();
      expect(event).toMatch(/^event: message\ndata: \{.*\}\n\n$/);
      const answer = JSON.parse(event.split('data: ')[1]!) as {
        id: number;
        error: { code: number; data: object };
      };
      expect(answer.id).toBe(101);
      expect(answer.error.code).toBe(PIN_ERROR);
      expect(answer.error.data).toEqual({ reason: 'pin_mismatch', tool: ADDED_TOOL, status: 'unpinned' });

      const batch = await fetch(block.url, {
        method: 'POST',
        headers: { ...headers, accept: 'application/json, text/event-stream' },
        // In a session that has not listed tools, calls are judged by name: the unpinned one is refused.
        body: JSON.stringify([call(102, 'echo'), call(103, ADDED_TOOL)]),
      });
      expect(batch.headers.get('content-type')).toBe('application/json');
      const replies = (await batch.json()) as Array<{ id: number; error: { code: number; message: string } }>;
      expect(replies.map((r) => [r.id, r.error.code])).toEqual([
        [102, -32600],
        [103, PIN_ERROR],
      ]);
      expect(replies[0]!.error.message).toContain(`calls the withheld tool "${ADDED_TOOL}"`);
      expect(server.calls).toEqual([]);
    } finally {
      await client.close();
    }
  });
});

describe('mcpscope proxy --pins in front of a server that compresses its answers', () => {
  // A real HTTP server in front of the fixture that gzips every JSON answer whatever the request's
  // Accept-Encoding says (servers do): the agent's fetch would inflate it, the proxy does not read it.
  const stage: { current: DriftStage } = { current: 'v2' };
  let fixture: DriftingHttpServer;
  let gzipping: http.Server;
  let upstream: URL;
  let pins: PinFile;

  beforeAll(async () => {
    fixture = await startDriftingHttpServer({ stage, jsonResponse: true });
    stage.current = 'v1';
    const listed = await listServerTools({ kind: 'http', url: fixture.url, headers: {} });
    pins = createPinFile(listed.server, listed.tools);
    stage.current = 'v2';
    gzipping = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers: Record<string, string> = {};
        for (const name of ['content-type', 'accept', 'mcp-session-id', 'mcp-protocol-version']) {
          const value = req.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        void fetch(fixture.url, {
          method: req.method ?? 'POST',
          headers,
          ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
        }).then(async (answer) => {
          const body = Buffer.from(await answer.arrayBuffer());
          const out: Record<string, string> = { 'content-type': answer.headers.get('content-type') ?? '' };
          const session = answer.headers.get('mcp-session-id');
          if (session !== null) out['mcp-session-id'] = session;
          if (body.length === 0) res.writeHead(answer.status, out).end();
          else res.writeHead(answer.status, { ...out, 'content-encoding': 'gzip' }).end(gzipSync(body));
        });
      });
    });
    await new Promise<void>((resolve) => gzipping.listen(0, '127.0.0.1', resolve));
    upstream = new URL(`http://127.0.0.1:${(gzipping.address() as AddressInfo).port}/mcp`);
  });

  afterAll(async () => {
    gzipping?.closeAllConnections();
    await new Promise<void>((resolve) => (gzipping ? gzipping.close(() => resolve()) : resolve()));
    await fixture?.close();
  });

  it('block: refuses a tools/list answer it cannot read rather than pass it unchecked', async () => {
    const proxy = await startHttpProxy({ upstream, tracer, port: 0, pins: { file: pins, onDrift: 'block' } });
    const warnProxy = await startHttpProxy({
      upstream,
      tracer,
      port: 0,
      pins: { file: pins, onDrift: 'warn' },
    });
    try {
      const { client } = await connect(proxy.url);
      await expect(client.listTools()).rejects.toThrow(/cannot be checked against the pins/);
      await client.close();
      // Only block mode needs to read it: with warn, the compressed answer passes as before.
      const passing = await connect(warnProxy.url);
      expect(toolNames((await passing.client.listTools()).tools)).toContain(ADDED_TOOL);
      await passing.client.close();
    } finally {
      await proxy.close();
      await warnProxy.close();
    }
  });
});
