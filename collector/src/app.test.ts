/**
 * The collector's HTTP server bounds: a node:http server with the options startCollector uses, over
 * real connections. (The whole collector is exercised the same way, as a process, in
 * test/collector/httpSurface.test.ts.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawConnection, requestHead } from '../../test/collector/helpers/rawHttp.js';
import { httpServerOptions } from './app.js';

const BODY_TIMEOUT_MS = 400;
let server: Server;
let port: number;

beforeAll(async () => {
  // Reads the body, then takes three body timeouts to answer, as a request waiting for its commit.
  server = createServer(httpServerOptions(BODY_TIMEOUT_MS), (req, res) => {
    req.resume();
    req.on('end', () => setTimeout(() => res.end('committed'), 3 * BODY_TIMEOUT_MS));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('httpServerOptions', () => {
  it('answers 408 and closes the connection when a body arrives too slowly', async () => {
    const c = await RawConnection.open(port);
    const started = performance.now();
    c.write(requestHead('/v1/traces', { 'content-type': 'application/x-protobuf', 'content-length': 100 }));
    c.drip(Buffer.alloc(100), 50);
    const res = await c.response();
    const took = performance.now() - started;
    expect(res?.status).toBe(408);
    expect(res?.headers['connection']).toBe('close');
    await c.closed;
    expect(took).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 10);
    // The check runs every timeout / 10 (here at the 50 ms floor).
    expect(took).toBeLessThan(BODY_TIMEOUT_MS + 500);
  });

  it('does not count the time a request waits for its answer once its body has arrived', async () => {
    const c = await RawConnection.open(port);
    const started = performance.now();
    c.write(requestHead('/v1/traces', { 'content-type': 'application/json', 'content-length': 2 }) + '{}');
    const res = await c.response();
    expect(res?.status).toBe(200);
    expect(res?.body.toString()).toBe('committed');
    expect(performance.now() - started).toBeGreaterThanOrEqual(3 * BODY_TIMEOUT_MS - 10);
    c.destroy();
  });

  it('keeps the header bound within the request bound, as Node requires', () => {
    expect(httpServerOptions(30_000)).toEqual({
      requestTimeout: 30_000,
      headersTimeout: 30_000,
      connectionsCheckingInterval: 1_000,
    });
    expect(httpServerOptions(120_000).headersTimeout).toBe(60_000);
  });
});
