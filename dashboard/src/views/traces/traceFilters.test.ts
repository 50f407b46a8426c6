import { describe, expect, it } from 'vitest';
import { readTraceFilters, writeTraceFilters } from './traceFilters.js';

describe('trace filters in the URL', () => {
  it('reads known filters and drops invalid values', () => {
    const f = readTraceFilters(
      new URLSearchParams('server=weather&status=bogus&fault=everyone&minDurationMs=-4&limit=20&x=1'),
    );
    expect(f).toEqual({
      service: '',
      server: 'weather',
      tool: '',
      method: '',
      status: '',
      fault: '',
      minDurationMs: '',
      limit: '20',
    });
  });

  it('round-trips, keeping unrelated params and dropping empty filters', () => {
    const params = new URLSearchParams('range=6h&tool=old');
    const f = {
      ...readTraceFilters(params),
      tool: '',
      status: 'error',
      fault: 'downstream',
      minDurationMs: '250',
    };
    const next = writeTraceFilters(params, f);
    expect(next.toString()).toBe('range=6h&status=error&fault=downstream&minDurationMs=250');
    expect(readTraceFilters(next)).toEqual(f);
  });
});
