import { describe, expect, it } from 'vitest';
import {
  canonicalDecimal,
  compareDecimal,
  int64ToDecimal,
  subtractDecimal,
  uint64DifferenceToDecimal,
  uint64ToDecimal,
} from './nanos.js';

const halves = (v: bigint): [number, number] => [Number(v & 0xffffffffn), Number((v >> 32n) & 0xffffffffn)];

// Reference values computed with BigInt, across the boundaries where the fast paths switch.
const VALUES = [
  0n,
  1n,
  2n ** 32n - 1n,
  2n ** 32n,
  2n ** 53n - 1n,
  2n ** 53n,
  2n ** 53n + 1n,
  1_764_000_000_123_456_789n,
  2n ** 64n - 1n,
];

describe('nanos', () => {
  it('prints unsigned 64-bit values exactly', () => {
    for (const v of VALUES) expect(uint64ToDecimal(...halves(v))).toBe(v.toString());
  });

  it('prints signed 64-bit values exactly', () => {
    for (const v of [0n, 1n, -1n, -42n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 53n) - 1n, -(2n ** 32n)]) {
      expect(int64ToDecimal(...halves(BigInt.asUintN(64, v)))).toBe(v.toString());
    }
  });

  it('subtracts 64-bit values exactly, small and huge differences alike', () => {
    for (const [start, end] of [
      [1_764_000_000_123_456_789n, 1_764_000_000_123_456_790n],
      [1_764_000_000_999_999_999n, 1_764_000_003_000_000_000n],
      [1n, 2n ** 64n - 1n],
      [2n ** 32n - 1n, 2n ** 32n],
    ] as const) {
      const [sl, sh] = halves(start);
      const [el, eh] = halves(end);
      expect(uint64DifferenceToDecimal(sl, sh, el, eh)).toBe((end - start).toString());
      expect(subtractDecimal(end.toString(), start.toString())).toBe((end - start).toString());
    }
  });

  it('compares and canonicalises decimal strings numerically', () => {
    expect(canonicalDecimal('000123')).toBe('123');
    expect(canonicalDecimal('0000')).toBe('0');
    expect(compareDecimal('99', '100')).toBeLessThan(0);
    expect(compareDecimal('1764000000000000001', '1764000000000000000')).toBeGreaterThan(0);
    expect(compareDecimal('5', '5')).toBe(0);
  });
});
