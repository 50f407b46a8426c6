import { describe, expect, it } from 'vitest';
import { span } from './fixtures.js';
import { MAX_INLINE_ATTRIBUTE_BYTES, splitPayloads, truncateUtf8 } from './payloads.js';

const base = {
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  name: 'tools/call t',
  service: 's',
  startMs: 1,
  durationMs: 1,
};

describe('splitPayloads', () => {
  it('returns rows without payloads unchanged (same object)', () => {
    const row = span({
      ...base,
      attributes: { 'mcp.method.name': 'tools/call', note: 'x'.repeat(MAX_INLINE_ATTRIBUTE_BYTES) },
    });
    const out = splitPayloads([row]);
    expect(out.rows[0]).toBe(row);
    expect(out.payloads).toEqual([]);
  });

  it('moves captured content whatever its size and other values over 1 KiB in UTF-8 bytes', () => {
    // 400 three-byte characters: 400 UTF-16 units but 1200 bytes.
    const wide = '€'.repeat(400);
    const row = span({ ...base, attributes: { 'gen_ai.tool.call.arguments': '{}', wide, keep: 'k' } });
    const out = splitPayloads([row]);
    expect(out.rows[0]?.SpanAttributes).toEqual({ keep: 'k' });
    expect(out.payloads.map((p) => [p.Name, p.OriginalSize, p.Truncated])).toEqual([
      ['gen_ai.tool.call.arguments', 2, 0],
      ['wide', 1200, 0],
    ]);
    expect(out.payloads[0]).toMatchObject({
      TraceId: base.traceId,
      SpanId: base.spanId,
      Timestamp: row.Timestamp,
    });
    expect(row.SpanAttributes['wide']).toBe(wide);
  });
});

describe('truncateUtf8', () => {
  it('never splits a multi-byte character', () => {
    const cut = truncateUtf8('aé€😀', 6); // 1 + 2 + 3 + 4 bytes
    expect(cut).toEqual({ value: 'aé€', bytes: 10, truncated: true });
    expect(truncateUtf8('aé€😀', 5).value).toBe('aé');
    expect(truncateUtf8('abc', 3)).toEqual({ value: 'abc', bytes: 3, truncated: false });
  });
});
