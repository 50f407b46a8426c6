import { describe, expect, it } from 'vitest';
import {
  callLabel,
  initialSpan,
  shownVerdictIndex,
  verdictHeadline,
  verdictsOf,
  type Verdict,
} from './verdict.js';

function verdict(overrides: Partial<Verdict> = {}, call: Partial<Verdict['call']> = {}): Verdict {
  return {
    layer: 'downstream',
    spanId: 'd1',
    errorType: '503',
    message: 'GET /v1/alerts → 503',
    rule: 'downstream',
    call: {
      spanId: 'c1',
      method: 'tools/call',
      tool: 'get_alerts',
      server: 'weather',
      service: 'demo-agent',
      services: ['demo-agent', 'demo-weather-server'],
      startTimeUnixNano: '1700000000000000000',
      layers: ['client', 'server', 'transport'],
      ...call,
    },
    ...overrides,
  };
}

describe('verdict text', () => {
  it('names the layer, then what went wrong', () => {
    expect(verdictHeadline(verdict())).toBe('Failed in: downstream — GET /v1/alerts → 503');
  });

  it('falls back to the error type when the verdict has no message', () => {
    expect(verdictHeadline(verdict({ layer: 'server', message: '', errorType: 'timeout' }))).toBe(
      'Failed in: server — timeout',
    );
  });

  it('says which call failed, leaving out what no span named', () => {
    expect(callLabel(verdict().call)).toBe('tools/call get_alerts on weather');
    expect(callLabel(verdict({}, { method: 'resources/read', tool: '', server: '' }).call)).toBe(
      'resources/read',
    );
    expect(callLabel(verdict({}, { method: '', tool: '', server: 'weather' }).call)).toBe(
      'MCP call on weather',
    );
  });
});

describe('verdictsOf', () => {
  it('lists every failed call, or the first alone when no list came', () => {
    const a = verdict();
    const b = verdict({ spanId: 'd2' }, { spanId: 'c2' });
    expect(verdictsOf({ rootCause: a, rootCauses: [a, b] })).toEqual([a, b]);
    expect(verdictsOf({ rootCause: a, rootCauses: [] })).toEqual([a]);
    expect(verdictsOf({ rootCause: null, rootCauses: [] })).toEqual([]);
  });
});

describe('shownVerdictIndex', () => {
  const verdicts = [verdict(), verdict({ spanId: 'd2' }, { spanId: 'c2' }), verdict({ spanId: 'd3' })];

  it('shows the verdict whose span is selected', () => {
    expect(shownVerdictIndex(verdicts, 'd2')).toBe(1);
  });

  it('shows the verdict whose call is selected', () => {
    expect(shownVerdictIndex(verdicts, 'c2')).toBe(1);
  });

  it('shows the first failure otherwise', () => {
    expect(shownVerdictIndex(verdicts, null)).toBe(0);
    expect(shownVerdictIndex(verdicts, 'some-other-span')).toBe(0);
  });
});

describe('initialSpan', () => {
  const loaded = new Set(['d1', 'c1']);
  const isLoaded = (id: string): boolean => loaded.has(id);

  it('selects the failing span when the URL names none', () => {
    expect(initialSpan(null, verdict(), isLoaded)).toBe('d1');
  });

  it('leaves the span the URL names', () => {
    expect(initialSpan('c1', verdict(), isLoaded)).toBeNull();
  });

  it('selects nothing when no call failed', () => {
    expect(initialSpan(null, null, isLoaded)).toBeNull();
  });

  it('selects nothing when the failing span never arrived', () => {
    expect(initialSpan(null, verdict({ spanId: 'lost' }), isLoaded)).toBeNull();
  });
});
