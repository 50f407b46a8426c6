/**
 * Attribute values are stored flattened to strings, as the OpenTelemetry ClickHouse exporter stores
 * them: strings as they are, ints in decimal, bools as 'true'/'false', doubles in JS notation, bytes in
 * base64, and arrays and key/value lists as JSON. These helpers are shared by both decoders so the two
 * encodings of one span produce the same row.
 */

/** Cuts `value` to at most `maxBytes` UTF-8 bytes, at a character boundary. */
export function truncateUtf8(value: string, maxBytes: number): string {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short strings need no measuring.
  if (value.length * 3 <= maxBytes) return value;
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= maxBytes) return value;
  return bytes.toString('utf8', 0, utf8Boundary(bytes, 0, maxBytes));
}

/**
 * The largest cut of `buf[start, start+maxBytes)` that does not split a UTF-8 sequence: steps back
 * over continuation bytes (10xxxxxx) to the start of the character that would be split.
 */
export function utf8Boundary(buf: Uint8Array, start: number, maxBytes: number): number {
  let cut = maxBytes;
  while (cut > 0 && ((buf[start + cut] ?? 0) & 0xc0) === 0x80) cut--;
  return cut;
}

/** A double as a flat attribute value. */
export function formatDouble(value: number): string {
  return String(value);
}

/** A double inside a JSON array or map: non-finite values, which JSON cannot spell, become strings. */
export function doubleJson(value: number): string {
  return Number.isFinite(value) ? String(value) : `"${String(value)}"`;
}

/**
 * `target[key] = value`, for every key: plain assignment with the key `__proto__` changes the object's
 * prototype instead of adding an attribute (the attribute was lost). Other keys take the fast path.
 */
export function setAttribute(target: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}
