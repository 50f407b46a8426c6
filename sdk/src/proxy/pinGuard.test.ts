import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createPinFile } from '../pins/pinFile.js';
import { inMemoryTracing } from '../testing/otel.js';
import { startStdioProxy, type StdioProxyHandle } from './stdioProxy.js';

/** Waits for what arrives a moment later (a process start, a notification); the wait is not measured. */
const POLL = { timeout: 60_000 };

// The stdio proxy in this process, in front of a server that writes raw lines: how block mode treats
// answers it cannot check. The server is a real child process; it answers tools/list with a line a
// lenient JSON reader would take (NaN) but JSON.parse refuses, then answers ping normally.

const { provider } = inMemoryTracing();
const tracer = provider.getTracer('pin-guard-test');

const RAW_SERVER = `
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const msg = JSON.parse(line);
  if (msg.method === 'tools/list')
    process.stdout.write('{"jsonrpc":"2.0","id":' + JSON.stringify(msg.id) + ',"result":{"tools":[{"name":"evil","inputSchema":{"type":"object","maximum":NaN}}]}}\\n');
  else if (msg.method === 'ping')
    process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: {} }) + '\\n');
});
`;

let proxy: StdioProxyHandle | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

function start(onDrift: 'block' | 'warn'): { input: PassThrough; lines: string[] } {
  const input = new PassThrough();
  const output = new PassThrough();
  const lines: string[] = [];
  let rest = '';
  output.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
  });
  proxy = startStdioProxy({
    command: process.execPath,
    args: ['-e', RAW_SERVER],
    tracer,
    input,
    output,
    pins: { file: createPinFile({}, [{ name: 'evil', inputSchema: { type: 'object' } }]), onDrift },
  });
  return { input, lines };
}

describe('block mode on stdio, in front of a server whose answers cannot be parsed', () => {
  it('drops a line it cannot check while a tools/list is in flight', async () => {
    const { input, lines } = start('block');
    input.write('{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}\n');
    input.write('{"jsonrpc":"2.0","id":2,"method":"ping"}\n');
    // The server answers in order; the ping's answer arriving alone shows the first line was dropped.
    await expect.poll(() => lines.length, POLL).toBeGreaterThan(0);
    expect(lines).toEqual(['{"jsonrpc":"2.0","id":2,"result":{}}']);
  });

  it('passes the same line unchanged in warn mode', async () => {
    const { input, lines } = start('warn');
    input.write('{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}\n');
    input.write('{"jsonrpc":"2.0","id":2,"method":"ping"}\n');
    await expect.poll(() => lines.length, POLL).toBe(2);
    expect(lines[0]).toContain('"maximum":NaN');
  });
});
