import { describe, expect, it } from 'vitest';
import { buildSpanTree, visibleRows, type TreeInput } from './spanTree.js';

function spans(...rows: [string, string, number, number][]): TreeInput[] {
  return rows.map(([spanId, parentSpanId, startNs, durationNs]) => ({
    spanId,
    parentSpanId,
    startNs,
    durationNs,
  }));
}

const shape = (t: ReturnType<typeof buildSpanTree>): string[] =>
  t.rows.map((r) => `${'  '.repeat(r.depth)}${r.spanId}`);

describe('buildSpanTree', () => {
  it('nests depth-first with children in start order', () => {
    const t = buildSpanTree(
      spans(['s2', 'root', 50, 10], ['root', '', 0, 100], ['s1', 'root', 10, 10], ['s1a', 's1', 12, 2]),
    );
    expect(shape(t)).toEqual(['root', '  s1', '    s1a', '  s2']);
    expect(t.rows[0]?.childCount).toBe(2);
  });

  it('puts spans whose parent is missing at the root, marked orphan', () => {
    const t = buildSpanTree(spans(['root', '', 0, 100], ['lost', 'not-received', 20, 10]));
    expect(shape(t)).toEqual(['root', 'lost']);
    expect(t.rows.map((r) => r.orphan)).toEqual([false, true]);
  });

  it('marks a child that starts before its parent as skewed and still draws it', () => {
    const t = buildSpanTree(spans(['p', '', 100, 50], ['early', 'p', 90, 20], ['fine', 'p', 110, 10]));
    expect(shape(t)).toEqual(['p', '  early', '  fine']);
    expect(t.rows.map((r) => r.skewed)).toEqual([false, true, false]);
  });

  it('keeps every span of a parent cycle and the first of duplicated ids', () => {
    const t = buildSpanTree(spans(['a', 'b', 0, 10], ['b', 'a', 1, 5], ['a', '', 99, 1]));
    expect(t.rows).toHaveLength(2);
    expect(new Set(t.rows.map((r) => r.spanId))).toEqual(new Set(['a', 'b']));
  });

  it('handles deep nesting without recursion', () => {
    const chain: TreeInput[] = [];
    for (let i = 0; i < 20_000; i++)
      chain.push({ spanId: `s${i}`, parentSpanId: i ? `s${i - 1}` : '', startNs: i, durationNs: 1 });
    const t = buildSpanTree(chain);
    expect(t.rows).toHaveLength(20_000);
    expect(t.rows[19_999]?.depth).toBe(19_999);
  });
});

describe('visibleRows', () => {
  it('hides the descendants of collapsed spans', () => {
    const t = buildSpanTree(
      spans(
        ['root', '', 0, 100],
        ['a', 'root', 1, 10],
        ['a1', 'a', 2, 1],
        ['a1x', 'a1', 2, 1],
        ['b', 'root', 20, 5],
      ),
    );
    expect(visibleRows(t.rows, new Set(['a'])).map((r) => r.spanId)).toEqual(['root', 'a', 'b']);
    expect(visibleRows(t.rows, new Set(['root'])).map((r) => r.spanId)).toEqual(['root']);
    expect(visibleRows(t.rows, new Set()).map((r) => r.spanId)).toEqual(['root', 'a', 'a1', 'a1x', 'b']);
  });
});
