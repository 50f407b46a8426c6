import { describe, expect, it } from 'vitest';
import { zoomToRange } from './zoom.js';

describe('zoomToRange', () => {
  const t = Date.UTC(2026, 0, 1, 12) / 1000;

  it('turns the selected x values into a fixed range of whole seconds, in either drag direction', () => {
    expect(zoomToRange(t + 120.4, t + 600.2)).toEqual({
      kind: 'custom',
      fromMs: (t + 120) * 1000,
      toMs: (t + 601) * 1000,
    });
    expect(zoomToRange(t + 600, t + 120)).toEqual({
      kind: 'custom',
      fromMs: (t + 120) * 1000,
      toMs: (t + 600) * 1000,
    });
  });

  it('widens a selection narrower than a minute around its middle', () => {
    expect(zoomToRange(t + 100, t + 110)).toEqual({
      kind: 'custom',
      fromMs: (t + 75) * 1000,
      toMs: (t + 135) * 1000,
    });
  });

  it('ignores a click and values that are not numbers', () => {
    expect(zoomToRange(t, t)).toBeNull();
    expect(zoomToRange(Number.NaN, t)).toBeNull();
  });
});
