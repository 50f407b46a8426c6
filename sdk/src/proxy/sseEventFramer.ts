import { ByteFramer } from './ByteFramer.js';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Looks at one complete server-sent event, as raw bytes up to and including the blank line that ends
 * it. Returns the bytes to send instead, or undefined to forward the original bytes untouched.
 */
export type SseEventHandler = (event: Buffer) => Buffer | undefined;

/**
 * Event framing of a `text/event-stream` body (WHATWG HTML, "Parsing an event stream": lines end with
 * CRLF, LF or CR, an empty line ends an event), at the byte level so that what the handler does not
 * replace goes out byte for byte. Like the stdio proxy's line framing it is not a stream: the HTTP proxy
 * feeds it each chunk as it arrives and writes what comes back. Complete events leave at once; only the
 * unfinished event at the end of a chunk is held back until its blank line arrives — an event stream
 * client dispatches nothing before that line either, so holding it delays nothing the agent could use.
 */
export class SseEventFramer extends ByteFramer {
  /** Nothing but line ends since the last line end: the next line end is a blank line. */
  private atLineStart = true;
  /** The last byte seen was a CR: an LF right after it belongs to the same line end. */
  private afterCr = false;

  constructor(onEvent: SseEventHandler) {
    super(onEvent);
  }

  /** Frames one chunk. Returns the bytes to forward now, or undefined when there are none. */
  override push(chunk: Buffer): Buffer | undefined {
    let out: Buffer[] | undefined;
    // [copyFrom, eventStart) is a run of this chunk's bytes that leave unchanged.
    let copyFrom = 0;
    let eventStart = 0;
    // Native scans for the two line-end bytes; the loop below only visits line ends.
    let nextLf = chunk.indexOf(LF);
    let nextCr = chunk.indexOf(CR);
    let i = 0;
    for (;;) {
      if (nextLf !== -1 && nextLf < i) nextLf = chunk.indexOf(LF, i);
      if (nextCr !== -1 && nextCr < i) nextCr = chunk.indexOf(CR, i);
      const end = nextLf === -1 ? nextCr : nextCr === -1 ? nextLf : Math.min(nextLf, nextCr);
      if (end === -1) {
        if (i < chunk.length) {
          this.atLineStart = false;
          this.afterCr = false;
        }
        break;
      }
      if (end > i) {
        this.atLineStart = false;
        this.afterCr = false;
      }
      i = end + 1;
      if (chunk[end] === LF && this.afterCr) {
        this.afterCr = false;
        // The LF of a CRLF whose CR ended the previous event: it goes out with that event's bytes.
        if (eventStart === end && this.pending.length === 0) eventStart = i;
        continue;
      }
      this.afterCr = chunk[end] === CR;
      if (!this.atLineStart) {
        this.atLineStart = true;
        continue;
      }
      const joined = this.pending.length > 0;
      const event = joined
        ? Buffer.concat([...this.pending, chunk.subarray(0, i)])
        : chunk.subarray(eventStart, i);
      const replacement = this.handle(event);
      if (replacement === undefined) {
        if (joined) (out ??= []).push(...this.pending);
      } else {
        out ??= [];
        if (!joined && copyFrom < eventStart) out.push(chunk.subarray(copyFrom, eventStart));
        out.push(replacement);
        copyFrom = i;
      }
      if (joined) this.pending = [];
      eventStart = i;
    }
    if (eventStart < chunk.length) this.pending.push(chunk.subarray(eventStart));
    if (out === undefined) return eventStart === 0 ? undefined : chunk.subarray(0, eventStart);
    if (copyFrom < eventStart) out.push(chunk.subarray(copyFrom, eventStart));
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }
}
