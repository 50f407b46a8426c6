import type { SpanLayer } from '../../telemetry.js';

/** The part of a span the breakdown needs. */
export interface BreakdownInput {
  spanId: string;
  parentSpanId: string;
  layer: SpanLayer;
  startNs: number;
  durationNs: number;
}

/** Nanoseconds spent in each layer, summed over the trace's top-level MCP requests. */
export interface LayerBreakdown {
  client: number;
  transport: number;
  server: number;
  downstream: number;
  /** How many top-level MCP requests contributed. */
  requests: number;
}

const isMcp = (layer: SpanLayer): boolean => layer !== 'downstream';

/**
 * "Where the time went", computed from DURATIONS only. The client, transport and server spans of one
 * request are recorded by different processes whose clocks disagree by more than a fast call takes, but
 * each duration is measured on one clock, so differences of nested durations are trustworthy:
 *
 *   client     = client span    − its transport child (or its server child when there is no transport span)
 *   transport  = transport span − its server child
 *   server     = server span    − time covered by its children
 *   downstream = time covered by the server span's children
 *
 * The server's children run in the server's process, so the union of their intervals (parallel calls
 * overlap) is taken on that one clock, capped at the server span. A layer that was not instrumented
 * lends its time to the layer above it (a transport without a server child counts the server's time as
 * transport). Only top-level MCP requests are counted: a request made from inside a handler is part of
 * its server's downstream time already.
 */
export function layerBreakdown(spans: readonly BreakdownInput[]): LayerBreakdown {
  const byId = new Map<string, BreakdownInput>();
  for (const s of spans) if (!byId.has(s.spanId)) byId.set(s.spanId, s);
  const children = new Map<string, BreakdownInput[]>();
  for (const s of byId.values()) {
    if (!byId.has(s.parentSpanId) || s.parentSpanId === s.spanId) continue;
    const list = children.get(s.parentSpanId);
    if (list) list.push(s);
    else children.set(s.parentSpanId, [s]);
  }

  const out: LayerBreakdown = { client: 0, transport: 0, server: 0, downstream: 0, requests: 0 };
  for (const s of byId.values()) {
    if (!isMcp(s.layer) || hasMcpAncestor(s, byId)) continue;
    out.requests++;
    let span: BreakdownInput | undefined = s;
    if (span.layer === 'client') {
      const kids = children.get(span.spanId) ?? [];
      const next = longest(kids, 'transport') ?? longest(kids, 'server');
      out.client += nonNegative(span.durationNs - (next?.durationNs ?? 0));
      span = next;
    }
    if (span?.layer === 'transport') {
      const next = longest(children.get(span.spanId) ?? [], 'server');
      out.transport += nonNegative(span.durationNs - (next?.durationNs ?? 0));
      span = next;
    }
    if (span?.layer === 'server') {
      const covered = Math.min(span.durationNs, unionLength(children.get(span.spanId) ?? []));
      out.downstream += covered;
      out.server += nonNegative(span.durationNs - covered);
    }
  }
  return out;
}

function hasMcpAncestor(span: BreakdownInput, byId: Map<string, BreakdownInput>): boolean {
  const seen = new Set<string>([span.spanId]);
  for (let p = byId.get(span.parentSpanId); p && !seen.has(p.spanId); p = byId.get(p.parentSpanId)) {
    if (isMcp(p.layer)) return true;
    seen.add(p.spanId);
  }
  return false;
}

function longest(spans: readonly BreakdownInput[], layer: SpanLayer): BreakdownInput | undefined {
  let best: BreakdownInput | undefined;
  for (const s of spans) if (s.layer === layer && (!best || s.durationNs > best.durationNs)) best = s;
  return best;
}

const nonNegative = (v: number): number => (v > 0 ? v : 0);

/** Length of the union of the spans' intervals. */
export function unionLength(spans: readonly { startNs: number; durationNs: number }[]): number {
  const intervals = spans
    .map((s) => [s.startNs, s.startNs + Math.max(0, s.durationNs)] as const)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const [start, end] of intervals) {
    if (start > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = start;
      curEnd = end;
    } else if (end > curEnd) {
      curEnd = end;
    }
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}
