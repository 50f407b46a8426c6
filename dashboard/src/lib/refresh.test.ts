import { describe, expect, it } from 'vitest';
import { parseRefresh, refreshInterval } from './refresh.js';

describe('refresh', () => {
  it('maps the URL value to a refetch interval and treats unknown values as off', () => {
    expect(refreshInterval(parseRefresh('30s'))).toBe(30_000);
    expect(refreshInterval(parseRefresh('1m'))).toBe(60_000);
    expect(refreshInterval(parseRefresh('5s'))).toBe(false);
    expect(refreshInterval(parseRefresh(null))).toBe(false);
  });
});
