import { describe, expect, it } from 'vitest';
import type { SpanLayer } from '../../telemetry.js';
import { layerBreakdown, unionLength, type BreakdownInput } from './layerBreakdown.js';

/** Fixture helper: [id, parent, layer, start, duration]. */
function spans(...rows: [string, string, SpanLayer, number, number][]): BreakdownInput[] {
  return rows.map(([spanId, parentSpanId, layer, startNs, durationNs]) => ({
    spanId,
    parentSpanId,
    layer,
    startNs,
    durationNs,
  }));
}

describe('layerBreakdown', () => {
  it('splits one fully instrumented call by nested durations', () => {
    const b = layerBreakdown(
      spans(
        ['c', '', 'client', 0, 100],
        ['t', 'c', 'transport', 2, 90],
        ['s', 't', 'server', 10, 60],
        ['db', 's', 'downstream', 20, 25],
      ),
    );
    expect(b).toEqual({ client: 10, transport: 30, server: 35, downstream: 25, requests: 1 });
  });

  it('ignores cross-process timestamps: a server span whose clock runs ahead changes nothing', () => {
    const skewed = layerBreakdown(
      spans(
        ['c', '', 'client', 0, 100],
        ['t', 'c', 'transport', 2, 90],
        // 5 seconds ahead, and starting "before" its parent on the other clock: only durations count.
        ['s', 't', 'server', 5_000_000_010, 60],
        ['db', 's', 'downstream', 5_000_000_020, 25],
      ),
    );
    expect(skewed).toEqual({ client: 10, transport: 30, server: 35, downstream: 25, requests: 1 });
  });

  it('counts overlapping downstream calls once (their union) and caps them at the server span', () => {
    const parallel = layerBreakdown(
      spans(
        ['s', '', 'server', 0, 100],
        ['h1', 's', 'downstream', 10, 40],
        ['h2', 's', 'downstream', 30, 40],
      ),
    );
    expect(parallel).toEqual({ client: 0, transport: 0, server: 40, downstream: 60, requests: 1 });
    const overrun = layerBreakdown(spans(['s', '', 'server', 0, 50], ['h', 's', 'downstream', 0, 80]));
    expect(overrun.downstream).toBe(50);
    expect(overrun.server).toBe(0);
  });

  it('lends an uninstrumented layer’s time to the layer above it', () => {
    // Client and transport only: the server was not instrumented, its time shows as transport.
    expect(layerBreakdown(spans(['c', '', 'client', 0, 100], ['t', 'c', 'transport', 5, 90]))).toEqual({
      client: 10,
      transport: 90,
      server: 0,
      downstream: 0,
      requests: 1,
    });
    // Client directly above the server (no transport span).
    expect(layerBreakdown(spans(['c', '', 'client', 0, 100], ['s', 'c', 'server', 5, 70]))).toEqual({
      client: 30,
      transport: 0,
      server: 70,
      downstream: 0,
      requests: 1,
    });
  });

  it('sums several top-level requests and does not count a nested MCP call twice', () => {
    const b = layerBreakdown(
      spans(
        ['agent', '', 'downstream', 0, 1000],
        ['c1', 'agent', 'client', 0, 100],
        ['s1', 'c1', 'server', 10, 80],
        ['c2', 'agent', 'client', 200, 50],
        ['s2', 'c2', 'server', 210, 40],
        // s2's handler calls another MCP server: part of s2's downstream time.
        ['nested', 's2', 'client', 215, 30],
        ['nested-s', 'nested', 'server', 216, 20],
      ),
    );
    expect(b).toEqual({ client: 30, transport: 0, server: 90, downstream: 30, requests: 2 });
  });

  it('never goes negative when a child outlasts its parent', () => {
    const b = layerBreakdown(spans(['c', '', 'client', 0, 50], ['t', 'c', 'transport', 0, 70]));
    expect(b.client).toBe(0);
    expect(b.transport).toBe(70);
  });

  it('is zero for a trace without MCP spans', () => {
    expect(layerBreakdown(spans(['x', '', 'downstream', 0, 10]))).toEqual({
      client: 0,
      transport: 0,
      server: 0,
      downstream: 0,
      requests: 0,
    });
  });
});

describe('unionLength', () => {
  it('merges overlapping and touching intervals', () => {
    expect(unionLength([])).toBe(0);
    expect(
      unionLength([
        { startNs: 0, durationNs: 10 },
        { startNs: 10, durationNs: 5 },
        { startNs: 20, durationNs: 5 },
      ]),
    ).toBe(20);
    expect(
      unionLength([
        { startNs: 0, durationNs: 100 },
        { startNs: 10, durationNs: 5 },
      ]),
    ).toBe(100);
  });
});
