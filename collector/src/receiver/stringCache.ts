/**
 * Reuses the strings a protobuf body spells again and again — attribute keys, span names, and short
 * values such as `tools/call`, `execute_tool`, `pipe`, a server's name — instead of creating a new
 * string for each occurrence. Creating a string from a Buffer range crosses into C++ and allocates;
 * the spans of one request repeat the same few dozen keys and values hundreds of times, and the
 * garbage they made was a quarter of the decoder's time (measured on the ingest benchmark's spans).
 *
 * A direct-mapped table indexed by a hash of the length and a few sampled bytes; a hit is verified
 * byte by byte against the cached string, so a collision costs a miss, never a wrong string. Only
 * ASCII strings are cached (one byte is one UTF-16 unit, so the comparison is exact). The table is
 * small and bounded whatever the senders send.
 */

const SLOTS = 4096; // a power of two
const MASK = SLOTS - 1;

export class StringCache {
  private readonly strings: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);

  /**
   * @param maxLength Longest byte range looked up; longer ones are decoded directly. Keep it short:
   *   long values are rarely repeated, and each hit compares every byte.
   */
  constructor(private readonly maxLength: number) {}

  /** `buf.toString('utf8', start, end)`, from the cache when the same ASCII bytes were seen before. */
  get(buf: Buffer, start: number, end: number): string {
    const length = end - start;
    if (length === 0) return '';
    if (length > this.maxLength) return buf.toString('utf8', start, end);
    // Keys differ mostly in their length and their last characters ('….request_bytes' and
    // '….response_bytes'); sampling the ends and the middle spreads them without hashing every byte.
    const last = end - 1;
    let hash = Math.imul(length, 0x9e3779b1);
    hash = Math.imul(hash ^ (buf[last] as number), 0x01000193);
    hash = Math.imul(hash ^ (buf[last - (length >> 2)] as number), 0x01000193);
    hash = Math.imul(hash ^ (buf[start + (length >> 1)] as number), 0x01000193);
    hash = Math.imul(hash ^ (buf[start] as number), 0x01000193);
    const slot = (hash ^ (hash >>> 15)) & MASK;
    const cached = this.strings[slot];
    if (cached !== undefined && cached.length === length) {
      let i = 0;
      while (i < length && cached.charCodeAt(i) === buf[start + i]) i++;
      if (i === length) return cached;
    }
    const decoded = buf.toString('utf8', start, end);
    // As many UTF-16 units as bytes: every byte was ASCII, so the string can be compared bytewise.
    if (decoded.length === length) this.strings[slot] = decoded;
    return decoded;
  }
}
