import { describe, expect, it } from 'vitest';
import {
  nextTraceLimit,
  parseAttributeFilter,
  readAttributeFilters,
  readTraceFilters,
  readTraceSort,
  toggleTraceSort,
  traceCountText,
  traceSortParams,
  writeAttributeFilters,
  writeTraceFilters,
  writeTraceSort,
} from './traceFilters.js';

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

describe('attribute filters', () => {
  it('accepts key=value, trimming around, the value keeping later = signs', () => {
    expect(parseAttributeFilter(' mcp.session.id = s1 ')).toEqual({ ok: true, value: 'mcp.session.id=s1' });
    expect(parseAttributeFilter('q=a=b')).toEqual({ ok: true, value: 'q=a=b' });
    expect(parseAttributeFilter('novalue=')).toMatchObject({ ok: false });
    expect(parseAttributeFilter('=x')).toMatchObject({ ok: false });
    expect(parseAttributeFilter('plain')).toMatchObject({ ok: false, error: /key=value/ });
  });

  it('round-trips through the URL, dropping malformed and repeated ones', () => {
    const p = new URLSearchParams('attr=a=1&attr=bad&attr=a=1&attr=b=2');
    expect(readAttributeFilters(p)).toEqual(['a=1', 'b=2']);
    expect(writeAttributeFilters(new URLSearchParams('x=1&attr=old=1'), ['c=3']).toString()).toBe(
      'x=1&attr=c%3D3',
    );
  });
});

describe('trace order and paging', () => {
  it('toggles a column and writes only what differs from newest first', () => {
    const start = readTraceSort(new URLSearchParams(''));
    expect(start).toEqual({ key: 'start', order: 'desc' });
    const dur = toggleTraceSort(start, 'duration');
    expect(dur).toEqual({ key: 'duration', order: 'desc' });
    expect(toggleTraceSort(dur, 'duration')).toEqual({ key: 'duration', order: 'asc' });
    expect(
      writeTraceSort(new URLSearchParams('limit=100&tool=x'), { key: 'duration', order: 'asc' }).toString(),
    ).toBe('tool=x&sort=duration&order=asc');
    expect(traceSortParams(start)).toEqual({});
    expect(traceSortParams({ key: 'spans', order: 'asc' })).toEqual({ sort: 'spans', order: 'asc' });
  });

  it('loads one page more, up to the most a list shows, and says how many of how many', () => {
    expect(nextTraceLimit(50)).toBe(100);
    expect(nextTraceLimit(980)).toBe(1000);
    expect(traceCountText(50, 237, { key: 'duration', order: 'desc' })).toBe(
      'Showing 50 of 237 traces, slowest first',
    );
    expect(traceCountText(3, 3, { key: 'start', order: 'desc' })).toBe('3 traces, newest first');
  });
});
