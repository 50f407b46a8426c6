import { describe, expect, it } from 'vitest';
import { rootCauseShares } from './rootCauseShares.js';

describe('rootCauseShares', () => {
  it('gives each layer its share of the failed calls, largest first', () => {
    expect(
      rootCauseShares([
        { layer: 'caller', count: 1 },
        { layer: 'tool', count: 6 },
        { layer: 'downstream', count: 3 },
      ]),
    ).toEqual([
      { layer: 'tool', count: 6, share: 0.6 },
      { layer: 'downstream', count: 3, share: 0.3 },
      { layer: 'caller', count: 1, share: 0.1 },
    ]);
  });

  it('orders ties by name and leaves out layers that did not fail', () => {
    expect(
      rootCauseShares([
        { layer: 'tool', count: 2 },
        { layer: 'server', count: 0 },
        { layer: 'caller', count: 2 },
      ]).map((r) => r.layer),
    ).toEqual(['caller', 'tool']);
  });

  it('is empty when nothing failed', () => {
    expect(rootCauseShares([])).toEqual([]);
  });
});
