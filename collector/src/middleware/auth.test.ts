import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerAuth, hasBearerToken } from './auth.js';

describe('hasBearerToken', () => {
  it('accepts exactly the configured token, with a case-insensitive scheme', () => {
    expect(hasBearerToken('Bearer tok-123', 'tok-123')).toBe(true);
    expect(hasBearerToken('bearer  tok-123', 'tok-123')).toBe(true);
    expect(hasBearerToken(undefined, 'tok-123')).toBe(false);
    expect(hasBearerToken('Bearer tok-12', 'tok-123')).toBe(false);
    expect(hasBearerToken('Bearer tok-1234', 'tok-123')).toBe(false);
    expect(hasBearerToken('Basic tok-123', 'tok-123')).toBe(false);
    expect(hasBearerToken('tok-123', 'tok-123')).toBe(false);
    expect(hasBearerToken('Bearer ', '')).toBe(false);
  });
});

describe('bearerAuth', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    const app = express();
    app.use('/open', bearerAuth(undefined, 'mcpscope-read'), (_req, res) => res.send('open'));
    app.use('/api', bearerAuth('read-token', 'mcpscope-read'), (_req, res) => res.send('secret'));
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('lets everything through when no token is configured', async () => {
    const res = await fetch(`${base}/open`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('open');
  });

  it('answers 401 with a WWW-Authenticate challenge without a token or with a wrong one', async () => {
    const missing = await fetch(`${base}/api/traces`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="mcpscope-read"');
    expect(await missing.json()).toEqual({ error: 'missing bearer token' });

    const wrong = await fetch(`${base}/api/traces`, { headers: { Authorization: 'Bearer ingest-token' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="mcpscope-read", error="invalid_token"');
  });

  it('passes requests carrying the token', async () => {
    const res = await fetch(`${base}/api/traces`, { headers: { Authorization: 'Bearer read-token' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('secret');
  });
});
