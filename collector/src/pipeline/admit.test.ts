import { describe, expect, it } from 'vitest';
import { span } from '../storage/fixtures.js';
import type { DecodedRequest } from '../storage/rows.js';
import { admissionWindow, admit, MAX_CLOCK_SKEW_MS } from './admit.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const DAY = 86_400_000;

function request(startsMs: number[]): DecodedRequest {
  return {
    rows: startsMs.map((startMs, i) =>
      span({ traceId: 'ab'.repeat(16), name: `s${i}`, service: 'x', startMs, durationMs: 1 }),
    ),
    rejected: [],
    bytes: startsMs.length * 100,
  };
}

describe('admit', () => {
  it('refuses spans older than the retention and far ahead of the clock, keeps the rest in order', () => {
    const r = request([NOW, NOW - 31 * DAY, NOW - 29 * DAY, NOW + MAX_CLOCK_SKEW_MS + 1000, NOW + 60_000]);
    admit(r, admissionWindow(30, NOW));
    expect(r.rows.map((row) => row.SpanName)).toEqual(['s0', 's2', 's4']);
    expect(r.rejected.map((x) => x.reason)).toEqual(['expired', 'invalid_timestamp']);
    expect(r.rejected[0]!.message).toContain('30 days');
    expect(r.bytes).toBe(300);
  });

  it('keeps old spans when retention is off, and leaves an all-valid request untouched', () => {
    const old = request([NOW - 400 * DAY, NOW]);
    const rows = old.rows;
    admit(old, admissionWindow(0, NOW));
    expect(old.rows).toBe(rows);
    expect(old.rejected).toEqual([]);
  });

  it('compares 1970s times (19 digits, zero-padded) correctly', () => {
    const r = request([1000, NOW]);
    admit(r, admissionWindow(30, NOW));
    expect(r.rows.map((row) => row.SpanName)).toEqual(['s1']);
    expect(r.rejected.map((x) => x.reason)).toEqual(['expired']);
  });
});
