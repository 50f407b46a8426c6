import { describe, expect, it } from 'vitest';
import { InFlight } from './InFlight.js';

describe('InFlight', () => {
  it('behaves like a Map for get, set, delete and size, past its fixed slots too', () => {
    const inFlight = new InFlight<string | number, string>();
    const reference = new Map<string | number, string>();
    // Overlapping lifetimes, numeric and string ids, an id reused after deletion, more than 8 at once.
    const steps: Array<['set', string | number, string] | ['delete', string | number]> = [];
    for (let i = 0; i < 20; i++) steps.push(['set', i, `v${i}`]);
    for (let i = 0; i < 20; i += 3) steps.push(['delete', i]);
    steps.push(['set', '5', 'string five'], ['set', 5, 'five again'], ['set', 0, 'zero again']);
    for (let i = 1; i < 20; i += 2) steps.push(['delete', i]);
    for (const step of steps) {
      if (step[0] === 'set') {
        inFlight.set(step[1], step[2]);
        reference.set(step[1], step[2]);
      } else {
        inFlight.delete(step[1]);
        reference.delete(step[1]);
      }
      expect(inFlight.size).toBe(reference.size);
      for (const key of [...reference.keys(), 99, '99']) expect(inFlight.get(key)).toBe(reference.get(key));
    }
    expect(inFlight.values()).toEqual([...reference.values()]);
  });

  it('lists values oldest first, across its slots and the overflow map', () => {
    const inFlight = new InFlight<number, number>();
    for (let id = 0; id < 12; id++) inFlight.set(id, id);
    for (const id of [2, 5]) inFlight.delete(id);
    for (let id = 12; id < 15; id++) inFlight.set(id, id);
    expect(inFlight.values()).toEqual([0, 1, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it('is safe to delete from while iterating', () => {
    const inFlight = new InFlight<number, string>();
    for (const id of [3, 1, 2]) inFlight.set(id, `call ${id}`);
    inFlight.delete(1);
    inFlight.set(7, 'call 7');
    expect(inFlight.values()).toEqual(['call 3', 'call 2', 'call 7']);
    for (const value of inFlight.values()) inFlight.delete(Number(value.slice(5)));
    expect(inFlight.size).toBe(0);
    expect(inFlight.values()).toEqual([]);
  });
});
