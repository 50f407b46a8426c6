/**
 * The approval API over real HTTP against the embedded ClickHouse engine: tools/list spans written
 * through storage's own insert (tool-definition history derived as at ingest), approvals recorded and
 * read back, pin files checked with the SDK's own parser, and the approvals surviving a reopen of the
 * data directory. One data directory for the whole file (libchdb binds one per process).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePinFile } from '@mcpscope/sdk/pins';
import { toolsList, type ToolDef } from '../storage/fixtures.js';
import { openStorage, type Storage } from '../storage/index.js';
import type { SpanRow } from '../storage/rows.js';
import { openTempStorage, type TempStorage } from '../storage/tempStorage.js';
import { createApiRouter } from './router.js';
import { createToolPinsRouter } from './toolPins.js';
import type { ToolApprovalView, ToolChangesResponse } from './types.js';

let temp: TempStorage;
let storage: Storage;
let server: Server;
let base: string;
let clock = Date.now();
const logs: string[] = [];

const T0 = Date.now() - 10 * 60_000;
// A stdio server (identity `mailer (command)`, with a slash in the command) and two network servers that
// share the name "fs".
const MAILER = 'mailer (node /srv/mailer.js --token ***)';
const send = { name: 'send_email', description: 'Sends an email.', inputSchema: { type: 'object' } };
const sendBcc = {
  ...send,
  inputSchema: { type: 'object', properties: { bcc: { type: 'string' } } },
};
const echo = { name: 'echo', description: 'Returns its text.' };

function mailerList(startMs: number, tools: ToolDef[], version = '1.0.0'): SpanRow {
  const row = toolsList({ startMs, server: 'mailer', serverVersion: version, tools });
  row.SpanAttributes['mcpscope.server.command'] = 'node /srv/mailer.js --token ***';
  return row;
}

async function listen(s: Storage): Promise<void> {
  const app = express();
  app.use('/api', createApiRouter(s.queries));
  app.use('/api', createToolPinsRouter(s.clickhouse, { log: (m) => logs.push(m), now: () => clock }));
  server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
}

async function call<T>(
  p: string,
  init: { method?: string; body?: unknown; contentType?: string } = {},
): Promise<{ status: number; body: T; text: string; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
  const res = await fetch(base + p, {
    method: init.method ?? 'GET',
    headers,
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as T, text, headers: res.headers };
}

const approve = (srv: string, body: unknown = {}) =>
  call<ToolApprovalView & { error?: string }>(`/tool-pins/${encodeURIComponent(srv)}/approve`, {
    method: 'POST',
    body,
  });

beforeAll(async () => {
  temp = await openTempStorage('tool-pins');
  storage = temp.storage;
  await storage.insert([
    mailerList(T0, [send, echo]),
    toolsList({ startMs: T0, server: 'fs', serverAddress: 'a.local:1', tools: [echo] }),
    toolsList({ startMs: T0, server: 'fs', serverAddress: 'b.local:2', tools: [echo] }),
  ]);
  await listen(storage);
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await temp?.close();
});

describe('POST /api/tool-pins/:server/approve', () => {
  it('refuses what it cannot approve, saying why', async () => {
    const unknown = await approve('github');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/no tool definitions are recorded for server "github"/);
    const ambiguous = await approve('fs');
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.error).toContain('"fs" names 2 servers: "fs@a.local:1", "fs@b.local:2"');
    const form = await call<{ error: string }>(`/tool-pins/mailer/approve`, {
      method: 'POST',
      body: 'setFingerprint=x',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(415);
    expect(form.body.error).toMatch(/Content-Type: application\/json/);
    const bad = await approve('mailer', { setFingerprint: 'abc', approvedBy: 7, extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/unknown field "extra"/);
    expect(bad.body.error).toMatch(/setFingerprint: must be 64 lowercase hex digits/);
    expect(bad.body.error).toMatch(/approvedBy: Expected string/);
    const moved = await approve('mailer', { setFingerprint: 'e'.repeat(64) });
    expect(moved.status).toBe(409);
    expect(moved.body.error).toMatch(/changed since that set was shown/);
    const nothing = await call<{ error: string }>(`/tool-pins/${encodeURIComponent(MAILER)}`);
    expect(nothing.status).toBe(404);
    expect(nothing.body.error).toMatch(/nothing is approved for server/);
  });

  it('approves the set listed last, exactly the one shown, and serves it as a pin file', async () => {
    const { body: view } = await call<ToolChangesResponse>('/tool-changes?server=mailer');
    const shown = view.servers.find((s) => s.server === MAILER);
    expect(shown).toMatchObject({ status: 'unapproved', approval: null, toolCount: 2 });
    clock = Date.now();
    const res = await approve('mailer', {
      setFingerprint: shown!.setFingerprint,
      approvedBy: 'ana',
      note: 'ok',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe(`/api/tool-pins/${encodeURIComponent(MAILER)}`);
    expect(res.body).toMatchObject({
      server: MAILER,
      serverName: 'mailer',
      serverVersion: '1.0.0',
      setFingerprint: shown!.setFingerprint,
      approvedAt: new Date(clock).toISOString(),
      approvedBy: 'ana',
      note: 'ok',
      pinPath: `/api/tool-pins/${encodeURIComponent(MAILER)}`,
    });
    expect(res.body.tools.map((t) => t.name)).toEqual(['echo', 'send_email']);

    // By full identity (its slash encoded) and by its name, which one identity has.
    for (const ref of [encodeURIComponent(MAILER), 'mailer']) {
      const pins = await call<unknown>(`/tool-pins/${ref}`);
      expect(pins.status).toBe(200);
      expect(pins.headers.get('content-type')).toMatch(/^application\/json/);
      expect(pins.headers.get('cache-control')).toBe('no-store');
      const file = parsePinFile(pins.text, 'collector');
      expect(file.server).toEqual({
        name: 'mailer',
        version: '1.0.0',
        command: 'node /srv/mailer.js --token ***',
      });
      expect(file.createdAt).toBe(new Date(clock).toISOString());
      expect(file.tools.map((t) => [t.name, t.sha256])).toEqual(
        res.body.tools.map((t) => [t.name, t.sha256]),
      );
      expect(file.tools.find((t) => t.name === 'send_email')?.definition).toEqual(send);
    }
  });

  it('keeps every approval; the latest is the approved set, and a change departs from it', async () => {
    await storage.insert([mailerList(T0 + 60_000, [sendBcc, echo])]);
    const { body: view } = await call<ToolChangesResponse>(
      `/tool-changes?server=${encodeURIComponent(MAILER)}`,
    );
    const change = view.changes.find((c) => c.tool === 'send_email');
    expect(change?.flags).toEqual(expect.arrayContaining(['no_version_bump']));
    // Seen (span time T0 + 1 min) before the approval (now): held against no approval.
    expect(change?.approval).toBeUndefined();
    expect(view.servers[0]).toMatchObject({ status: 'drift' });
    expect(view.servers[0]?.tools.map((t) => [t.tool, t.status])).toEqual([
      ['echo', 'match'],
      ['send_email', 'drift'],
    ]);
    clock = Date.now() + 1000;
    const second = await approve(MAILER, { note: 'bcc reviewed' });
    expect(second.status).toBe(201);
    const history = await call<{ approvals: ToolApprovalView[] }>(
      `/tool-pins/${encodeURIComponent(MAILER)}/approvals`,
    );
    expect(history.body.approvals.map((a) => a.note)).toEqual(['bcc reviewed', 'ok']);
    const pins = parsePinFile((await call(`/tool-pins/mailer`)).text, 'collector');
    expect(pins.tools.find((t) => t.name === 'send_email')?.definition).toEqual(sendBcc);
    const list = await call<{ servers: { server: string; tools: number }[] }>('/tool-pins');
    expect(list.body.servers).toEqual([expect.objectContaining({ server: MAILER, tools: 2 })]);
  });

  it('refuses to approve a definition that does not hash to its recorded fingerprint', async () => {
    const row = toolsList({ startMs: T0, server: 'cut', tools: [send] });
    const defs = JSON.parse(row.SpanAttributes['mcpscope.tools.definitions'] ?? '[]') as {
      definition: { description: string };
    }[];
    defs[0]!.definition.description = 'Sends an em';
    row.SpanAttributes['mcpscope.tools.definitions'] = JSON.stringify(defs);
    await storage.insert([row]);
    const res = await approve('cut');
    expect(res.status).toBe(422);
    expect(res.body.error).toMatch(/"send_email" on cut does not hash to its recorded fingerprint/);
  });

  it('keeps the approvals across a restart of storage', async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await storage.close();
    storage = await openStorage(temp.config);
    temp.storage = storage;
    await listen(storage);
    const pins = await call<unknown>(`/tool-pins/mailer`);
    expect(pins.status).toBe(200);
    expect(parsePinFile(pins.text, 'collector').tools).toHaveLength(2);
    const { body } = await call<ToolChangesResponse>('/tool-changes?server=mailer');
    expect(body.servers[0]).toMatchObject({ status: 'approved', approval: { note: 'bcc reviewed' } });
    expect(logs).toEqual([]);
  });
});
