import { describe, expect, it } from 'vitest';
import { captureAttributes, truncateUtf8 } from './capture.js';

describe('captureAttributes', () => {
  it('records redacted JSON under the attribute name', () => {
    expect(captureAttributes('a', { q: 'x', token: 't' }, { maxBytes: 100 })).toEqual({
      a: '{"q":"x","token":"[REDACTED]"}',
    });
  });
  it('truncates to the byte cap and records the original size', () => {
    const attributes = captureAttributes('a', { text: 'é'.repeat(100) }, { maxBytes: 51 });
    expect(Buffer.byteLength(String(attributes['a']))).toBeLessThanOrEqual(51);
    expect(attributes['a.original_size']).toBe(Buffer.byteLength(JSON.stringify({ text: 'é'.repeat(100) })));
  });
});

describe('truncateUtf8', () => {
  it('never splits a multi-byte character', () => {
    expect(truncateUtf8('aé', 2)).toBe('a');
    expect(truncateUtf8('aé', 3)).toBe('aé');
    expect(truncateUtf8('€€', 4)).toBe('€');
  });
});
