import { describe, expect, it } from 'vitest';
import {
  assertSupportedVersion,
  compareVersions,
  MIN_CLICKHOUSE_VERSION,
  UnsupportedClickHouseVersionError,
} from './version.js';

describe('ClickHouse version check', () => {
  it('compares dotted versions numerically', () => {
    expect(compareVersions('23.10.1', '23.8')).toBeGreaterThan(0);
    expect(compareVersions('23.8', '23.8.0.0')).toBe(0);
    expect(compareVersions('9.9', '23.8')).toBeLessThan(0);
    expect(compareVersions('26.7.2.1', MIN_CLICKHOUSE_VERSION)).toBeGreaterThan(0);
  });

  it('refuses an older server with an error naming the minimum version', () => {
    expect(() => assertSupportedVersion('22.3.15.33')).toThrow(UnsupportedClickHouseVersionError);
    expect(() => assertSupportedVersion('23.7.9')).toThrow(
      /ClickHouse 23\.7\.9 is too old.*minimum supported version is 23\.8/,
    );
    expect(() => assertSupportedVersion('23.8.1.2992')).not.toThrow();
    expect(() => assertSupportedVersion('26.7.2.1')).not.toThrow();
  });
});
