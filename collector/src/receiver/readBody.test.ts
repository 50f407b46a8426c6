/**
 * readBody over real HTTP: whatever the body and however the request ends, the read settles — with
 * the body, or with an error the router can answer (or knows it cannot).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawConnection, requestHead } from '../../../test/collector/helpers/rawHttp.js';
import { CorruptBodyError, RequestAbortedError, readBody } from './readBody.js';

let server: Server;
let port: number;
/** The outcome of the last read: the body, or the error it failed with. */
let outcome: Promise<Buffer | Error>;

beforeAll(async () => {
  server = createServer((req, res) => {
    const read = readBody(req, 1024 * 1024);
    outcome = read.then(
      (b) => b,
      (e: unknown) => e as Error,
    );
    read.then(
      (body) => res.end(`read ${body.length} bytes`),
      (error: unknown) => {
        res.statusCode = 400;
        res.end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const settled = <T>(p: Promise<T>, ms = 2_000): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('never settled')), ms))]);

async function send(encoding: string, body: Buffer): Promise<Buffer | Error> {
  const c = await RawConnection.open(port);
  c.write(requestHead('/', { 'content-encoding': encoding, 'content-length': body.length }));
  c.write(body);
  await c.response();
  c.destroy();
  return settled(outcome);
}

describe('readBody', () => {
  it('decodes zlib and raw deflate, and settles when bytes follow the end of the stream', async () => {
    const text = Buffer.from('y'.repeat(5000));
    const garbage = randomBytes(300);
    expect(await send('deflate', deflateSync(text))).toEqual(text);
    expect(await send('deflate', deflateRawSync(text))).toEqual(text);
    // Bytes after the end of the deflate stream are ignored (they used to leave the read hanging).
    expect(await send('deflate', Buffer.concat([deflateSync(text), garbage]))).toEqual(text);
    expect(await send('deflate', Buffer.concat([deflateRawSync(text), garbage]))).toEqual(text);
  });

  it('decodes gzip and Brotli bodies', async () => {
    const text = Buffer.from('x'.repeat(5000));
    expect(await send('gzip', gzipSync(text))).toEqual(text);
    expect(await send('br', brotliCompressSync(text))).toEqual(text);
  });

  it('reports every decoder error as a corrupt body, Brotli’s ERR_* codes included', async () => {
    const cases: [string, Buffer][] = [
      ['br', Buffer.from('not brotli at all, really not')],
      ['br', brotliCompressSync(Buffer.alloc(1000, 'a')).subarray(0, 5)],
      ['gzip', Buffer.from('not gzip')],
      ['gzip', gzipSync(Buffer.alloc(1000)).subarray(0, 20)],
      ['deflate', Buffer.from('not deflate')],
    ];
    for (const [encoding, body] of cases) {
      const error = await send(encoding, body);
      expect(error, encoding).toBeInstanceOf(CorruptBodyError);
      expect((error as Error).message).toMatch(new RegExp(`cannot decompress the ${encoding} body`));
    }
  });

  it('settles with RequestAbortedError when the client goes away mid-body, compressed or not', async () => {
    // Incompressible content: the first bytes sent are a valid start of the compressed stream.
    const content = randomBytes(10_000);
    const bodies = { gzip: gzipSync(content), br: brotliCompressSync(content), identity: content };
    for (const [encoding, body] of Object.entries(bodies)) {
      const c = await RawConnection.open(port);
      c.write(requestHead('/', { 'content-encoding': encoding, 'content-length': body.length }));
      c.write(body.subarray(0, 10));
      await new Promise((resolve) => setTimeout(resolve, 50));
      c.destroy();
      expect(await settled(outcome), encoding).toBeInstanceOf(RequestAbortedError);
    }
  });
});
