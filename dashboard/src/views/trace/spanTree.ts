/** The part of a span the tree needs. */
export interface TreeInput {
  spanId: string;
  parentSpanId: string;
  startNs: number;
  durationNs: number;
}

/** One waterfall row. */
export interface TreeRow {
  spanId: string;
  /** Nesting depth: 0 for roots. */
  depth: number;
  childCount: number;
  /** The span names a parent that is not in the trace (not received, or dropped): shown at the root. */
  orphan: boolean;
  /**
   * The span starts before or ends after its parent. Parent and child often run in different processes
   * whose clocks disagree; the row is still drawn where its own clock put it.
   */
  skewed: boolean;
}

export interface SpanTree {
  /** Every span once, depth-first, children ordered by start time. */
  rows: TreeRow[];
  children: Map<string, string[]>;
  roots: string[];
}

/**
 * Nests spans by parent. Tolerates what real traces contain: parents that never arrived (the child
 * becomes a root marked orphan), cycles from corrupt ids (broken at the first span met), duplicate ids
 * (the first wins) and children that start before their parent.
 */
export function buildSpanTree(spans: readonly TreeInput[]): SpanTree {
  const byId = new Map<string, TreeInput>();
  for (const s of spans) if (!byId.has(s.spanId)) byId.set(s.spanId, s);

  const children = new Map<string, string[]>();
  const roots: string[] = [];
  const orphans = new Set<string>();
  for (const s of byId.values()) {
    const hasParent = s.parentSpanId !== '' && s.parentSpanId !== s.spanId;
    if (hasParent && byId.has(s.parentSpanId)) {
      const list = children.get(s.parentSpanId);
      if (list) list.push(s.spanId);
      else children.set(s.parentSpanId, [s.spanId]);
    } else {
      roots.push(s.spanId);
      if (hasParent) orphans.add(s.spanId);
    }
  }
  const byStart = (a: string, b: string): number => (byId.get(a)?.startNs ?? 0) - (byId.get(b)?.startNs ?? 0);
  roots.sort(byStart);
  for (const list of children.values()) list.sort(byStart);

  const rows: TreeRow[] = [];
  const visited = new Set<string>();
  const walk = (rootId: string, rootIsOrphan: boolean): void => {
    // Iterative depth-first walk: traces can nest deeper than a comfortable call stack.
    const stack: { id: string; depth: number; orphan: boolean }[] = [
      { id: rootId, depth: 0, orphan: rootIsOrphan },
    ];
    while (stack.length > 0) {
      const item = stack.pop();
      if (!item || visited.has(item.id)) continue;
      visited.add(item.id);
      const span = byId.get(item.id);
      if (!span) continue;
      const kids = (children.get(item.id) ?? []).filter((k) => !visited.has(k));
      const parent = byId.get(span.parentSpanId);
      const skewed =
        parent !== undefined &&
        item.depth > 0 &&
        (span.startNs < parent.startNs ||
          span.startNs + span.durationNs > parent.startNs + parent.durationNs);
      rows.push({ spanId: item.id, depth: item.depth, childCount: kids.length, orphan: item.orphan, skewed });
      for (let i = kids.length - 1; i >= 0; i--) {
        const k = kids[i];
        if (k !== undefined) stack.push({ id: k, depth: item.depth + 1, orphan: false });
      }
    }
  };
  for (const r of roots) walk(r, orphans.has(r));
  // Spans still unvisited sit on a parent cycle: no root leads to them. Show them rather than lose them.
  for (const s of byId.values()) {
    if (!visited.has(s.spanId)) {
      roots.push(s.spanId);
      walk(s.spanId, true);
    }
  }
  return { rows, children, roots };
}

/**
 * The rows left visible when the given spans are collapsed: their descendants are hidden. Rows are in
 * depth-first order, so a subtree is the run of deeper rows that follows its root.
 */
export function visibleRows(rows: readonly TreeRow[], collapsed: ReadonlySet<string>): TreeRow[] {
  if (collapsed.size === 0) return rows.slice();
  const out: TreeRow[] = [];
  let hideDeeperThan = Infinity;
  for (const row of rows) {
    if (row.depth > hideDeeperThan) continue;
    hideDeeperThan = Infinity;
    out.push(row);
    if (collapsed.has(row.spanId) && row.childCount > 0) hideDeeperThan = row.depth;
  }
  return out;
}
