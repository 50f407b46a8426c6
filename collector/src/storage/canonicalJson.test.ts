import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonicalJson.js';

describe('canonicalJson', () => {
  it('sorts keys recursively and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined }, e: 'x' })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1,"e":"x"}',
    );
    expect(canonicalJson([undefined, null, 'é'])).toBe('[null,null,"é"]');
  });
});
