import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonErrors } from './errors.js';

// Real Express over real HTTP; the errors are the kinds the collector meets: an engine error with
// internals in its text, Express's URIError for a malformed escape, an error written for the caller.
const ENGINE_TEXT =
  "Code: 70. DB::Exception: Value 1e+306 cannot be safely converted into UInt64: while executing 'FUNCTION greaterOrEquals(Duration, _CAST(...))' in /var/lib/mcpscope-data/store/0a1/";

let server: Server;
let base: string;
const logs: string[] = [];

beforeAll(async () => {
  const app = express();
  app.get('/engine', () => {
    throw new Error(ENGINE_TEXT);
  });
  app.get('/async', async () => {
    await Promise.resolve();
    throw Object.assign(new Error(ENGINE_TEXT), { code: '70' });
  });
  app.get('/items/:id', (req, res) => {
    res.json({ id: req.params['id'] });
  });
  app.get('/exposed', () => {
    throw Object.assign(new Error('parameter "limit" must be an integer'), { status: 400, expose: true });
  });
  app.get('/hidden', () => {
    throw Object.assign(new Error(`not found: ${ENGINE_TEXT}`), { statusCode: 404 });
  });
  app.use(jsonErrors({ log: (m) => logs.push(m) }));
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function get(path: string): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(base + path);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

describe('jsonErrors', () => {
  it('answers 500 "internal error" with a request id, and logs the cause under that id', async () => {
    for (const path of ['/engine', '/async']) {
      const res = await get(path);
      expect(res.status).toBe(500);
      expect(res.type).toMatch(/^application\/json/);
      const body = JSON.parse(res.body) as { error: string; requestId: string };
      expect(body).toEqual({ error: 'internal error', requestId: expect.stringMatching(/^[0-9a-f]{8}$/) });
      expect(res.body).not.toMatch(/DB::Exception|\/var\/lib/);
      const line = logs.find((l) => l.includes(body.requestId));
      expect(line).toContain(`GET ${path} failed`);
      expect(line).toContain('DB::Exception');
    }
  });

  it('answers 400 to a malformed percent-escape in a path parameter, without echoing it', async () => {
    const res = await get('/items/%ZZ');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: 'malformed URL: invalid percent-encoding' });
    expect((await get('/items/%41')).body).toBe('{"id":"A"}');
  });

  it('shows a client error’s message only when it is meant to be shown', async () => {
    const exposed = await get('/exposed');
    expect(exposed.status).toBe(400);
    expect(JSON.parse(exposed.body)).toEqual({ error: 'parameter "limit" must be an integer' });
    const hidden = await get('/hidden');
    expect(hidden.status).toBe(404);
    expect(JSON.parse(hidden.body)).toEqual({ error: 'not found' });
  });
});
