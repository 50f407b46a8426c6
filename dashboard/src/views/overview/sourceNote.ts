import type { OverviewResponse } from '../../api/types.js';
import type { OverviewSourceParam } from './overviewFilters.js';

type Source = OverviewResponse['source'];

/** What the overview says about where its figures come from, and the switch it offers. */
export interface SourceNote {
  /** One short line: "From metrics — traces are sampled (≈1 in 10)". */
  text: string;
  /** The other choice, as the `source` URL parameter it sets, and its label. */
  switchTo?: { source: OverviewSourceParam; label: string };
  /**
   * For the root-cause panel, which always reads traces: what its counts cover when the rest of the
   * page does not come from them.
   */
  rootCauseNote?: string;
}

/** "≈1 in 10" for a sampled ratio of 0.1; "≈70 % traced" where "1 in N" would round to 1 in 1. */
export function samplingWords(ratio: number): string {
  const n = Math.round(1 / ratio);
  return n >= 2 ? `≈1 in ${n}` : `≈${Math.round(ratio * 100)} % traced`;
}

/** The note for a response's `source`. */
export function sourceNote(s: Source): SourceNote {
  const sampled = s.sampledRatio !== undefined ? samplingWords(s.sampledRatio) : undefined;
  if (s.used === 'metrics') {
    const rootCauseNote =
      s.spanCalls === 0
        ? 'Root causes come from traces, and this range has none: the failures counted above have no verdict here.'
        : `Root causes come from the sampled traces${sampled ? ` (${sampled} calls)` : ''}: these counts cover those calls only.`;
    if (s.reason === 'requested')
      return {
        text: `From metrics (chosen)${sampled ? ` — traces are sampled (${sampled})` : ''}`,
        switchTo: { source: 'auto', label: 'choose automatically' },
        rootCauseNote,
      };
    if (s.reason === 'no-traces') return { text: 'From metrics — no traces in this range', rootCauseNote };
    return {
      text: `From metrics — traces are sampled${sampled ? ` (${sampled})` : ''}`,
      switchTo: { source: 'spans', label: 'show traced calls only' },
      rootCauseNote,
    };
  }
  if (s.reason === 'requested')
    return {
      text: `From traces (chosen)${sampled ? ` — sampled (${sampled}): the counts cover traced calls only` : ''}`,
      switchTo: { source: 'auto', label: 'choose automatically' },
    };
  return {
    text: 'From traces',
    ...(s.metricCalls > 0 ? { switchTo: { source: 'metrics' as const, label: 'use metrics' } } : {}),
  };
}
