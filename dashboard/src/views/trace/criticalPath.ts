/** The part of a span the critical path needs; times in ns relative to any common origin. */
export interface CriticalPathInput {
  spanId: string;
  parentSpanId: string;
  startNs: number;
  durationNs: number;
}

/** A stretch of time during which `spanId` itself (not one of its children) held up the trace. */
export interface CriticalSection {
  spanId: string;
  startNs: number;
  endNs: number;
}

interface Node {
  id: string;
  start: number;
  end: number;
  parent: Node | undefined;
  /** Children sorted by end time, latest first. */
  children: Node[];
}

/** Id of the synthetic span that joins several roots; its sections are never reported. */
const VIRTUAL_ROOT = '\u0000root';

/**
 * The critical path of a trace, the jaeger-ui way: start at the root's end, repeatedly descend into the
 * child that finished last before the current point in time, and when a span has no such child, charge
 * the remaining time back to its start to the span itself and return to its parent at that start.
 *
 * Before the walk, children are clipped to their parent's extent (clock skew between processes puts a
 * child partly outside its parent) and children entirely outside their parent are dropped, as jaeger-ui
 * does. Orphans and multiple roots hang under a virtual root covering the whole trace.
 *
 * Differences from jaeger-ui, both deliberate: a child ending exactly where the next one starts counts
 * (`<=`), so back-to-back sequential children are all on the path; and each span is entered at most
 * once, so zero-length children cannot make the walk loop.
 *
 * Sections are returned from the trace end backwards.
 */
export function criticalPath(spans: readonly CriticalPathInput[]): CriticalSection[] {
  const nodes = new Map<string, Node>();
  for (const s of spans) {
    if (nodes.has(s.spanId)) continue;
    const start = s.startNs;
    nodes.set(s.spanId, {
      id: s.spanId,
      start,
      end: start + Math.max(0, s.durationNs),
      parent: undefined,
      children: [],
    });
  }
  if (nodes.size === 0) return [];

  const parentIdOf = new Map<string, string>();
  for (const s of spans) if (!parentIdOf.has(s.spanId)) parentIdOf.set(s.spanId, s.parentSpanId);
  const roots: Node[] = [];
  for (const node of nodes.values()) {
    const parent = nodes.get(parentIdOf.get(node.id) ?? '');
    if (parent && parent !== node && !isAncestor(node, parent)) {
      node.parent = parent;
      parent.children.push(node);
    } else {
      roots.push(node);
    }
  }

  let root: Node;
  const onlyRoot = roots[0];
  if (roots.length === 1 && onlyRoot) {
    root = onlyRoot;
  } else {
    root = { id: VIRTUAL_ROOT, start: Infinity, end: -Infinity, parent: undefined, children: [] };
    for (const r of roots) {
      root.start = Math.min(root.start, r.start);
      root.end = Math.max(root.end, r.end);
      r.parent = root;
      root.children.push(r);
    }
  }
  sanitize(root);

  const sections: CriticalSection[] = [];
  const push = (node: Node, start: number, end: number): void => {
    if (node.id !== VIRTUAL_ROOT && end > start)
      sections.push({ spanId: node.id, startNs: start, endNs: end });
  };
  const entered = new Set<Node>();
  let current: Node | undefined = root;
  // The start of the child we just came back from: the time point the parent must account for before.
  let returningAt: number | undefined;
  while (current) {
    entered.add(current);
    const until: number = returningAt ?? current.end;
    const next: Node | undefined = current.children.find((c) => !entered.has(c) && c.end <= until);
    if (next) {
      push(current, next.end, until);
      current = next;
      returningAt = undefined;
    } else {
      push(current, current.start, until);
      returningAt = current.start;
      current = current.parent;
    }
  }
  return sections;
}

function isAncestor(candidate: Node, of: Node): boolean {
  for (let p: Node | undefined = of; p; p = p.parent) if (p === candidate) return true;
  return false;
}

/** Clips children into their parent's extent, drops those wholly outside, and sorts by end, latest first. */
function sanitize(root: Node): void {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!node) continue;
    node.children = node.children.filter((c) => c.end >= node.start && c.start <= node.end);
    for (const c of node.children) {
      c.start = Math.max(c.start, node.start);
      c.end = Math.min(c.end, node.end);
      stack.push(c);
    }
    node.children.sort((a, b) => b.end - a.end);
  }
}

/** Total critical time per span id, for highlighting rows. */
export function criticalTimeBySpan(sections: readonly CriticalSection[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of sections) out.set(s.spanId, (out.get(s.spanId) ?? 0) + (s.endNs - s.startNs));
  return out;
}
