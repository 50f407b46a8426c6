import { describe, expect, it } from 'vitest';
import {
  decideOverviewSource,
  SAMPLED_MIN_EXTRA_CALLS,
  SAMPLED_MIN_RATIO,
  type SourceDecision,
  type SourceEvidence,
} from './overviewSource.js';

const none = { client: 0, server: 0 };

/** [what the case is, the evidence, the decision expected] */
const CASES: [string, SourceEvidence, SourceDecision][] = [
  [
    'nothing anywhere: the spans (an empty overview)',
    { requested: 'auto', spanCalls: {}, metricCalls: none },
    { used: 'spans', reason: 'no-metrics', spanCalls: 0, metricCalls: 0 },
  ],
  [
    'no MeterProvider: the spans',
    { requested: 'auto', spanLayer: 'client', spanCalls: { client: 40, server: 40 }, metricCalls: none },
    { used: 'spans', reason: 'no-metrics', comparedLayer: 'client', spanCalls: 40, metricCalls: 0 },
  ],
  [
    'every trace kept: the counts agree, the spans',
    {
      requested: 'auto',
      spanLayer: 'client',
      spanCalls: { client: 300, transport: 300, server: 300 },
      metricCalls: { client: 300, server: 300 },
    },
    { used: 'spans', reason: 'complete', comparedLayer: 'client', spanCalls: 300, metricCalls: 300 },
  ],
  [
    'an export interval past the window edge: histograms a little ahead, still the spans',
    {
      requested: 'auto',
      spanLayer: 'client',
      spanCalls: { client: 300 },
      metricCalls: { client: 340, server: 0 },
    },
    { used: 'spans', reason: 'complete', comparedLayer: 'client', spanCalls: 300, metricCalls: 340 },
  ],
  [
    'one trace in ten kept: the histograms, with the ratio',
    {
      requested: 'auto',
      spanLayer: 'client',
      spanCalls: { client: 30 },
      metricCalls: { client: 300, server: 0 },
    },
    {
      used: 'metrics',
      reason: 'sampled',
      comparedLayer: 'client',
      spanCalls: 30,
      metricCalls: 300,
      sampledRatio: 0.1,
    },
  ],
  [
    'a large ratio on a handful of calls is an edge effect: the spans',
    {
      requested: 'auto',
      spanLayer: 'client',
      spanCalls: { client: 2 },
      metricCalls: { client: 5, server: 0 },
    },
    { used: 'spans', reason: 'complete', comparedLayer: 'client', spanCalls: 2, metricCalls: 5 },
  ],
  [
    'tracing off: the histograms, client side first',
    { requested: 'auto', spanCalls: {}, metricCalls: { client: 12, server: 9 } },
    { used: 'metrics', reason: 'no-traces', comparedLayer: 'client', spanCalls: 0, metricCalls: 12 },
  ],
  [
    'tracing off, only servers export metrics: the server histograms',
    { requested: 'auto', spanCalls: {}, metricCalls: { client: 0, server: 7 } },
    { used: 'metrics', reason: 'no-traces', comparedLayer: 'server', spanCalls: 0, metricCalls: 7 },
  ],
  [
    'only the server has a MeterProvider: compared with the server spans, not the client spans',
    {
      requested: 'auto',
      spanLayer: 'client',
      spanCalls: { client: 30, server: 30 },
      metricCalls: { client: 0, server: 300 },
    },
    {
      used: 'metrics',
      reason: 'sampled',
      comparedLayer: 'server',
      spanCalls: 30,
      metricCalls: 300,
      sampledRatio: 0.1,
    },
  ],
  [
    "client spans only, server histograms only: no like to compare (the server's may count other callers)",
    {
      requested: 'auto',
      spanLayer: 'client',
      spanCalls: { client: 30 },
      metricCalls: { client: 0, server: 300 },
    },
    { used: 'spans', reason: 'no-metrics', comparedLayer: 'client', spanCalls: 30, metricCalls: 0 },
  ],
  [
    'a server that sees uninstrumented callers besides traced ones, every trace kept: the client side decides',
    {
      requested: 'auto',
      spanLayer: 'client',
      spanCalls: { client: 100, server: 100 },
      metricCalls: { client: 100, server: 900 },
    },
    { used: 'spans', reason: 'complete', comparedLayer: 'client', spanCalls: 100, metricCalls: 100 },
  ],
  [
    'layer=server: the server histogram against the server spans',
    {
      requested: 'auto',
      layer: 'server',
      spanLayer: 'server',
      spanCalls: { client: 300, server: 30 },
      metricCalls: { client: 300, server: 300 },
    },
    {
      used: 'metrics',
      reason: 'sampled',
      comparedLayer: 'server',
      spanCalls: 30,
      metricCalls: 300,
      sampledRatio: 0.1,
    },
  ],
  [
    'layer=server with no server spans at all but server histograms: the histograms',
    {
      requested: 'auto',
      layer: 'server',
      spanLayer: 'server',
      spanCalls: { client: 50 },
      metricCalls: { client: 50, server: 50 },
    },
    { used: 'metrics', reason: 'no-traces', comparedLayer: 'server', spanCalls: 0, metricCalls: 50 },
  ],
  [
    'layer=transport has no histogram: the spans',
    {
      requested: 'auto',
      layer: 'transport',
      spanLayer: 'transport',
      spanCalls: { transport: 30 },
      metricCalls: { client: 300, server: 0 },
    },
    { used: 'spans', reason: 'layer-without-histogram', spanCalls: 30, metricCalls: 0 },
  ],
  [
    'spans of another instrumentation (no layer) and no histograms: the spans',
    { requested: 'auto', spanLayer: '', spanCalls: { '': 20 }, metricCalls: none },
    { used: 'spans', reason: 'no-metrics', spanCalls: 20, metricCalls: 0 },
  ],
  [
    '?source=spans while sampled: the spans, still saying how sampled',
    {
      requested: 'spans',
      spanLayer: 'client',
      spanCalls: { client: 30 },
      metricCalls: { client: 300, server: 0 },
    },
    {
      used: 'spans',
      reason: 'requested',
      comparedLayer: 'client',
      spanCalls: 30,
      metricCalls: 300,
      sampledRatio: 0.1,
    },
  ],
  [
    '?source=metrics while complete: the histograms',
    {
      requested: 'metrics',
      spanLayer: 'client',
      spanCalls: { client: 300 },
      metricCalls: { client: 300, server: 0 },
    },
    { used: 'metrics', reason: 'requested', comparedLayer: 'client', spanCalls: 300, metricCalls: 300 },
  ],
  [
    '?source=metrics with no histograms: the histograms, empty',
    { requested: 'metrics', spanLayer: '', spanCalls: { '': 20 }, metricCalls: none },
    { used: 'metrics', reason: 'requested', spanCalls: 20, metricCalls: 0 },
  ],
];

describe('decideOverviewSource', () => {
  it.each(CASES)('%s', (_name, evidence, expected) => {
    expect(decideOverviewSource(evidence)).toEqual(expected);
  });

  it('takes the histograms from exactly the ratio and extra calls its thresholds name', () => {
    const at = (spans: number, metrics: number) =>
      decideOverviewSource({
        requested: 'auto',
        spanLayer: 'client',
        spanCalls: { client: spans },
        metricCalls: { client: metrics, server: 0 },
      }).used;
    const spans = 100;
    expect(at(spans, spans * SAMPLED_MIN_RATIO)).toBe('metrics');
    expect(at(spans, spans * SAMPLED_MIN_RATIO - 1)).toBe('spans');
    // Few calls: the ratio is met, the extra calls decide.
    const few = 4;
    expect(at(few, few + SAMPLED_MIN_EXTRA_CALLS)).toBe('metrics');
    expect(at(few, few + SAMPLED_MIN_EXTRA_CALLS - 1)).toBe('spans');
  });
});
