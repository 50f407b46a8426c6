/**
 * Moves large attribute values out of SpanAttributes into `mcp_payloads` rows. ClickHouse reads a whole
 * Map column to answer one key, so a few KiB of captured arguments on some spans would slow every filter
 * on the attribute map; in their own table they cost nothing until a trace view asks for them.
 */
import {
  ATTR_CAPTURE_ORIGINAL_SIZE_SUFFIX,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_MCPSCOPE_PROMPT_ARGUMENTS,
} from './attributes.js';
import type { SpanRow } from './rows.js';

/** Attributes that always move out, whatever their size: captured content. */
export const PAYLOAD_ATTRIBUTES: ReadonlySet<string> = new Set([
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_MCPSCOPE_PROMPT_ARGUMENTS,
]);

/** Values longer than this (UTF-8 bytes) move out of the attribute map. 1 KiB: above any id, URL or
 * error message worth filtering on, below any captured document. */
export const MAX_INLINE_ATTRIBUTE_BYTES = 1024;

/** Stored payloads are cut to this many UTF-8 bytes (64 KiB); the original size is kept. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

/** One row of `mcp_payloads`, as inserted with JSONEachRow. */
export interface PayloadRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  Name: string;
  Value: string;
  OriginalSize: number;
  Truncated: 0 | 1;
}

/** UTF-8 byte length, skipping the count when the UTF-16 length already decides. */
function exceedsInline(value: string): boolean {
  if (value.length > MAX_INLINE_ATTRIBUTE_BYTES) return true;
  if (value.length * 3 <= MAX_INLINE_ATTRIBUTE_BYTES) return false;
  return Buffer.byteLength(value, 'utf8') > MAX_INLINE_ATTRIBUTE_BYTES;
}

/** Cuts `value` to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(
  value: string,
  maxBytes: number,
): { value: string; bytes: number; truncated: boolean } {
  const buf = Buffer.from(value, 'utf8');
  if (buf.length <= maxBytes) return { value, bytes: buf.length, truncated: false };
  let end = maxBytes;
  // Back up over continuation bytes (10xxxxxx) so the cut lands on a character boundary.
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return { value: buf.subarray(0, end).toString('utf8'), bytes: buf.length, truncated: true };
}

/** The SDK records the pre-truncation size of a captured value as `<attr>.original_size`. */
function sdkOriginalSize(attrs: Record<string, string>, name: string): number | undefined {
  const raw = attrs[name + ATTR_CAPTURE_ORIGINAL_SIZE_SUFFIX];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * Returns the rows with payload attributes removed and the payload rows. Input rows are not modified
 * (the pipeline may retry an insert with the same rows); a row without payloads is returned as is.
 */
export function splitPayloads(rows: readonly SpanRow[]): { rows: SpanRow[]; payloads: PayloadRow[] } {
  const out: SpanRow[] = new Array<SpanRow>(rows.length);
  const payloads: PayloadRow[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as SpanRow;
    const attrs = row.SpanAttributes;
    let kept: Record<string, string> | undefined;
    for (const name in attrs) {
      const value = attrs[name] as string;
      if (!PAYLOAD_ATTRIBUTES.has(name) && !exceedsInline(value)) continue;
      kept ??= { ...attrs };
      delete kept[name];
      const cut = truncateUtf8(value, MAX_PAYLOAD_BYTES);
      const sdkSize = sdkOriginalSize(attrs, name);
      payloads.push({
        Timestamp: row.Timestamp,
        TraceId: row.TraceId,
        SpanId: row.SpanId,
        Name: name,
        Value: cut.value,
        OriginalSize: Math.max(cut.bytes, sdkSize ?? 0),
        Truncated: cut.truncated || sdkSize !== undefined ? 1 : 0,
      });
    }
    out[i] = kept ? { ...row, SpanAttributes: kept } : row;
  }
  return { rows: out, payloads };
}
