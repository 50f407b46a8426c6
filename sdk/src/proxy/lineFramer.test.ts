import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineFramer, type LineHandler } from './lineFramer.js';

async function frame(chunks: Buffer[], onLine: LineHandler): Promise<{ out: Buffer; outChunks: number }> {
  const framer = new LineFramer(onLine);
  const parts: Buffer[] = [];
  framer.on('data', (b: Buffer) => parts.push(b));
  const done = new Promise((resolve) => framer.on('end', resolve));
  Readable.from(chunks, { objectMode: false }).pipe(framer);
  await done;
  return { out: Buffer.concat(parts), outChunks: parts.length };
}

function cutEvery(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

const input = Buffer.from(
  '{"jsonrpc":"2.0","id":1,"method":"ping"}\n' +
    'not json at all\r\n' +
    '\n' +
    '{"jsonrpc":"2.0","method":"notifications/initialized"}\n' +
    '{"jsonrpc":"2.0","id":2,"method":"tools/list"}\n' +
    '{"partial":',
);

describe('LineFramer', () => {
  it('forwards every byte unchanged when nothing is replaced, whatever the chunking', async () => {
    for (const size of [1, 2, 3, 7, 40, 1000]) {
      const seen: string[] = [];
      const { out } = await frame(cutEvery(input, size), (line) => {
        seen.push(line.toString());
        return undefined;
      });
      expect(out.equals(input)).toBe(true);
      expect(seen).toEqual([
        '{"jsonrpc":"2.0","id":1,"method":"ping"}',
        'not json at all\r',
        '',
        '{"jsonrpc":"2.0","method":"notifications/initialized"}',
        '{"jsonrpc":"2.0","id":2,"method":"tools/list"}',
      ]);
    }
  });

  it('replaces only the lines the handler rewrites, keeping the others byte-identical', async () => {
    const expected =
      'REQUEST 1\n' +
      'not json at all\r\n' +
      '\n' +
      '{"jsonrpc":"2.0","method":"notifications/initialized"}\n' +
      'REQUEST 2\n' +
      '{"partial":';
    for (const size of [1, 5, 13, 1000]) {
      const { out } = await frame(cutEvery(input, size), (line) => {
        const match = /"id":(\d+),"method"/.exec(line.toString());
        return match ? Buffer.from(`REQUEST ${match[1]}`) : undefined;
      });
      expect(out.toString()).toBe(expected);
    }
  });

  it('reassembles a large line that spans many chunks and emits one chunk per input chunk', async () => {
    const big = `{"jsonrpc":"2.0","id":3,"result":{"text":"${'x'.repeat(5 * 1024 * 1024)}"}}\n`;
    const lines: number[] = [];
    const chunks = cutEvery(Buffer.from(big + big), 64 * 1024);
    const { out, outChunks } = await frame(chunks, (line) => {
      lines.push(line.length);
      return undefined;
    });
    expect(lines).toEqual([big.length - 1, big.length - 1]);
    expect(out.toString()).toBe(big + big);
    expect(outChunks).toBeLessThanOrEqual(chunks.length);
  });

  it('keeps forwarding when the handler throws', async () => {
    const { out } = await frame([input], () => {
      throw new Error('telemetry bug');
    });
    expect(out.equals(input)).toBe(true);
  });
});
