import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonicalJson.js';

/** The recursive definition the iterative writer must match. */
function reference(value: unknown): string {
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (v === null || typeof v !== 'object') return v;
    const source = v as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort()) {
      const member = source[key];
      if (member !== undefined) sorted[key] = sortKeys(member);
    }
    return sorted;
  };
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

/** A seeded pseudo-random JSON-ish value (mulberry32). */
function randomValue(seed: number): unknown {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const make = (depth: number): unknown => {
    const r = rand();
    if (depth > 4 || r < 0.3) {
      const p = rand();
      if (p < 0.2) return null;
      if (p < 0.3) return undefined;
      if (p < 0.5) return Math.round(rand() * 1000) / 10;
      if (p < 0.6) return rand() < 0.5;
      if (p < 0.65) return Number.NaN;
      return `s${Math.floor(rand() * 100)}"\\\u2028`;
    }
    if (r < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => make(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(rand() * 5); i > 0; i--) o[`k${Math.floor(rand() * 10)}`] = make(depth + 1);
    return o;
  };
  return make(0);
}

describe('canonicalJson', () => {
  it('matches the recursive definition on 2000 random values', () => {
    for (let seed = 1; seed <= 2000; seed++) {
      const v = randomValue(seed);
      expect(canonicalJson(v), `seed ${seed}`).toBe(reference(v));
    }
  });

  it('sorts keys, drops undefined members, writes undefined array items as null', () => {
    expect(canonicalJson({ b: [undefined, 1], a: { d: {}, c: undefined }, e: [] })).toBe(
      '{"a":{"d":{}},"b":[null,1],"e":[]}',
    );
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson('x')).toBe('"x"');
  });

  it('writes a value nested 100 000 deep without overflowing the stack', () => {
    let deep: unknown = { leaf: true };
    for (let i = 0; i < 100_000; i++) deep = i % 2 ? { a: deep } : [deep];
    const text = canonicalJson(deep);
    expect(text.startsWith('{"a":[{"a":[')).toBe(true);
    expect(text.length).toBe((100_000 / 2) * ('{"a":'.length + 1 + 2) + '{"leaf":true}'.length);
  });
});
