import { describe, expect, it } from 'vitest';
import { LineFramer, type LineHandler } from './lineFramer.js';

function frame(chunks: Buffer[], onLine: LineHandler): { out: Buffer; outChunks: number } {
  const framer = new LineFramer(onLine);
  const parts: Buffer[] = [];
  for (const chunk of chunks) {
    const out = framer.push(chunk);
    if (out !== undefined) parts.push(out);
  }
  const rest = framer.end();
  if (rest !== undefined) parts.push(rest);
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
  it('forwards every byte unchanged when nothing is replaced, whatever the chunking', () => {
    for (const size of [1, 2, 3, 7, 40, 1000]) {
      const seen: string[] = [];
      const { out } = frame(cutEvery(input, size), (line) => {
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

  it('replaces only the lines the handler rewrites, keeping the others byte-identical', () => {
    const expected =
      'REQUEST 1\n' +
      'not json at all\r\n' +
      '\n' +
      '{"jsonrpc":"2.0","method":"notifications/initialized"}\n' +
      'REQUEST 2\n' +
      '{"partial":';
    for (const size of [1, 5, 13, 1000]) {
      const { out } = frame(cutEvery(input, size), (line) => {
        const match = /"id":(\d+),"method"/.exec(line.toString());
        return match ? Buffer.from(`REQUEST ${match[1]}`) : undefined;
      });
      expect(out.toString()).toBe(expected);
    }
  });

  it('reassembles a large line that spans many chunks and emits one chunk per input chunk', () => {
    const big = `{"jsonrpc":"2.0","id":3,"result":{"text":"${'x'.repeat(5 * 1024 * 1024)}"}}\n`;
    const lines: number[] = [];
    const chunks = cutEvery(Buffer.from(big + big), 64 * 1024);
    const { out, outChunks } = frame(chunks, (line) => {
      lines.push(line.length);
      return undefined;
    });
    expect(lines).toEqual([big.length - 1, big.length - 1]);
    expect(out.toString()).toBe(big + big);
    expect(outChunks).toBeLessThanOrEqual(chunks.length);
  });

  it('forwards a chunk of whole unchanged lines as the same buffer, without copying', () => {
    const framer = new LineFramer(() => undefined);
    const chunk = Buffer.from('{"a":1}\n{"b":2}\n');
    expect(framer.push(chunk)).toBe(chunk);
    const split = Buffer.from('{"c":3}\n{"d":');
    const head = framer.push(split)!;
    expect(head.buffer).toBe(split.buffer);
    expect(head.toString()).toBe('{"c":3}\n');
    expect(framer.push(Buffer.from('4}'))).toBeUndefined();
    expect(framer.end()!.toString()).toBe('{"d":4}');
  });

  it('keeps forwarding when the handler throws', () => {
    const { out } = frame([input], () => {
      throw new Error('telemetry bug');
    });
    expect(out.equals(input)).toBe(true);
  });
});
