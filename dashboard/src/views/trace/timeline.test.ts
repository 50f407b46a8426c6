import { describe, expect, it } from 'vitest';
import {
  axisTicks,
  barGeometry,
  durationLabelPlacement,
  estimateLabelPx,
  insideLabelLeftPx,
} from './timeline.js';

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

describe('durationLabelPlacement with the row measured', () => {
  const room = { timelinePx: 400, labelPx: 50 };
  it('puts the label where it fits in pixels, not in shares of the row', () => {
    // Ends at 85 %: 60 px to the right, room enough there.
    expect(durationLabelPlacement({ leftPct: 60, widthPct: 25 }, room)).toBe('after');
    // Starts at 15 % and ends at 95 %: 60 px before it, 20 px after.
    expect(durationLabelPlacement({ leftPct: 15, widthPct: 80 }, room)).toBe('before');
    // Starts at 12 %: 48 px before it is too little for a 50 px label, which would run into the names.
    expect(durationLabelPlacement({ leftPct: 12, widthPct: 85 }, room)).toBe('inside');
  });
  it('keeps a label over a bar inside the timeline', () => {
    expect(insideLabelLeftPx({ leftPct: 0, widthPct: 5 }, room)).toBe(0);
    expect(insideLabelLeftPx({ leftPct: 0, widthPct: 100 }, room)).toBe(346);
    expect(estimateLabelPx('140 ms', 12)).toBe(53);
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
