/**
 * Approving a server's tools in the collector, end to end on real parts: a real collector (`mcpscope
 * start` in a child process, embedded ClickHouse, a read token, alerts evaluated every second) fed by
 * the SDK's own `instrumentClient` + `startTracing` export, real MCP servers over Streamable HTTP whose
 * tools change, the real `mcpscope proxy` CLI taking the approved set by URL, and a real webhook
 * receiver. In order:
 *
 * 1. the drifting fixture is listed, approved through the API (the read token required), then changes:
 *    `/api/tool-changes` holds every change against the approved set, and `GET /api/tool-pins/:server`
 *    is a pin file that `parsePinFile` accepts and `mcpscope proxy --pins <url> --pins-token` enforces;
 * 2. A (approved) → B → C on a server whose second change alone looks normal (a version bump, a new
 *    session, no injection pattern): C is flagged against A, and a `tool_change` rule with
 *    `againstApproved` fires through the receiver.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { instrumentClient, startTracing } from '@mcpscope/sdk';
import { createPinFile, parsePinFile } from '@mcpscope/sdk/pins';
import type { AlertRulesResponse, ToolChangesResponse, ToolServerView } from '@mcpscope/collector';
import {
  ADDED_TOOL,
  DRIFTED,
  DROPPED_TOOL,
  STABLE_TOOLS,
  toolsOf,
} from '../../sdk/src/pins/testing/driftingServer.js';
import {
  startDriftingHttpServer,
  type DriftingHttpServer,
} from '../../sdk/src/pins/testing/driftingHttpServer.js';
import {
  callLog,
  DRIFTING_STDIO,
  fixtureEnv,
  PIN_ERROR,
  rejection,
  stdioLaunch,
  withheld,
} from '../../sdk/src/pins/testing/pinFixtures.js';
import { serveWebHandler, type WebHandlerServer } from '../../sdk/src/testing/webHandlerServer.js';
import {
  REPO_ROOT,
  startCollector,
  TS_NODE_ARGS,
  waitFor,
  type TestCollector,
} from '../helpers/collector.js';

const TOKEN = 'approval-read-token';
const PROXY_CLI = path.join(REPO_ROOT, 'sdk/src/cli.ts');
/** Child processes loading TypeScript on a shared machine: generous, nothing here measures speed. */
const SLOW = { timeout: 240_000 };

let collector: TestCollector;
let tracing: ReturnType<typeof startTracing>;
let dir: string;

/** A JSON answer of the API, asserted field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of several shapes
type Json = any;

async function api(
  urlPath: string,
  init: { method?: string; body?: unknown; token?: string | null } = {},
): Promise<{ status: number; body: Json; text: string; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (init.token !== null) headers['authorization'] = `Bearer ${init.token ?? TOKEN}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${collector.url}${urlPath}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: Json;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body, text, headers: res.headers };
}

const approvePath = (identity: string) => `/api/tool-pins/${encodeURIComponent(identity)}/approve`;

/** The server's entry in `/api/tool-changes` once `until` holds for it. */
async function serverView(
  identity: string,
  until: (view: ToolChangesResponse, server: ToolServerView) => boolean,
): Promise<ToolChangesResponse> {
  return waitFor(
    async () => {
      const { status, body } = await api(`/api/tool-changes?server=${encodeURIComponent(identity)}`);
      if (status !== 200) return undefined;
      const view = body as ToolChangesResponse;
      const server = view.servers.find((s) => s.server === identity);
      return server && until(view, server) ? view : undefined;
    },
    60_000,
    `the tool changes of ${identity}`,
  );
}

/** An instrumented 1.x client connected to a Streamable HTTP endpoint. */
async function connectHttp(url: URL): Promise<Client> {
  const client = instrumentClient(new Client({ name: 'approval-agent', version: '1.0.0' }));
  await client.connect(new StreamableHTTPClientTransport(url));
  return client;
}

/** Lists the tools and exports the spans at once. */
async function listAndExport(client: Client): Promise<string[]> {
  const { tools } = await client.listTools();
  await tracing.forceFlush();
  return tools.map((t) => t.name).sort();
}

/** A webhook receiver recording every POST body. */
class Receiver {
  readonly bodies: Json[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  url = '';
  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mcpscope-approval-it-'));
  collector = await startCollector({ env: { MCPSCOPE_READ_TOKEN: TOKEN, MCPSCOPE_ALERT_INTERVAL_S: '1' } });
  tracing = startTracing({ serviceName: 'approval-agent', endpoint: collector.url });
});

afterAll(async () => {
  await tracing?.shutdown();
  await collector?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('approving the drifting server, then holding a proxy to the approved set', SLOW, () => {
  const stage: { current: 'v1' | 'v2' } = { current: 'v1' };
  let upstream: DriftingHttpServer;
  let client: Client;
  let identity: string;
  let pinsUrl: string;

  beforeAll(async () => {
    upstream = await startDriftingHttpServer({ stage });
    client = await connectHttp(upstream.url);
    identity = `drifting@127.0.0.1:${upstream.url.port}`;
  });

  afterAll(async () => {
    await client?.close();
    await upstream?.close();
  });

  it('needs the read token to approve and to read an approved set', async () => {
    await listAndExport(client);
    await serverView(identity, (_v, s) => s.toolCount === toolsOf('v1').length);
    pinsUrl = `${collector.url}/api/tool-pins/${encodeURIComponent(identity)}`;
    for (const token of [null, 'wrong-token']) {
      const approve = await api(approvePath(identity), { method: 'POST', body: {}, token });
      expect(approve.status).toBe(401);
      expect(approve.headers.get('www-authenticate')).toMatch(/^Bearer realm="mcpscope"/);
      expect((await api(`/api/tool-pins/${encodeURIComponent(identity)}`, { token })).status).toBe(401);
    }
    // Nothing was recorded by the refused requests.
    expect((await api(`/api/tool-pins/${encodeURIComponent(identity)}`)).status).toBe(404);
  });

  it('approves the set shown, and holds the changed set against it', async () => {
    const before = await serverView(identity, () => true);
    const shown = before.servers.find((s) => s.server === identity)!;
    expect(shown).toMatchObject({ status: 'unapproved', approval: null });
    const approved = await api(approvePath(identity), {
      method: 'POST',
      body: { setFingerprint: shown.setFingerprint, approvedBy: 'security', note: 'v1 reviewed' },
    });
    expect(approved.status).toBe(201);
    expect(approved.body).toMatchObject({ server: identity, approvedBy: 'security', note: 'v1 reviewed' });

    // The server changes its tools (the fixture's own set_stage, which also sends list_changed).
    await client.callTool({ name: 'set_stage', arguments: { stage: 'v2' } });
    expect(await listAndExport(client)).toContain(ADDED_TOOL);
    const after = await serverView(identity, (_v, s) => s.status === 'drift');
    const server = after.servers.find((s) => s.server === identity)!;
    expect(Object.fromEntries(server.tools.map((t) => [t.tool, t.status]))).toEqual({
      echo: 'match',
      set_stage: 'match',
      [DRIFTED.description]: 'drift',
      [DRIFTED.inputSchema]: 'drift',
      [DRIFTED.annotations]: 'drift',
      [ADDED_TOOL]: 'unpinned',
      [DROPPED_TOOL]: 'missing',
    });
    const changes = after.changes.filter((c) => c.server === identity);
    expect(changes.map((c) => [c.tool, c.approval?.status]).sort()).toEqual(
      [
        [ADDED_TOOL, 'unpinned'],
        [DRIFTED.annotations, 'drift'],
        [DRIFTED.description, 'drift'],
        [DRIFTED.inputSchema, 'drift'],
        [DROPPED_TOOL, 'missing'],
      ].sort(),
    );
    for (const change of changes) expect(change.flags).toContain('unapproved');
  });

  it('serves the approved set as a pin file the SDK reads, the approved definitions exactly', async () => {
    const { status, text, headers } = await api(`/api/tool-pins/${encodeURIComponent(identity)}`);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    const file = parsePinFile(text, pinsUrl);
    expect(file.server).toEqual({ name: 'drifting', version: '1.0.0' });
    const expected = createPinFile({}, toolsOf('v1'));
    expect(file.tools).toEqual(expected.tools);
    // The bare name works too while one server has it.
    expect((await api('/api/tool-pins/drifting')).text).toBe(text);
  });

  it('holds `mcpscope proxy --pins <url> --pins-token` to the approved set', async () => {
    const log = await callLog(dir);
    const env = {
      ...fixtureEnv('v2', log.path),
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
    };
    /** `mcpscope proxy` taking the approved set by URL with `token`, in front of the drifted server. */
    const proxy = (token: string): string[] => [
      PROXY_CLI,
      'proxy',
      '--pins',
      pinsUrl,
      '--pins-token',
      token,
      '--',
      process.execPath,
      ...TS_NODE_ARGS,
      DRIFTING_STDIO,
    ];
    const proxied = new Client({ name: 'fleet-agent', version: '1.0.0' });
    await proxied.connect(new StdioClientTransport(stdioLaunch(proxy(TOKEN), env)));
    try {
      const listed = (await proxied.listTools()).tools.map((t) => t.name).sort();
      expect(listed).toEqual([...STABLE_TOOLS].sort());
      const refused = await rejection(
        proxied.callTool({ name: DRIFTED.description, arguments: { city: 'Oslo' } }),
      );
      expect(refused).toBeInstanceOf(McpError);
      expect((refused as McpError).code).toBe(PIN_ERROR);
      expect((refused as McpError).message).toContain(withheld(DRIFTED.description));
      await proxied.callTool({ name: 'echo', arguments: { text: 'hi' } });
      // The server's own log: only the call that matched the approved set reached it.
      expect(await log.calls()).toEqual(['echo']);
    } finally {
      await proxied.close();
    }

    const refusedStart = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [...TS_NODE_ARGS, ...proxy('wrong-token')],
        { cwd: REPO_ROOT, timeout: 120_000 },
        (error, _stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code), stderr }),
      );
    });
    expect(refusedStart.stderr).toContain(
      `cannot fetch pins from ${pinsUrl}: HTTP 401 (the token was refused)`,
    );
    expect(refusedStart.code).toBe(2);
  });
});

// ── A (approved) → B → C ───────────────────────────────────────────────────────────────────────────

type MailerStage = 'A' | 'B' | 'C';
const MAILER_VERSION: Record<MailerStage, string> = { A: '1.0.0', B: '1.0.0', C: '1.0.1' };

/** The mailer's tools: B quietly adds a bcc field, C then only rewords the description. */
function mailerTools(stage: MailerStage) {
  const bcc = stage !== 'A' ? { bcc: { type: 'string' } } : {};
  return [
    {
      name: 'send_email',
      description: stage === 'C' ? 'Sends an email message.' : 'Sends an email.',
      inputSchema: {
        type: 'object',
        properties: { to: { type: 'string' }, body: { type: 'string' }, ...bcc },
      },
    },
    { name: 'echo', description: 'Returns its text.', inputSchema: { type: 'object', properties: {} } },
  ];
}

/** A stateless Streamable HTTP server (a new MCP Server per request) whose tools follow `stage`. */
function startMailer(stage: { current: MailerStage }): Promise<WebHandlerServer> {
  return serveWebHandler(async (request) => {
    // Stateless: no stream to open with GET, no session to end with DELETE.
    if (request.method !== 'POST') return new Response(null, { status: 405, headers: { allow: 'POST' } });
    const mcp = new Server(
      { name: 'mailer', version: MAILER_VERSION[stage.current] },
      { capabilities: { tools: {} } },
    );
    mcp.setRequestHandler(ListToolsRequestSchema, () => ({ tools: mailerTools(stage.current) }));
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await mcp.connect(transport);
    // A JSON answer is whole once returned: the one-request server can go.
    const response = await transport.handleRequest(request);
    await mcp.close();
    return response;
  });
}

describe('A (approved) → B → C: the second change is flagged against A', SLOW, () => {
  const stage: { current: MailerStage } = { current: 'A' };
  const receiver = new Receiver();
  let mailer: WebHandlerServer;
  let identity: string;
  let ruleId: string;

  /** A new client (a new connection, as a new agent run would be) lists the tools of `next`. */
  async function listStage(next: MailerStage): Promise<void> {
    stage.current = next;
    const client = await connectHttp(mailer.url);
    try {
      await listAndExport(client);
    } finally {
      await client.close();
    }
  }

  beforeAll(async () => {
    await receiver.start();
    mailer = await startMailer(stage);
    identity = `mailer@127.0.0.1:${mailer.url.port}`;
  });

  afterAll(async () => {
    await mailer?.close();
    await receiver.close();
  });

  it('approves A; a tool_change rule against the approved set stays calm while A is served', async () => {
    await listStage('A');
    const seen = await serverView(identity, () => true);
    const approved = await api(approvePath(identity), {
      method: 'POST',
      body: { setFingerprint: seen.servers.find((s) => s.server === identity)!.setFingerprint },
    });
    expect(approved.status).toBe(201);
    const created = await api('/api/alert-rules', {
      method: 'POST',
      body: {
        name: 'mailer departs from its approved tools',
        scope: { server: identity },
        metric: 'tool_change',
        op: '>',
        threshold: 0,
        windowSeconds: 600,
        againstApproved: true,
        webhook: { url: receiver.url, format: 'alertmanager' },
      },
    });
    expect(created.status).toBe(201);
    ruleId = created.body.id;
    const rule = await waitFor(
      async () => {
        const { body } = await api('/api/alert-rules');
        const r = (body as AlertRulesResponse).rules.find((x) => x.id === ruleId);
        return r?.state.evaluatedAt ? r : undefined;
      },
      30_000,
      'an evaluation of the rule',
    );
    expect(rule).toMatchObject({ againstApproved: true, state: { status: 'ok', value: 0 } });
    expect(receiver.bodies).toEqual([]);
  });

  it('flags B and C against A, though C alone looks like a normal release', async () => {
    await listStage('B');
    await listStage('C');
    const view = await serverView(
      identity,
      (v) => v.changes.filter((c) => c.server === identity).length >= 2,
    );
    const changes = view.changes.filter((c) => c.server === identity && c.tool === 'send_email');
    const [toC, toB] = changes; // newest first
    expect(toB?.after?.serverVersion).toBe('1.0.0');
    expect(toB?.flags).toEqual(['no_version_bump', 'unapproved']);
    expect(toC?.before?.fingerprint).toBe(toB?.after?.fingerprint);
    expect(toC?.after?.serverVersion).toBe('1.0.1');
    // Against the previous sighting, C raises nothing: a version bump, a new connection, no injection.
    // Against the approved A it departs, and says so.
    expect(toC?.flags).toEqual(['unapproved']);
    expect(toC?.approval).toMatchObject({ status: 'drift', id: view.servers[0]?.approval?.id });
    expect(view.servers.find((s) => s.server === identity)).toMatchObject({
      status: 'drift',
      tools: [
        { tool: 'echo', status: 'match' },
        { tool: 'send_email', status: 'drift' },
      ],
    });
  });

  it('fires the rule through the webhook receiver, saying it counts departures from the approved set', async () => {
    const body = await waitFor(
      async () => receiver.bodies.find((b) => b.status === 'firing'),
      60_000,
      'the firing notification',
    );
    const alert = body.alerts[0];
    expect(alert.labels).toMatchObject({
      alertname: 'mailer departs from its approved tools',
      metric: 'tool_change',
      server: identity,
      rule_id: ruleId,
    });
    // It fires at the first evaluation that sees B (1) or, if that comes after C, both changes (2).
    expect(alert.annotations.summary).toMatch(
      /tool-definition changes departing from the approved set [12] > 0/,
    );
    expect(alert.generatorURL).toContain(`/tool-changes?server=${encodeURIComponent(identity)}`);
  });
});
