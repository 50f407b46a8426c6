/**
 * What the stdio proxy's line framing and the HTTP proxy's event-stream framing share: the bytes of an
 * unfinished unit (line or event) held back between chunks, and a handler that is telemetry — it may
 * replace a complete unit, and a failure inside it must never stop or alter the byte stream.
 */
export abstract class ByteFramer {
  protected pending: Buffer[] = [];

  /** @param onUnit returns the bytes to send instead of a complete unit, or undefined to forward it. */
  constructor(private readonly onUnit: (unit: Buffer) => Buffer | undefined) {}

  /** Frames one chunk. Returns the bytes to forward now, or undefined when there are none. */
  abstract push(chunk: Buffer): Buffer | undefined;

  /** The input is over: returns an unfinished last unit, unchanged, if there is one. */
  end(): Buffer | undefined {
    const rest = this.pending;
    this.pending = [];
    if (rest.length === 0) return undefined;
    return rest.length === 1 ? rest[0] : Buffer.concat(rest);
  }

  protected handle(unit: Buffer): Buffer | undefined {
    try {
      return this.onUnit(unit);
    } catch {
      return undefined;
    }
  }
}
