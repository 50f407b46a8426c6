import { describe, expect, it } from 'vitest';
import type { OverviewResponse } from '../../api/types.js';
import { samplingWords, sourceNote } from './sourceNote.js';

type Source = OverviewResponse['source'];

const sampled: Source = {
  used: 'metrics',
  requested: 'auto',
  reason: 'sampled',
  comparedLayer: 'client',
  spanCalls: 30,
  metricCalls: 300,
  sampledRatio: 0.1,
};

describe('the overview source note', () => {
  it('says the figures come from metrics because traces are sampled, and offers the traces', () => {
    expect(sourceNote(sampled)).toEqual({
      text: 'From metrics — traces are sampled (≈1 in 10)',
      switchTo: { source: 'spans', label: 'show traced calls only' },
      rootCauseNote:
        'Root causes come from the sampled traces (≈1 in 10 calls): these counts cover those calls only.',
    });
  });

  it('says when there are no traces at all, with nothing to switch to', () => {
    const note = sourceNote({ ...sampled, reason: 'no-traces', spanCalls: 0, sampledRatio: undefined });
    expect(note.text).toBe('From metrics — no traces in this range');
    expect(note.switchTo).toBeUndefined();
    expect(note.rootCauseNote).toMatch(/this range has none/);
  });

  it('names a forced source and offers the automatic choice back', () => {
    expect(sourceNote({ ...sampled, used: 'spans', requested: 'spans', reason: 'requested' })).toEqual({
      text: 'From traces (chosen) — sampled (≈1 in 10): the counts cover traced calls only',
      switchTo: { source: 'auto', label: 'choose automatically' },
    });
    expect(
      sourceNote({ ...sampled, requested: 'metrics', reason: 'requested', sampledRatio: undefined }).text,
    ).toBe('From metrics (chosen)');
  });

  it('says "from traces" quietly, offering metrics only where there are some', () => {
    const complete: Source = {
      used: 'spans',
      requested: 'auto',
      reason: 'complete',
      comparedLayer: 'client',
      spanCalls: 300,
      metricCalls: 300,
    };
    expect(sourceNote(complete)).toEqual({
      text: 'From traces',
      switchTo: { source: 'metrics', label: 'use metrics' },
    });
    expect(sourceNote({ ...complete, reason: 'no-metrics', metricCalls: 0 })).toEqual({
      text: 'From traces',
    });
  });

  it('words the sampling ratio as "1 in N", or as a share when that would read 1 in 1', () => {
    expect(samplingWords(0.1)).toBe('≈1 in 10');
    expect(samplingWords(0.33)).toBe('≈1 in 3');
    expect(samplingWords(0.7)).toBe('≈70 % traced');
  });
});
