/** One root-cause layer's part of the failed calls. */
export interface RootCauseShare {
  layer: string;
  count: number;
  /** Of all failed calls in the window, in [0, 1]. */
  share: number;
}

/**
 * The overview's failed calls by root cause with each layer's share, largest first (ties in layer
 * order, so the panel does not reshuffle between refreshes); layers without failures are left out.
 */
export function rootCauseShares(rootCauses: readonly { layer: string; count: number }[]): RootCauseShare[] {
  const counted = rootCauses.filter((r) => r.count > 0);
  const total = counted.reduce((n, r) => n + r.count, 0);
  return counted
    .map((r) => ({ layer: r.layer, count: r.count, share: total > 0 ? r.count / total : 0 }))
    .sort((a, b) => b.count - a.count || a.layer.localeCompare(b.layer));
}
