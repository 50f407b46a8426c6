/** Compact duration for a histogram axis: "5ms", "250ms", "2.5s", "1m". */
function compact(ms: number): string {
  if (ms < 1) return `${Math.round(ms * 1000)}µs`;
  if (ms < 1000) return `${Number(ms.toPrecision(3))}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toPrecision(3))}s`;
  return `${Number((ms / 60_000).toPrecision(3))}m`;
}

/**
 * The label of a latency bucket given by its upper bound. The API marks the last, open bucket with a
 * negative (or missing) bound: it is labelled by the previous bound, "> 60s".
 */
export function histogramLabel(leMs: number, previousLeMs: number | undefined): string {
  if (Number.isFinite(leMs) && leMs >= 0) return `≤${compact(leMs)}`;
  return previousLeMs !== undefined && previousLeMs >= 0 ? `>${compact(previousLeMs)}` : 'more';
}
