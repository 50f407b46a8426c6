import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPinFile } from '../pins/pinFile.js';
import { ADDED_TOOL, DRIFTED, DROPPED_TOOL, STABLE_TOOLS } from '../pins/testing/driftingServer.js';
import {
  BLOCKED_DRIFT,
  callLog,
  DRIFTING_STDIO,
  expectRefusedCalls,
  fixtureEnv,
  REPO_ROOT,
  stableTools,
  stdioLaunch,
  toolNames,
  TS_ARGS,
  writeApprovedPins,
} from '../pins/testing/pinFixtures.js';
import {
  countListChanged,
  expectCheckAgainOnListChanged,
  expectJudgedByName,
  expectWarnPassesUnchanged,
  type PinSession,
} from '../pins/testing/pinSessions.js';
import { proxyExportEnv, startOtlpJsonReceiver, type OtlpJsonReceiver } from './testing/otlpJsonReceiver.js';

// Real processes end to end: MCP SDK Client → `mcpscope proxy --pins` child process → the drifting
// fixture server as its child. The pins are taken from the fixture in its approved stage (v1) with the
// same code `mcpscope pin` runs; the server runs drifted (v2) unless a test says otherwise. What reached
// the server is read from the fixture's own call log; spans come to an OTLP/HTTP JSON receiver here.

const cliPath = fileURLToPath(new URL('../cli.ts', import.meta.url));
const SERVER = [process.execPath, ...TS_ARGS, DRIFTING_STDIO];
const STATUS_ERROR = 2;
// Each client here starts two Node processes that load TypeScript: slow on a busy machine, so the
// tests get more time than the default. Nothing here measures speed.
const PROCESS_TEST_TIMEOUT_MS = 240_000;

let receiver: OtlpJsonReceiver;
let dir: string;
let pinsPath: string;
let pinsServer: http.Server;
let pinsUrl: string;
const PINS_TOKEN = 'collector-read-token';

/** A client through the proxy (or, with `proxy` undefined, straight to the server) and its server's log. */
async function connect(stage: 'v1' | 'v2', proxy: string[] | undefined): Promise<PinSession> {
  const log = await callLog(dir);
  const client = new Client({ name: 'pins-test', version: '1.0.0' });
  const listChanged = countListChanged(client);
  const env = proxyExportEnv(receiver.endpoint, fixtureEnv(stage, log.path));
  const args = proxy === undefined ? [DRIFTING_STDIO] : [cliPath, 'proxy', ...proxy, '--', ...SERVER];
  await client.connect(new StdioClientTransport(stdioLaunch(args, env)));
  return { client, calls: log.calls, listChanged };
}

beforeAll(async () => {
  receiver = await startOtlpJsonReceiver();
  dir = await mkdtemp(join(tmpdir(), 'mcpscope-proxy-pins-'));
  const { path, file } = await writeApprovedPins(dir);
  pinsPath = path;
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
  let proxied: PinSession;
  let direct: PinSession;

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
    expect(toolNames(viaProxy.tools)).toEqual([...STABLE_TOOLS].sort());
    expect(viaProxy.tools).toEqual(stableTools(withoutProxy.tools));
  });

  it('refuses calls of changed and new tools with the pin error, and the server never sees them', async () => {
    await expectRefusedCalls(proxied.client, McpError);
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
      ...BLOCKED_DRIFT,
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
      await expectJudgedByName(fresh);
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
        await expectCheckAgainOnListChanged(session, direct);
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
      await expectWarnPassesUnchanged(proxied, direct);
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
          [...TS_ARGS, cliPath, 'proxy', ...args, '--', ...SERVER],
          { cwd: REPO_ROOT, timeout: 60_000 },
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
