import { describe, expect, it } from 'vitest';
import { criticalPath, criticalTimeBySpan, type CriticalPathInput } from './criticalPath.js';

/** Fixture helper: [id, parent, start, end]. */
function spans(...rows: [string, string, number, number][]): CriticalPathInput[] {
  return rows.map(([spanId, parentSpanId, start, end]) => ({
    spanId,
    parentSpanId,
    startNs: start,
    durationNs: end - start,
  }));
}

const asTuples = (s: ReturnType<typeof criticalPath>): [string, number, number][] =>
  s.map((x) => [x.spanId, x.startNs, x.endNs]);

describe('criticalPath', () => {
  it('is the whole span for a single span', () => {
    expect(asTuples(criticalPath(spans(['a', '', 0, 100])))).toEqual([['a', 0, 100]]);
  });

  it('returns nothing for an empty trace', () => {
    expect(criticalPath([])).toEqual([]);
  });

  it('charges the gaps around one child to the parent', () => {
    const path = criticalPath(spans(['root', '', 0, 100], ['c', 'root', 20, 70]));
    expect(asTuples(path)).toEqual([
      ['root', 70, 100],
      ['c', 20, 70],
      ['root', 0, 20],
    ]);
  });

  it('follows the last-finishing of two parallel children', () => {
    const path = criticalPath(
      spans(['root', '', 0, 100], ['fast', 'root', 10, 40], ['slow', 'root', 10, 90]),
    );
    expect(asTuples(path)).toEqual([
      ['root', 90, 100],
      ['slow', 10, 90],
      ['root', 0, 10],
    ]);
  });

  it('takes every back-to-back sequential child', () => {
    const path = criticalPath(
      spans(['root', '', 0, 30], ['a', 'root', 0, 10], ['b', 'root', 10, 20], ['c', 'root', 20, 30]),
    );
    expect(asTuples(path)).toEqual([
      ['c', 20, 30],
      ['b', 10, 20],
      ['a', 0, 10],
    ]);
  });

  it('skips a child that overlaps the one already on the path and takes the one that ended before it', () => {
    // 'x' ends after 'late' starts: it ran in parallel, so it is not what 'late' waited for; 'early' is.
    const path = criticalPath(
      spans(['root', '', 0, 100], ['early', 'root', 0, 30], ['x', 'root', 35, 60], ['late', 'root', 50, 100]),
    );
    expect(asTuples(path)).toEqual([
      ['late', 50, 100],
      ['root', 30, 50],
      ['early', 0, 30],
    ]);
  });

  it('descends through nested spans (client → transport → server → downstream)', () => {
    const path = criticalPath(
      spans(
        ['client', '', 0, 100],
        ['transport', 'client', 5, 95],
        ['server', 'transport', 10, 90],
        ['db', 'server', 20, 80],
      ),
    );
    expect(asTuples(path)).toEqual([
      ['client', 95, 100],
      ['transport', 90, 95],
      ['server', 80, 90],
      ['db', 20, 80],
      ['server', 10, 20],
      ['transport', 5, 10],
      ['client', 0, 5],
    ]);
  });

  it('clips a child that overruns its parent (clock skew) and drops one wholly outside', () => {
    const path = criticalPath(
      spans(['root', '', 0, 100], ['skewed', 'root', -10, 50], ['outside', 'root', 200, 300]),
    );
    expect(asTuples(path)).toEqual([
      ['root', 50, 100],
      ['skewed', 0, 50],
    ]);
  });

  it('joins orphans and several roots under the whole trace', () => {
    const path = criticalPath(spans(['a', '', 0, 40], ['orphan', 'missing-parent', 50, 120]));
    expect(asTuples(path)).toEqual([
      ['orphan', 50, 120],
      ['a', 0, 40],
    ]);
  });

  it('terminates on zero-length children and on parent cycles', () => {
    const zero = criticalPath(spans(['root', '', 0, 10], ['z1', 'root', 5, 5], ['z2', 'root', 5, 5]));
    expect(asTuples(zero)).toEqual([
      ['root', 5, 10],
      ['root', 0, 5],
    ]);
    // The cycle is broken where it closes: 'b' becomes the root and 'a' its child, clipped to [2, 8].
    const cycle = criticalPath(spans(['a', 'b', 0, 10], ['b', 'a', 2, 8]));
    expect(asTuples(cycle)).toEqual([['a', 2, 8]]);
  });

  it('sums critical time per span', () => {
    const total = criticalTimeBySpan(criticalPath(spans(['root', '', 0, 100], ['c', 'root', 20, 70])));
    expect(total.get('root')).toBe(50);
    expect(total.get('c')).toBe(50);
  });
});
