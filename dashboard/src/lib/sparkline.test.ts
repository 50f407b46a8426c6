import { describe, expect, it } from 'vitest';
import { sparklineLabel, sparklinePoints } from './sparkline.js';

const box = { width: 100, height: 20, pad: 1 };

describe('sparklinePoints', () => {
  it('spreads the buckets across the box, the peak on top and zero on the bottom', () => {
    expect(sparklinePoints([0, 2, 4], box)).toBe('1,19 50,10 99,1');
  });

  it('draws nothing for no buckets', () => {
    expect(sparklinePoints([], box)).toBe('');
  });

  it('draws a single bucket as a flat line across, at the top', () => {
    expect(sparklinePoints([3], box)).toBe('1,1 99,1');
  });

  it('keeps a window without failures on the baseline', () => {
    expect(sparklinePoints([0, 0, 0, 0, 0], box)).toBe('1,19 25.5,19 50,19 74.5,19 99,19');
  });

  it('treats negative and non-finite values as zero', () => {
    expect(sparklinePoints([Number.NaN, -5, 1], box)).toBe('1,19 50,19 99,1');
  });

  it('rounds to two decimals so long series stay short', () => {
    const points = sparklinePoints([1, 2, 3], { width: 10, height: 10, pad: 1 / 3 });
    expect(points).toBe('0.33,6.56 5,3.44 9.67,0.33');
  });
});

describe('sparklineLabel', () => {
  it('says how many failed, over how many buckets of what width, and the peak', () => {
    expect(sparklineLabel([0, 2, 5, 1], 120)).toBe(
      '8 failed calls over 4 buckets of 2 min, at most 5 in one',
    );
    expect(sparklineLabel([1], 30)).toBe('1 failed call over 1 bucket of 30 s, at most 1 in one');
  });
});

describe('sparkline of traffic with its failures', () => {
  it('names what it counts and scales a second line to the first', () => {
    expect(sparklineLabel([3, 0, 2], 300, 'call')).toBe('5 calls over 3 buckets of 5 min, at most 3 in one');
    const box = { width: 10, height: 10, pad: 0 };
    // 2 of a maximum of 4 sits halfway up the box.
    expect(sparklinePoints([2, 2], box, 4)).toBe('0,5 10,5');
  });
});
