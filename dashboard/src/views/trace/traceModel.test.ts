import { describe, expect, it } from 'vitest';
import type { SpanView } from '../../api/types.js';
import { toTraceModel } from './traceModel.js';

function view(
  spanId: string,
  parentSpanId: string,
  start: string,
  duration: string,
  extra: Partial<SpanView> = {},
): SpanView {
  return {
    traceId: 't',
    spanId,
    parentSpanId,
    name: spanId,
    kind: 'Internal',
    service: 'svc',
    startTimeUnixNano: start,
    durationNs: duration,
    statusCode: 'Unset',
    statusMessage: '',
    attributes: {},
    events: [],
    links: [],
    ...extra,
  };
}

describe('toTraceModel', () => {
  it('keeps nanosecond precision of unix times beyond 2^53 by subtracting in BigInt', () => {
    const m = toTraceModel('t', [
      view('b', 'a', '1764077000123456790', '5'),
      view('a', '', '1764077000123456789', '10'),
    ]);
    expect(m.startUnixNano).toBe(1764077000123456789n);
    expect(m.byId.get('b')?.startNs).toBe(1);
    expect(m.durationNs).toBe(10);
  });

  it('reads the layer and error status, and treats unknown layers as downstream', () => {
    const m = toTraceModel('t', [
      view('a', '', '1000', '10', { attributes: { 'mcpscope.layer': 'client' }, statusCode: 'Error' }),
      view('b', 'a', '1001', '5', { attributes: { 'mcpscope.layer': 'database' } }),
    ]);
    expect(m.byId.get('a')).toMatchObject({ layer: 'client', isError: true });
    expect(m.byId.get('b')).toMatchObject({ layer: 'downstream', isError: false });
  });

  it('tolerates malformed numbers and duplicate ids', () => {
    const m = toTraceModel('t', [view('a', '', 'x', '-3'), view('a', '', '5', '5')]);
    expect(m.spans).toHaveLength(1);
    expect(m.spans[0]?.durationNs).toBe(0);
  });
});
