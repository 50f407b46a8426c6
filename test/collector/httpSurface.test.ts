/**
 * The collector's HTTP surface, as a sender, a browser or a prober meets it: the real `mcpscope start`
 * process, over real connections. Every request gets an answer whatever its body — a corrupt
 * compressed body at once, a body dripped too slowly a 408 within MCPSCOPE_BODY_TIMEOUT_MS — and
 * no answer carries the storage engine's internals or the data directory.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { startCollector, type TestCollector } from '../helpers/collector.js';
import { otlpRequest } from './helpers/otlpRequest.js';
import { RawConnection, requestHead } from './helpers/rawHttp.js';

const BODY_TIMEOUT_MS = 1_500;
let collector: TestCollector;

beforeAll(async () => {
  collector = await startCollector({ env: { MCPSCOPE_BODY_TIMEOUT_MS: String(BODY_TIMEOUT_MS) } });
});

afterAll(async () => {
  await collector?.stop();
});

const PROTO = 'application/x-protobuf';

describe('OTLP bodies', () => {
  it('answers a corrupt gzip, deflate or Brotli body 400 with a google.rpc.Status, at once', async () => {
    const body = otlpRequest(5).body;
    const cases: [string, Buffer][] = [
      ['br', Buffer.from('not brotli at all, really not')],
      ['br', brotliCompressSync(body).subarray(0, 8)],
      ['gzip', Buffer.from('not gzip at all')],
      ['gzip', gzipSync(body).subarray(0, 20)],
      ['deflate', Buffer.from('not deflate')],
      ['deflate', deflateSync(body).subarray(0, 12)],
    ];
    for (const [encoding, compressed] of cases) {
      const started = performance.now();
      const res = await fetch(`${collector.url}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        body: compressed,
        signal: AbortSignal.timeout(5_000),
      });
      const took = performance.now() - started;
      expect(res.status, encoding).toBe(400);
      expect(await res.json()).toEqual({
        code: 3,
        message: expect.stringMatching(new RegExp(`^cannot decompress the ${encoding} body`)),
      });
      expect(took, `${encoding}: ${took.toFixed(0)} ms`).toBeLessThan(1_000);
    }
  });

  it('answers a body dripped slower than MCPSCOPE_BODY_TIMEOUT_MS with 408 and closes the connection', async () => {
    for (const encoding of ['identity', 'gzip']) {
      const body = encoding === 'gzip' ? gzipSync(otlpRequest(5).body) : otlpRequest(5).body;
      const c = await RawConnection.open(collector.port);
      const started = performance.now();
      c.write(
        requestHead('/v1/traces', {
          'content-type': PROTO,
          'content-encoding': encoding,
          'content-length': body.length,
        }),
      );
      c.drip(body, 100);
      const res = await c.response(BODY_TIMEOUT_MS + 5_000);
      await c.closed;
      const took = performance.now() - started;
      expect(res?.status, encoding).toBe(408);
      expect(took, encoding).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 50);
      // Checked every timeout / 10: the answer comes a fraction of a second after the bound.
      expect(took, encoding).toBeLessThan(BODY_TIMEOUT_MS + 1_500);
    }
  });

  it('still takes requests on a fresh connection after cutting one off', async () => {
    const request = otlpRequest(3);
    const res = await fetch(`${collector.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': PROTO },
      body: request.body,
    });
    expect(res.status).toBe(200);
  });
});

describe('API errors', () => {
  it('answers bad parameters 400 with our own message, never the engine’s', async () => {
    const cases: [string, RegExp][] = [
      ['/api/overview?to=0', /time range must start at 1970-01-01/],
      ['/api/traces?to=0', /time range must start at 1970-01-01/],
      ['/api/traces?minDurationMs=1e300', /"minDurationMs" must be a number from 0 to 1000000000/],
      ['/api/traces?from=0000-01-01T00:00:00Z', /"from" must be a time from 1970/],
      ['/api/errors?to=99999999999999', /"to" must be a time from 1970/],
      ['/api/traces/%ZZ', /^malformed URL: invalid percent-encoding$/],
      ['/api/traces/abc', /traceId must be 32 hex characters/],
    ];
    for (const [path, message] of cases) {
      const res = await fetch(collector.url + path);
      const text = await res.text();
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect((JSON.parse(text) as { error: string }).error, path).toMatch(message);
      expect(text, path).not.toMatch(/Code: \d+|DB::|Exception|ClickHouse|\.cpp/);
    }
  });
});

describe('/readyz', () => {
  it('names the storage engine without the data directory', async () => {
    const res = await fetch(`${collector.url}/readyz`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      status: 'ready',
      storage: expect.stringMatching(/^embedded ClickHouse \d+\.\d+/),
    });
    expect(text).not.toContain(collector.dataDir);
    expect(text).not.toContain('/');
  });
});

describe('security headers', () => {
  it('are on the dashboard, its assets, the API and the probes', async () => {
    const paths = ['/', '/traces/0123', '/api/traces', '/api/nothing', '/healthz', '/readyz'];
    const index = await (await fetch(`${collector.url}/`)).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    if (asset) paths.push(asset);
    for (const path of paths) {
      const res = await fetch(collector.url + path);
      await res.arrayBuffer();
      expect(res.headers.get('content-security-policy'), path).toMatch(
        /default-src 'self'.*script-src 'self'.*frame-ancestors 'none'/,
      );
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
  });
});
