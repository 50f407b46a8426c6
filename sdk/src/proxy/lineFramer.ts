import { Transform, type TransformCallback } from 'node:stream';

const NEWLINE = 0x0a;
const NEWLINE_BUFFER = Buffer.from('\n');

/**
 * Looks at one complete line (without its `\n`). Returns the bytes to send instead, or undefined to
 * forward the original bytes untouched.
 */
export type LineHandler = (line: Buffer) => Buffer | undefined;

/**
 * Newline-delimited JSON framing for the stdio proxy. Lines are handed to the handler as soon as they
 * are complete (a line may span many chunks, a chunk may hold many lines); everything the handler does
 * not replace goes out byte for byte, and each input chunk leaves as at most one output chunk so the
 * proxy adds no extra writes. A trailing partial line at end of input is forwarded as is.
 */
export class LineFramer extends Transform {
  private pending: Buffer[] = [];

  constructor(private readonly onLine: LineHandler) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const out: Buffer[] = [];
    // [copyFrom, lineStart) is a run of complete lines of this chunk that leave unchanged.
    let copyFrom = 0;
    let lineStart = 0;
    let newline = chunk.indexOf(NEWLINE);
    while (newline !== -1) {
      const joined = this.pending.length > 0;
      const line = joined
        ? Buffer.concat([...this.pending, chunk.subarray(0, newline)])
        : chunk.subarray(lineStart, newline);
      const replacement = this.handle(line);
      if (replacement === undefined) {
        if (joined) out.push(...this.pending);
      } else {
        if (!joined && copyFrom < lineStart) out.push(chunk.subarray(copyFrom, lineStart));
        out.push(replacement, NEWLINE_BUFFER);
        copyFrom = newline + 1;
      }
      this.pending = [];
      lineStart = newline + 1;
      newline = chunk.indexOf(NEWLINE, lineStart);
    }
    if (copyFrom < lineStart) out.push(chunk.subarray(copyFrom, lineStart));
    if (lineStart < chunk.length) this.pending.push(chunk.subarray(lineStart));
    if (out.length === 1) this.push(out[0]);
    else if (out.length > 1) this.push(Buffer.concat(out));
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.pending.length > 0) this.push(Buffer.concat(this.pending));
    this.pending = [];
    callback();
  }

  private handle(line: Buffer): Buffer | undefined {
    try {
      return this.onLine(line);
    } catch {
      // The handler is telemetry: a failure there must never stop or alter the byte stream.
      return undefined;
    }
  }
}
