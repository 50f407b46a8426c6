import { describe, expect, it } from 'vitest';
import { StringCache } from './stringCache.js';

/** The bytes of `parts` one after another, and where each lies. */
function layout(parts: (string | Buffer)[]): { buf: Buffer; ranges: [number, number][] } {
  const buffers = parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p));
  const ranges: [number, number][] = [];
  let at = 0;
  for (const b of buffers) {
    ranges.push([at, at + b.length]);
    at += b.length;
  }
  return { buf: Buffer.concat(buffers), ranges };
}

describe('StringCache', () => {
  it('decodes exactly what toString decodes, for repeated, distinct, non-ASCII and invalid bytes', () => {
    const parts: (string | Buffer)[] = [
      'mcp.method.name',
      'mcpscope.transport.request_bytes',
      'mcpscope.transport.response_bytes',
      'mcp.method.name',
      'tools/call',
      'héllo wörld',
      'ツール',
      '🙂 emoji',
      Buffer.from([0x61, 0xff, 0x62]),
      Buffer.from([0xc3]),
      'a',
      '',
      'x'.repeat(100),
      'mcp.method.name',
    ];
    const { buf, ranges } = layout(parts);
    const cache = new StringCache(64);
    for (let round = 0; round < 3; round++) {
      for (const [start, end] of ranges) {
        expect(cache.get(buf, start, end)).toBe(buf.toString('utf8', start, end));
      }
    }
  });

  it('stays correct when many keys share length and sampled bytes (collisions only cost misses)', () => {
    // Same length, same first/middle/last bytes: every key below lands in few slots.
    const keys = Array.from({ length: 500 }, (_, i) => `k${String(i).padStart(3, '0')}_____________z`);
    const { buf, ranges } = layout([...keys, ...keys.reverse()]);
    const cache = new StringCache(64);
    for (const [start, end] of ranges)
      expect(cache.get(buf, start, end)).toBe(buf.toString('utf8', start, end));
  });

  it('never returns a cached string for bytes that differ from it', () => {
    const { buf, ranges } = layout([
      'session-aaaa',
      'session-aaab',
      'session-aaaa',
      Buffer.from('session-aa\u00e9', 'latin1'),
    ]);
    const cache = new StringCache(24);
    const got = ranges.map(([s, e]) => cache.get(buf, s, e));
    expect(got).toEqual(ranges.map(([s, e]) => buf.toString('utf8', s, e)));
  });
});
