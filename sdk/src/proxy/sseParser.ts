import { StringDecoder } from 'node:string_decoder';

/** One server-sent event. */
export interface SseEvent {
  /** `event:` field; `message` when absent. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** `id:` field, if any. */
  id?: string;
}

/**
 * Incremental `text/event-stream` parser (WHATWG HTML, "Parsing an event stream"): feed it chunks as
 * they arrive, it calls back once per complete event. It only reads: the proxy forwards the original
 * chunks itself, so nothing here delays the stream.
 */
export class SseParser {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';
  private skipLineFeed = false;
  private data: string[] = [];
  private event = '';
  private id: string | undefined;

  constructor(private readonly onEvent: (event: SseEvent) => void) {}

  /** Feeds the next chunk of the stream. */
  push(chunk: Buffer): void {
    this.feed(this.decoder.write(chunk));
  }

  /** The stream ended: an event without its blank line is dropped, as the spec says. */
  end(): void {
    this.feed(this.decoder.end());
    this.buffer = '';
    this.data = [];
  }

  private feed(text: string): void {
    if (text.length === 0) return;
    if (this.skipLineFeed) {
      this.skipLineFeed = false;
      if (text.charCodeAt(0) === 0x0a) text = text.slice(1);
    }
    // Scan only the new text: the buffered part is known to hold no line end.
    const scanFrom = this.buffer.length;
    const s = this.buffer + text;
    let start = 0;
    for (let i = scanFrom; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      this.line(s.slice(start, i));
      if (c === 0x0d) {
        if (i + 1 === s.length) this.skipLineFeed = true;
        else if (s.charCodeAt(i + 1) === 0x0a) i++;
      }
      start = i + 1;
    }
    this.buffer = s.slice(start);
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.charCodeAt(0) === 0x3a) return; // comment (keep-alive)
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\u0000')) this.id = value;
  }

  private dispatch(): void {
    if (this.data.length > 0) {
      const event: SseEvent = { event: this.event || 'message', data: this.data.join('\n') };
      if (this.id !== undefined) event.id = this.id;
      this.onEvent(event);
    }
    this.data = [];
    this.event = '';
  }
}
