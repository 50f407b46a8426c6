/**
 * The drain over real HTTP: a node:http server with the drain in front of a handler, and raw
 * connections (test/collector/helpers/rawHttp.ts) that hold requests in every state a shutdown meets —
 * idle keep-alive, a request in flight, headers still arriving, a body dripping, spans being committed.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RawConnection, requestHead } from '../../../test/collector/helpers/rawHttp.js';
import { HttpDrain, holdThroughDrain } from './drain.js';

let servers: Server[] = [];
afterEach(() => {
  for (const s of servers) s.closeAllConnections();
  servers = [];
});

async function serve(
  handler: RequestListener,
): Promise<{ server: Server; drain: HttpDrain; port: number; logs: string[] }> {
  const server = createServer();
  const logs: string[] = [];
  const drain = new HttpDrain(server, handler, { log: (m) => logs.push(m), retryAfterSeconds: 7 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { server, drain, port: (server.address() as AddressInfo).port, logs };
}

const ok: RequestListener = (req, res) => {
  req.resume();
  req.on('end', () => res.end('ok'));
};

const GET = requestHead('/', {}, 'GET');

describe('HttpDrain', () => {
  it('closes idle keep-alive connections and the listener at once', async () => {
    const { drain, port } = await serve(ok);
    const idle = await RawConnection.open(port);
    idle.write(GET);
    expect((await idle.response())?.status).toBe(200);

    const started = performance.now();
    const drained = drain.close(10_000);
    await idle.closed;
    await drained;
    expect(performance.now() - started).toBeLessThan(1_000);
    await expect(RawConnection.open(port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('finishes a request in flight with Connection: close and refuses one arriving during the drain', async () => {
    let release = (): void => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const { drain, port } = await serve((req, res) => {
      req.resume();
      void released.then(() => res.end('done'));
    });
    const inFlight = await RawConnection.open(port);
    inFlight.write(GET);
    // Headers still on their way when the drain begins: the request arrives during it.
    const late = await RawConnection.open(port);
    late.write('POST /v1/traces HTTP/1.1\r\nhost: localhost\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));

    const drained = drain.close(10_000);
    late.write('content-type: application/json\r\ncontent-length: 2\r\n\r\n{}');
    const refused = await late.response();
    expect(refused?.status).toBe(503);
    expect(refused?.headers['retry-after']).toBe('7');
    expect(refused?.headers['connection']).toBe('close');
    expect(JSON.parse(refused?.body.toString() ?? '')).toEqual({
      error: 'the collector is shutting down; retry later',
    });
    await late.closed;

    release();
    const answered = await inFlight.response();
    expect(answered?.status).toBe(200);
    expect(answered?.body.toString()).toBe('done');
    expect(answered?.headers['connection']).toBe('close');
    await inFlight.closed;
    await drained;
  });

  it('closes a connection still sending its body when the grace period ends', async () => {
    const { drain, port, logs } = await serve(ok);
    const dripping = await RawConnection.open(port);
    dripping.write(requestHead('/v1/traces', { 'content-type': 'application/json', 'content-length': 100 }));
    dripping.drip(Buffer.alloc(100, 0x20), 20);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = performance.now();
    await drain.close(300);
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(1_000);
    await dripping.closed;
    expect(await dripping.response()).toBeUndefined();
    expect(logs.join('\n')).toMatch(/grace period over: closed 1 connection/);
  });

  it('waits past the grace period for a request whose spans are being committed', async () => {
    const { drain, port, logs } = await serve((req, res) => {
      req.resume();
      req.on('end', () => {
        holdThroughDrain(res);
        setTimeout(() => res.end('committed'), 600);
      });
    });
    const committing = await RawConnection.open(port);
    committing.write(GET);
    await new Promise((resolve) => setTimeout(resolve, 50));

    const started = performance.now();
    const drained = drain.close(100);
    const answer = await committing.response();
    expect(answer?.status).toBe(200);
    expect(answer?.body.toString()).toBe('committed');
    expect(answer?.headers['connection']).toBe('close');
    await drained;
    expect(performance.now() - started).toBeGreaterThanOrEqual(500);
    expect(logs.join('\n')).toMatch(/waiting for 1 request\(s\) whose spans are being committed/);
  });
});
