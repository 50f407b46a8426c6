import { describe, expect, it } from 'vitest';
import type { ToolStats } from '../../api/types.js';
import { parseToolSort, sortToolStats } from './sortToolStats.js';

const row = (tool: string, errorRate: number, count: number, p99Ms: number): ToolStats => ({
  service: 'agent',
  server: 'weather',
  method: 'tools/call',
  tool,
  layer: 'client',
  count,
  errors: Math.round(errorRate * count),
  errorRate,
  p50Ms: p99Ms / 4,
  p95Ms: p99Ms / 2,
  p99Ms,
});

describe('sortToolStats', () => {
  const rows = [row('a', 0, 10, 50), row('b', 0.5, 2, 900), row('c', 0, 40, 20), row('d', 0.5, 8, 10)];

  it('puts the worst error rate first, ties by call count', () => {
    expect(sortToolStats(rows, 'errorRate', false).map((r) => r.tool)).toEqual(['d', 'b', 'c', 'a']);
  });

  it('sorts by latency either way and by name', () => {
    expect(sortToolStats(rows, 'p99Ms', false).map((r) => r.tool)).toEqual(['b', 'a', 'c', 'd']);
    expect(sortToolStats(rows, 'p99Ms', true).map((r) => r.tool)).toEqual(['d', 'c', 'a', 'b']);
    expect(sortToolStats(rows, 'tool', false).map((r) => r.tool)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('reads the URL value and falls back to error rate', () => {
    expect(parseToolSort('-p95Ms')).toEqual({ key: 'p95Ms', ascending: true });
    expect(parseToolSort('count')).toEqual({ key: 'count', ascending: false });
    expect(parseToolSort('bogus')).toEqual({ key: 'errorRate', ascending: false });
    expect(parseToolSort(null)).toEqual({ key: 'errorRate', ascending: false });
  });
});
