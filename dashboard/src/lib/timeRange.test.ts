import { describe, expect, it } from 'vitest';
import { carryRange, parseRange, parseTimeParam, rangeKey, resolveRange, withRange } from './timeRange.js';

describe('time range in the URL', () => {
  it('defaults to the last hour and ignores unknown presets', () => {
    expect(parseRange(new URLSearchParams())).toEqual({ kind: 'preset', preset: '1h' });
    expect(parseRange(new URLSearchParams('range=3y'))).toEqual({ kind: 'preset', preset: '1h' });
    expect(parseRange(new URLSearchParams('range=7d'))).toEqual({ kind: 'preset', preset: '7d' });
  });

  it('prefers valid custom bounds given as ISO or unix ms, and rejects inverted ones', () => {
    const iso = parseRange(
      new URLSearchParams('from=2026-01-01T00:00:00Z&to=2026-01-01T01:00:00Z&range=15m'),
    );
    expect(iso).toEqual({ kind: 'custom', fromMs: Date.UTC(2026, 0, 1), toMs: Date.UTC(2026, 0, 1, 1) });
    expect(parseRange(new URLSearchParams('from=1000&to=2000'))).toEqual({
      kind: 'custom',
      fromMs: 1000,
      toMs: 2000,
    });
    expect(parseRange(new URLSearchParams('from=2000&to=1000')).kind).toBe('preset');
    expect(parseTimeParam('garbage')).toBeUndefined();
  });

  it('resolves presets against now and keeps custom bounds fixed', () => {
    expect(resolveRange({ kind: 'preset', preset: '15m' }, 1_000_000_000)).toEqual({
      fromMs: 1_000_000_000 - 900_000,
      toMs: 1_000_000_000,
    });
    expect(resolveRange({ kind: 'custom', fromMs: 1, toMs: 2 }, 99)).toEqual({ fromMs: 1, toMs: 2 });
    expect(rangeKey({ kind: 'custom', fromMs: 1, toMs: 2 })).toBe('1-2');
  });

  it('writes the selection back, dropping the other kind and the default', () => {
    const custom = withRange(new URLSearchParams('range=6h&tool=x'), {
      kind: 'custom',
      fromMs: 0,
      toMs: 60_000,
    });
    expect(custom.toString()).toBe(
      'tool=x&from=1970-01-01T00%3A00%3A00.000Z&to=1970-01-01T00%3A01%3A00.000Z',
    );
    expect(withRange(custom, { kind: 'preset', preset: '1h' }).toString()).toBe('tool=x');
    expect(withRange(custom, { kind: 'preset', preset: '24h' }).toString()).toBe('tool=x&range=24h');
    expect(carryRange(new URLSearchParams('range=6h&refresh=10s')).toString()).toBe('range=6h');
  });
});
