import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPinFile, formatPinFile } from '../pins/pinFile.js';
import { listServerTools } from '../pins/serverTools.js';
import { ADDED_TOOL, DRIFTED, DROPPED_TOOL, STABLE_TOOLS } from '../pins/testing/driftingServer.js';
import { startOtlpJsonReceiver, type OtlpJsonReceiver } from './testing/otlpJsonReceiver.js';

/** Waits for what arrives a moment later (a process start, a notification); the wait is not measured. */
const POLL = { timeout: 60_000 };

// Real processes end to end: MCP SDK Client → `mcpscope proxy --pins` child process → the drifting
// fixture server as its child. The pins are taken from the fixture in its approved stage (v1) with the
// same code `mcpscope pin` runs; the server runs drifted (v2) unless a test says otherwise. What reached
// the server is read from the fixture's own call log; spans come to an OTLP/HTTP JSON receiver here.

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cliPath = fileURLToPath(new URL('../cli.ts', import.meta.url));
const fixture = fileURLToPath(new URL('../pins/testing/driftingStdioServer.ts', import.meta.url));
const TS = ['--conditions=mcpscope-source', '--import', 'tsx'];
const SERVER = [process.execPath, ...TS, fixture];
const STATUS_ERROR = 2;
// Each client here starts two Node processes that load TypeScript: slow on a busy machine, so the
// tests get more time than the default. Nothing here measures speed.
const PROCESS_TEST_TIMEOUT_MS = 240_000;
const PIN_ERROR = -32602;

let receiver: OtlpJsonReceiver;
let dir: string;
let pinsPath: string;
let pinsServer: http.Server;
let pinsUrl: string;
const PINS_TOKEN = 'collector-read-token';
let logs = 0;

function env(stage: 'v1' | 'v2', callLog: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) out[k] = v;
  out['OTEL_EXPORTER_OTLP_ENDPOINT'] = receiver.endpoint;
  out['MCPSCOPE_PROXY_EXPORTER'] = 'json';
  out['OTEL_BSP_SCHEDULE_DELAY'] = '20';
  out['DRIFT_STAGE'] = stage;
  out['DRIFT_CALL_LOG'] = callLog;
  return out;
}

/** A client through the proxy (or, with `proxy` undefined, straight to the server) and its server's log. */
async function connect(
  stage: 'v1' | 'v2',
  proxy: string[] | undefined,
): Promise<{ client: Client; calls: () => Promise<string[]>; listChanged: () => number }> {
  const callLog = join(dir, `calls-${++logs}.log`);
  await writeFile(callLog, '');
  const client = new Client({ name: 'pins-test', version: '1.0.0' });
  let changed = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changed++);
  const args = proxy === undefined ? [...TS, fixture] : [...TS, cliPath, 'proxy', ...proxy, '--', ...SERVER];
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args,
      env: env(stage, callLog),
      cwd: repoRoot,
      stderr: 'inherit',
    }),
  );
  const calls = async (): Promise<string[]> =>
    (await readFile(callLog, 'utf8')).split('\n').filter((line) => line !== '');
  return { client, calls, listChanged: () => changed };
}

async function callError(client: Client, name: string): Promise<McpError> {
  const error = await client.callTool({ name, arguments: {} }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, name).toBeInstanceOf(McpError);
  return error as McpError;
}

const names = (tools: Array<{ name: string }>): string[] => tools.map((tool) => tool.name).sort();

beforeAll(async () => {
  receiver = await startOtlpJsonReceiver();
  dir = await mkdtemp(join(tmpdir(), 'mcpscope-proxy-pins-'));
  const listed = await listServerTools({ kind: 'stdio', command: process.execPath, args: [...TS, fixture] });
  const file = createPinFile(listed.server, listed.tools);
  pinsPath = join(dir, 'pins.json');
  await writeFile(pinsPath, formatPinFile(file));
  // The collector's GET /api/tool-pins/:server stands in as a node:http server that wants its token.
  pinsServer = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${PINS_TOKEN}`) res.writeHead(401).end();
    else res.writeHead(200, { 'content-type': 'application/json' }).end(formatPinFile(file));
  });
  await new Promise<void>((resolve) => pinsServer.listen(0, '127.0.0.1', resolve));
  pinsUrl = `http://127.0.0.1:${(pinsServer.address() as AddressInfo).port}/api/tool-pins/drifting`;
});

afterAll(async () => {
  await receiver?.close();
  pinsServer?.closeAllConnections();
  await new Promise<void>((resolve) => (pinsServer ? pinsServer.close(() => resolve()) : resolve()));
});

describe('mcpscope proxy --pins --on-drift block (stdio)', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  let proxied: Awaited<ReturnType<typeof connect>>;
  let direct: Awaited<ReturnType<typeof connect>>;

  beforeAll(async () => {
    [proxied, direct] = await Promise.all([
      connect('v2', ['--service-name', 'pins-block', '--pins', pinsPath, '--on-drift', 'block']),
      connect('v2', undefined),
    ]);
  });

  afterAll(async () => {
    await Promise.all([proxied?.client.close(), direct?.client.close()]);
  });

  it('lists only the tools that match their pins, each exactly as the server sent it', async () => {
    const viaProxy = await proxied.client.listTools();
    const withoutProxy = await direct.client.listTools();
    expect(names(viaProxy.tools)).toEqual([...STABLE_TOOLS].sort());
    expect(viaProxy.tools).toEqual(
      withoutProxy.tools.filter((tool) => STABLE_TOOLS.includes(tool.name as never)),
    );
  });

  it('refuses calls of changed and new tools with the pin error, and the server never sees them', async () => {
    for (const tool of [...Object.values(DRIFTED), ADDED_TOOL]) {
      const error = await callError(proxied.client, tool);
      expect(error.code).toBe(PIN_ERROR);
      expect(error.message).toContain(
        `Tool "${tool}" is withheld by mcpscope: its definition does not match its pin`,
      );
      expect(error.message).toContain(tool === ADDED_TOOL ? '(not pinned)' : '(changed since it was pinned)');
    }
    const echo = await proxied.client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    expect(echo.content).toEqual([{ type: 'text', text: 'echo ran with {"text":"hi"}' }]);
    // The server's own log: the one call that matched its pin, nothing else.
    expect(await proxied.calls()).toEqual(['echo']);
  });

  it('records the pin status on the spans, and the blocked calls as the server’s pin mismatch', async () => {
    const [list] = await receiver.waitFor((s) => s.service === 'pins-block' && s.name === 'tools/list');
    expect(list!.attributes).toMatchObject({
      'mcpscope.pin.status': 'drift',
      'mcpscope.pin.on_drift': 'block',
      'mcpscope.pin.drifted_tools': JSON.stringify(Object.values(DRIFTED).sort()),
      'mcpscope.pin.unpinned_tools': JSON.stringify([ADDED_TOOL]),
      'mcpscope.pin.missing_tools': JSON.stringify([DROPPED_TOOL]),
    });
    const [blocked] = await receiver.waitFor(
      (s) => s.service === 'pins-block' && s.name === `tools/call ${DRIFTED.description}`,
    );
    expect(blocked!.statusCode).toBe(STATUS_ERROR);
    expect(blocked!.statusMessage).toContain('does not match its pin');
    expect(blocked!.attributes).toMatchObject({
      'mcpscope.pin.status': 'drift',
      'mcpscope.pin.blocked': true,
      'error.type': 'pin_mismatch',
      'mcpscope.fault': 'server',
      'rpc.response.status_code': '-32602',
      'gen_ai.tool.name': DRIFTED.description,
    });
    const [added] = await receiver.waitFor(
      (s) => s.service === 'pins-block' && s.name === `tools/call ${ADDED_TOOL}`,
    );
    expect(added!.attributes).toMatchObject({
      'mcpscope.pin.status': 'unpinned',
      'mcpscope.pin.blocked': true,
    });
    const [echo] = await receiver.waitFor((s) => s.service === 'pins-block' && s.name === 'tools/call echo');
    expect(echo!.attributes['mcpscope.pin.status']).toBe('match');
    expect(echo!.attributes['mcpscope.pin.blocked']).toBeUndefined();
    expect(echo!.statusCode).not.toBe(STATUS_ERROR);
  });

  it('before any tools/list, judges a call by name: unpinned tools are refused', async () => {
    const fresh = await connect('v2', ['--service-name', 'pins-unlisted', '--pins', pinsPath]);
    try {
      expect((await callError(fresh.client, ADDED_TOOL)).code).toBe(PIN_ERROR);
      // A pinned name passes: with no list seen, the proxy has no definition to hold it to (documented).
      await fresh.client.callTool({ name: DRIFTED.description, arguments: { city: 'Oslo' } });
      expect(await fresh.calls()).toEqual([DRIFTED.description]);
    } finally {
      await fresh.client.close();
    }
  });
});

describe(
  'mcpscope proxy --pins: tools/list_changed makes the proxy check again',
  { timeout: PROCESS_TEST_TIMEOUT_MS },
  () => {
    it('withholds a tool that drifts mid-session, and lets it back once it matches again', async () => {
      const session = await connect('v1', ['--service-name', 'pins-changed', '--pins', pinsPath]);
      const direct = await connect('v1', undefined);
      try {
        // Nothing drifted: the list passes as the server sent it.
        expect(await session.client.listTools()).toEqual(await direct.client.listTools());

        await session.client.callTool({ name: 'set_stage', arguments: { stage: 'v2' } });
        await expect.poll(() => session.listChanged(), POLL).toBe(1);
        // Before the agent lists again, calls go by name: the new tool is refused.
        expect((await callError(session.client, ADDED_TOOL)).code).toBe(PIN_ERROR);
        expect(names((await session.client.listTools()).tools)).toEqual([...STABLE_TOOLS].sort());
        expect((await callError(session.client, DRIFTED.description)).code).toBe(PIN_ERROR);

        await session.client.callTool({ name: 'set_stage', arguments: { stage: 'v1' } });
        await expect.poll(() => session.listChanged(), POLL).toBe(2);
        // The list that withheld it is stale now, and is not kept: the call passes by name...
        await session.client.callTool({ name: DRIFTED.description, arguments: { city: 'Oslo' } });
        // ...and the next list shows it again, as it matches its pin.
        expect(names((await session.client.listTools()).tools)).toContain(DRIFTED.description);
        expect(await session.calls()).toEqual(['set_stage', 'set_stage', DRIFTED.description]);
      } finally {
        await Promise.all([session.client.close(), direct.client.close()]);
      }
    });
  },
);

describe('mcpscope proxy --pins URL --on-drift warn (stdio)', { timeout: PROCESS_TEST_TIMEOUT_MS }, () => {
  it('passes everything unchanged and records the drift', async () => {
    const proxied = await connect('v2', [
      '--service-name',
      'pins-warn',
      '--pins',
      pinsUrl,
      '--pins-token',
      PINS_TOKEN,
      '--on-drift',
      'warn',
    ]);
    const direct = await connect('v2', undefined);
    try {
      expect(await proxied.client.listTools()).toEqual(await direct.client.listTools());
      for (const tool of [DRIFTED.description, ADDED_TOOL]) {
        const args = { city: 'Oslo' };
        expect(await proxied.client.callTool({ name: tool, arguments: args })).toEqual(
          await direct.client.callTool({ name: tool, arguments: args }),
        );
      }
      expect(await proxied.calls()).toEqual([DRIFTED.description, ADDED_TOOL]);
      const [list] = await receiver.waitFor((s) => s.service === 'pins-warn' && s.name === 'tools/list');
      expect(list!.attributes).toMatchObject({
        'mcpscope.pin.status': 'drift',
        'mcpscope.pin.on_drift': 'warn',
      });
      const [call] = await receiver.waitFor(
        (s) => s.service === 'pins-warn' && s.name === `tools/call ${DRIFTED.description}`,
      );
      expect(call!.attributes['mcpscope.pin.status']).toBe('drift');
      expect(call!.attributes['mcpscope.pin.blocked']).toBeUndefined();
      expect(call!.statusCode).not.toBe(STATUS_ERROR);
    } finally {
      await Promise.all([proxied.client.close(), direct.client.close()]);
    }
  });

  it('does not start the server when the pins cannot be loaded', async () => {
    const run = (args: string[]): Promise<{ code: number; stderr: string }> =>
      new Promise((resolve) => {
        execFile(
          process.execPath,
          [...TS, cliPath, 'proxy', ...args, '--', ...SERVER],
          { cwd: repoRoot, timeout: 60_000 },
          (error, _stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code), stderr }),
        );
      });
    const refused = await run(['--pins', pinsUrl, '--pins-token', 'wrong']);
    expect(refused.stderr).toContain(`cannot fetch pins from ${pinsUrl}: HTTP 401 (the token was refused)`);
    expect(refused.code).toBe(2);
    const missing = await run(['--pins', join(dir, 'absent.json')]);
    expect(missing.stderr).toMatch(/cannot read pin file .*absent\.json: ENOENT/);
    expect(missing.code).toBe(2);
  });
});
