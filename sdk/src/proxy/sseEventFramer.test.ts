import { describe, expect, it } from 'vitest';
import { parseSseEvent, withSseData, type SseEvent } from './sseEvent.js';
import { SseEventFramer } from './sseEventFramer.js';

/** Frames `chunks`, returning the events as the handler saw them and the bytes forwarded. */
function frame(
  chunks: Array<string | Buffer>,
  replace?: (event: Buffer) => Buffer | undefined,
): { events: string[]; out: string } {
  const events: string[] = [];
  const framer = new SseEventFramer((event) => {
    events.push(event.toString('utf8'));
    return replace?.(event);
  });
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    const forwarded = framer.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    if (forwarded !== undefined) out.push(forwarded);
  }
  const rest = framer.end();
  if (rest !== undefined) out.push(rest);
  return { events, out: Buffer.concat(out).toString('utf8') };
}

const parsed = (events: string[]): Array<SseEvent | undefined> =>
  events.map((e) => parseSseEvent(Buffer.from(e)));

describe('SseEventFramer', () => {
  it('hands over each event with its blank line and forwards every byte unchanged', () => {
    const stream = ': keep-alive\n\nevent: message\nid: 7\ndata: {"a":1}\n\ndata: x\ndata:y\n\n';
    const { events, out } = frame([stream]);
    expect(out).toBe(stream);
    expect(events).toEqual([
      ': keep-alive\n\n',
      'event: message\nid: 7\ndata: {"a":1}\n\n',
      'data: x\ndata:y\n\n',
    ]);
    expect(parsed(events)).toEqual([
      undefined,
      { event: 'message', id: '7', data: '{"a":1}' },
      { event: 'message', data: 'x\ny' },
    ]);
  });

  it('frames alike wherever the chunks are cut, CRLF and bare CR included', () => {
    for (const stream of [
      'event: message\r\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\r\n\r\ndata: two\r\n\r\n',
      'data: one\r\rdata: two\r\r',
      'data: one\n\r\ndata: two\r\n\n',
    ]) {
      const whole = frame([stream]);
      expect(whole.out).toBe(stream);
      expect(parsed(whole.events).filter(Boolean)).toHaveLength(2);
      for (let cut = 1; cut < stream.length; cut++) {
        const split = frame([stream.slice(0, cut), stream.slice(cut)]);
        expect(split.out, `cut at ${cut}`).toBe(stream);
        expect(parsed(split.events), `cut at ${cut}`).toEqual(parsed(whole.events));
      }
    }
  });

  it('holds back only the unfinished event at the end of a chunk', () => {
    const framer = new SseEventFramer(() => undefined);
    expect(framer.push(Buffer.from('data: a\n\ndata: b'))?.toString()).toBe('data: a\n\n');
    expect(framer.push(Buffer.from('c\n'))).toBeUndefined();
    expect(framer.push(Buffer.from('\n'))?.toString()).toBe('data: bc\n\n');
    expect(framer.push(Buffer.from('data: cut off'))).toBeUndefined();
    expect(framer.end()?.toString()).toBe('data: cut off');
  });

  it('keeps multi-byte characters split across chunks intact', () => {
    const bytes = Buffer.from('data: {"t":"héllo ✓"}\n\n');
    const cut = bytes.indexOf(0xe2) + 1; // inside the three bytes of ✓
    const { events, out } = frame([bytes.subarray(0, cut), bytes.subarray(cut)]);
    expect(out).toBe('data: {"t":"héllo ✓"}\n\n');
    expect(parsed(events)[0]?.data).toBe('{"t":"héllo ✓"}');
  });

  it('replaces the events the handler rewrites and nothing else, keeping ids and line ends', () => {
    const stream =
      'id: 1\r\ndata: keep\r\n\r\nid: 2\r\nevent: message\r\ndata: old\r\ndata: more\r\n\r\n: ping\r\n\r\n';
    const replace = (event: Buffer): Buffer | undefined =>
      parseSseEvent(event)?.data.startsWith('old') ? withSseData(event, '{"new":true}') : undefined;
    for (let cut = 1; cut < stream.length; cut++) {
      const { out } = frame([stream.slice(0, cut), stream.slice(cut)], replace);
      expect(out, `cut at ${cut}`).toBe(
        'id: 1\r\ndata: keep\r\n\r\nid: 2\r\nevent: message\r\ndata: {"new":true}\r\n\r\n: ping\r\n\r\n',
      );
    }
  });

  it('forwards the original bytes when the handler throws', () => {
    const { out } = frame(['data: a\n\n'], () => {
      throw new Error('telemetry bug');
    });
    expect(out).toBe('data: a\n\n');
  });
});
