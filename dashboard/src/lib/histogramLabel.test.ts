import { describe, expect, it } from 'vitest';
import { histogramLabel } from './histogramLabel.js';

describe('histogramLabel', () => {
  it('labels bounded buckets compactly', () => {
    expect(histogramLabel(0.5, undefined)).toBe('≤500µs');
    expect(histogramLabel(250, 100)).toBe('≤250ms');
    expect(histogramLabel(2500, 1000)).toBe('≤2.5s');
    expect(histogramLabel(60_000, 30_000)).toBe('≤1m');
  });

  it('labels the open last bucket by the bound before it', () => {
    expect(histogramLabel(-1, 60_000)).toBe('>1m');
    expect(histogramLabel(-1, undefined)).toBe('more');
  });
});
