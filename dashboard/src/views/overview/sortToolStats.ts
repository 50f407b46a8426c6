import type { ToolStats } from '../../api/types.js';

/** Columns the per-tool table sorts by; `errorRate` first by default: what is failing comes first. */
export const TOOL_SORT_KEYS = ['errorRate', 'count', 'p50Ms', 'p95Ms', 'p99Ms', 'server', 'tool'] as const;
export type ToolSortKey = (typeof TOOL_SORT_KEYS)[number];

/** Reads `?sort=` (a key, `-` prefixed for ascending); unknown values fall back to error rate, descending. */
export function parseToolSort(value: string | null): { key: ToolSortKey; ascending: boolean } {
  const ascending = value?.startsWith('-') ?? false;
  const key = (ascending ? value?.slice(1) : value) ?? '';
  return (TOOL_SORT_KEYS as readonly string[]).includes(key)
    ? { key: key as ToolSortKey, ascending }
    : { key: 'errorRate', ascending: false };
}

/**
 * Sorts a copy of the rows. Numbers sort largest first unless ascending, names A→Z unless reversed; ties
 * fall back to call count, then names, so the order is stable between refreshes.
 */
export function sortToolStats(rows: readonly ToolStats[], key: ToolSortKey, ascending: boolean): ToolStats[] {
  const name = (r: ToolStats): string => `${r.server}\u0000${r.tool || r.method}\u0000${r.layer}`;
  const primary = (a: ToolStats, b: ToolStats): number => {
    if (key === 'server' || key === 'tool') {
      const av = key === 'server' ? a.server : a.tool || a.method;
      const bv = key === 'server' ? b.server : b.tool || b.method;
      return av.localeCompare(bv);
    }
    return b[key] - a[key];
  };
  return [...rows].sort((a, b) => {
    const p = primary(a, b);
    if (p !== 0) return ascending ? -p : p;
    return b.count - a.count || name(a).localeCompare(name(b));
  });
}
