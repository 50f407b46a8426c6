import { describe, expect, it } from 'vitest';
import {
  BadRequestError,
  DEFAULT_TRACE_LIMIT,
  parseErrorsFilter,
  parseTraceFilter,
  parseTraceId,
  parseWindow,
  MAX_DURATION_MS,
  MAX_TIME_MS,
} from './params.js';

describe('parseWindow', () => {
  it('defaults to the last hour and accepts ISO-8601 or unix milliseconds', () => {
    const now = Date.UTC(2026, 0, 1, 12);
    expect(parseWindow({}, now)).toEqual({ from: new Date(now - 3_600_000), to: new Date(now) });
    expect(parseWindow({ from: '2026-01-01T10:00:00Z', to: String(now) })).toEqual({
      from: new Date('2026-01-01T10:00:00Z'),
      to: new Date(now),
    });
  });

  it('refuses an inverted or unreadable range', () => {
    expect(() => parseWindow({ from: '2026-01-02', to: '2026-01-01' })).toThrow(BadRequestError);
    expect(() => parseWindow({ to: 'soon' })).toThrow(/"to"/);
  });

  it('keeps times between 1970 and 2100, where storage can compare them', () => {
    // to=0 is the epoch itself, and the default window (the hour before it) starts before it.
    expect(() => parseWindow({ to: '0' })).toThrow(/must start at 1970-01-01T00:00:00.000Z or later/);
    expect(() => parseWindow({ from: '1969-12-31T23:59:59Z', to: '1970-01-02' })).toThrow(
      /"from" must be a time from 1970/,
    );
    expect(() => parseWindow({ to: '4102444800001' })).toThrow(/"to" must be a time from .* to 2100/);
    expect(() => parseWindow({ to: '+275760-09-13T00:00:00Z' })).toThrow(/"to"/);
    expect(() => parseWindow({ to: '9'.repeat(400) })).toThrow(/"to" must be an ISO-8601 time/);
    expect(parseWindow({ from: '0', to: '3600000' })).toEqual({ from: new Date(0), to: new Date(3_600_000) });
    expect(parseWindow({ to: '2100-01-01T00:00:00Z' }).to).toEqual(new Date(MAX_TIME_MS));
  });
});

describe('parseTraceFilter', () => {
  it('reads every filter and defaults the limit', () => {
    const f = parseTraceFilter({
      service: 'a',
      server: 'b',
      tool: 'c',
      method: 'tools/call',
      status: 'error',
      minDurationMs: '12.5',
    });
    expect(f).toMatchObject({
      service: 'a',
      server: 'b',
      tool: 'c',
      method: 'tools/call',
      status: 'error',
      minDurationMs: 12.5,
      limit: DEFAULT_TRACE_LIMIT,
    });
    expect(parseTraceFilter({ tool: '' }).tool).toBeUndefined();
  });

  it('bounds minDurationMs to a finite number of at most 10^9 ms', () => {
    expect(parseTraceFilter({ minDurationMs: String(MAX_DURATION_MS) }).minDurationMs).toBe(1e9);
    for (const bad of ['1e300', '1000000001', 'Infinity', '-Infinity', 'NaN', ' ', '0x10', '-0.5']) {
      expect(() => parseTraceFilter({ minDurationMs: bad }), bad).toThrow(
        /"minDurationMs" must be a number from 0 to 1000000000/,
      );
    }
  });

  it('bounds the limit to 1..1000 and refuses over-long values', () => {
    expect(parseTraceFilter({ limit: '1000' }).limit).toBe(1000);
    expect(() => parseTraceFilter({ limit: '1001' })).toThrow(/"limit" must be an integer from 1 to 1000/);
    expect(() => parseTraceFilter({ limit: '2.5' })).toThrow(/limit/);
    expect(() => parseTraceFilter({ tool: 'x'.repeat(600) })).toThrow(/"tool" is longer/);
    expect(() => parseErrorsFilter({ limit: '0' })).toThrow(/limit/);
  });
});

describe('parseTraceId', () => {
  it('accepts 32 hex characters (lowercased) and refuses anything else', () => {
    expect(parseTraceId('ABCDEF0123456789ABCDEF0123456789')).toBe('abcdef0123456789abcdef0123456789');
    for (const bad of ['', 'abc', 'z'.repeat(32), '0'.repeat(32), `${'a'.repeat(32)} `]) {
      expect(() => parseTraceId(bad), bad).toThrow(/traceId/);
    }
  });
});
