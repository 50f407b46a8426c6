import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from './sseParser.js';

function parseChunks(chunks: Array<string | Buffer>): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser((e) => events.push(e));
  for (const chunk of chunks) parser.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  parser.end();
  return events;
}

describe('SseParser', () => {
  it('parses events with ids, types, comments and multi-line data', () => {
    expect(
      parseChunks([': keep-alive\n\nevent: message\nid: 7\ndata: {"a":1}\n\ndata: x\ndata:y\n\n']),
    ).toEqual([
      { event: 'message', id: '7', data: '{"a":1}' },
      { event: 'message', id: '7', data: 'x\ny' },
    ]);
  });

  it('handles events and line ends split across chunks, including CRLF split between CR and LF', () => {
    const whole = 'event: message\r\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\r\n\r\ndata: two\r\n\r\n';
    const single = parseChunks([whole]);
    for (let cut = 1; cut < whole.length; cut++) {
      expect(parseChunks([whole.slice(0, cut), whole.slice(cut)])).toEqual(single);
    }
    expect(single.map((e) => e.data)).toEqual(['{"jsonrpc":"2.0","id":1,"result":{}}', 'two']);
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const bytes = Buffer.from('data: {"t":"héllo ✓"}\n\n');
    const cut = bytes.indexOf(0xe2) + 1; // inside the three bytes of ✓
    expect(parseChunks([bytes.subarray(0, cut), bytes.subarray(cut)])[0]?.data).toBe('{"t":"héllo ✓"}');
  });

  it('drops an event that never got its blank line', () => {
    expect(parseChunks(['data: complete\n\ndata: cut off'])).toEqual([
      { event: 'message', data: 'complete' },
    ]);
  });
});
