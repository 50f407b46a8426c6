import { ByteFramer } from './ByteFramer.js';

const NEWLINE = 0x0a;
const NEWLINE_BUFFER = Buffer.from('\n');

/**
 * Looks at one complete line (without its `\n`). Returns the bytes to send instead, or undefined to
 * forward the original bytes untouched, or {@link DROP_LINE} to send nothing for it.
 */
export type LineHandler = (line: Buffer) => Buffer | undefined;

/** A handler's answer for a line that must not be forwarded at all (not even its newline). */
export const DROP_LINE: Buffer = Buffer.alloc(0);

/**
 * Newline-delimited JSON framing for the stdio proxy. It is not a stream: the proxy feeds it chunks from
 * a `data` listener and writes what comes back itself, so a message crosses the proxy in the same tick
 * it arrived, without the Transform machinery in between. Lines are handed to the handler as soon as
 * they are complete (a line may span many chunks, a chunk may hold many lines); everything the handler
 * does not replace goes out byte for byte, and each input chunk leaves as at most one output buffer so
 * the proxy adds no extra writes. A partial line is held back until its end arrives (it may be a request
 * that needs rewriting), and forwarded as is by {@link LineFramer.end}.
 */
export class LineFramer extends ByteFramer {
  constructor(onLine: LineHandler) {
    super(onLine);
  }

  /** Frames one chunk. Returns the bytes to forward now, or undefined when no line was completed. */
  override push(chunk: Buffer): Buffer | undefined {
    let newline = chunk.indexOf(NEWLINE);
    if (newline === -1) {
      if (chunk.length > 0) this.pending.push(chunk);
      return undefined;
    }
    let out: Buffer[] | undefined;
    // [copyFrom, lineStart) is a run of complete lines of this chunk that leave unchanged.
    let copyFrom = 0;
    let lineStart = 0;
    while (newline !== -1) {
      const joined = this.pending.length > 0;
      const line = joined
        ? Buffer.concat([...this.pending, chunk.subarray(0, newline)])
        : chunk.subarray(lineStart, newline);
      const replacement = this.handle(line);
      if (replacement === undefined) {
        if (joined) (out ??= []).push(...this.pending);
      } else {
        out ??= [];
        if (!joined && copyFrom < lineStart) out.push(chunk.subarray(copyFrom, lineStart));
        if (replacement !== DROP_LINE) out.push(replacement, NEWLINE_BUFFER);
        copyFrom = newline + 1;
      }
      if (joined) this.pending = [];
      lineStart = newline + 1;
      newline = chunk.indexOf(NEWLINE, lineStart);
    }
    if (lineStart < chunk.length) this.pending.push(chunk.subarray(lineStart));
    // The common case, whole unchanged lines, forwards the chunk itself: no copy.
    if (out === undefined) return lineStart === chunk.length ? chunk : chunk.subarray(0, lineStart);
    if (copyFrom < lineStart) out.push(chunk.subarray(copyFrom, lineStart));
    return out.length === 1 ? out[0] : Buffer.concat(out);
  }
}
