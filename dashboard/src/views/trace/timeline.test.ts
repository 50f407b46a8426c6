import { describe, expect, it } from 'vitest';
import { axisTicks, barGeometry, durationLabelPlacement } from './timeline.js';

describe('barGeometry', () => {
  it('positions by start and sizes by duration relative to the trace', () => {
    expect(barGeometry(250, 500, 1000)).toEqual({ leftPct: 25, widthPct: 50 });
  });
  it('clamps bars that fall outside the trace and survives a zero-length trace', () => {
    expect(barGeometry(-100, 300, 1000)).toEqual({ leftPct: 0, widthPct: 20 });
    expect(barGeometry(900, 500, 1000)).toEqual({ leftPct: 90, widthPct: 10 });
    expect(barGeometry(0, 0, 0)).toEqual({ leftPct: 0, widthPct: 0 });
    expect(barGeometry(10, -5, 100)).toEqual({ leftPct: 10, widthPct: 0 });
  });
});

describe('durationLabelPlacement', () => {
  it('puts the label after a bar that leaves room on its right', () => {
    expect(durationLabelPlacement({ leftPct: 10, widthPct: 70 })).toBe('after');
  });
  it('puts it before a bar that ends near the right edge', () => {
    expect(durationLabelPlacement({ leftPct: 60, widthPct: 35 })).toBe('before');
  });
  it('puts it over the end of a bar that spans nearly the whole row', () => {
    expect(durationLabelPlacement({ leftPct: 0, widthPct: 100 })).toBe('inside');
    expect(durationLabelPlacement({ leftPct: 14, widthPct: 80 })).toBe('inside');
  });
});

describe('axisTicks', () => {
  it('uses round steps', () => {
    expect(axisTicks(100, 4)).toEqual([0, 25, 50, 75, 100]);
    expect(axisTicks(1_190_000_000, 4)).toEqual([0, 250e6, 500e6, 750e6, 1000e6]);
    expect(axisTicks(50_700_000, 4)).toEqual([0, 10e6, 20e6, 30e6, 40e6, 50e6]);
    expect(axisTicks(400e6, 4)).toEqual([0, 100e6, 200e6, 300e6, 400e6]);
    expect(axisTicks(0, 4)).toEqual([0]);
  });
});
