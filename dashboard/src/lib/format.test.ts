import { describe, expect, it } from 'vitest';
import { formatAgo, formatCount, formatMs, formatNs, formatPercent, formatRate } from './format.js';

describe('format', () => {
  it('picks a unit for durations', () => {
    expect(formatMs(0)).toBe('0 ms');
    expect(formatMs(0.0123)).toBe('12.3 µs');
    expect(formatMs(0.5)).toBe('500 µs');
    expect(formatMs(3.456)).toBe('3.46 ms');
    expect(formatMs(250)).toBe('250 ms');
    expect(formatMs(1500)).toBe('1.5 s');
    expect(formatMs(120_000)).toBe('2 min');
    expect(formatNs(2_000_000)).toBe('2 ms');
    expect(formatMs(Number.NaN)).toBe('–');
  });

  it('keeps small error rates visible', () => {
    expect(formatPercent(0)).toBe('0 %');
    expect(formatPercent(0.0004)).toBe('<0.1 %');
    expect(formatPercent(0.0123)).toBe('1.2 %');
    expect(formatPercent(0.5)).toBe('50 %');
  });

  it('shortens counts and expresses rates per second or minute', () => {
    expect(formatCount(999)).toBe('999');
    expect(formatCount(12_345)).toBe('12.3k');
    expect(formatCount(4_500_000)).toBe('4.5M');
    expect(formatRate(3600, 3_600_000)).toBe('1/s');
    expect(formatRate(30, 3_600_000)).toBe('0.5/min');
    expect(formatRate(0, 1000)).toBe('0/s');
  });

  it('says how long ago', () => {
    expect(formatAgo(0, 5_000)).toBe('5 s ago');
    expect(formatAgo(0, 7_200_000)).toBe('2 h ago');
  });
});
