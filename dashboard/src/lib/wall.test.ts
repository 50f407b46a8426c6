import { describe, expect, it } from 'vitest';
import { effectiveRefresh, isWall } from './wall.js';

describe('wall', () => {
  it('turns auto-refresh on for a wall unless the URL names a refresh', () => {
    expect(isWall(new URLSearchParams('wall=1'))).toBe(true);
    expect(isWall(new URLSearchParams('wall=0'))).toBe(false);
    expect(effectiveRefresh(new URLSearchParams('wall=1'))).toBe('30s');
    expect(effectiveRefresh(new URLSearchParams('wall=1&refresh=10s'))).toBe('10s');
    expect(effectiveRefresh(new URLSearchParams('wall=1&refresh=off'))).toBe('off');
    expect(effectiveRefresh(new URLSearchParams(''))).toBe('off');
  });
});
