/** One line of a diff. Line numbers are 1-based in their own side. */
export type DiffLine =
  | { kind: 'same'; text: string; oldLine: number; newLine: number }
  | { kind: 'removed'; text: string; oldLine: number }
  | { kind: 'added'; text: string; newLine: number };

/**
 * Above this many cells (changed-region lines before × after) the LCS table is not built and the region
 * is shown as all removed then all added. Tool definitions are a few hundred lines at most; the cap only
 * guards the browser against a pathological definition.
 */
const MAX_LCS_CELLS = 4_000_000;

/**
 * A line diff of two texts: common prefix and suffix stripped, then a longest-common-subsequence over
 * the changed middle. Quadratic in the changed region, which is small for tool definitions; written here
 * rather than pulled from a library because this is all the dashboard needs (~60 lines, no dependency).
 */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  )
    suffix++;

  const out: DiffLine[] = [];
  for (let i = 0; i < prefix; i++)
    out.push({ kind: 'same', text: a[i] ?? '', oldLine: i + 1, newLine: i + 1 });
  const midA = a.slice(prefix, a.length - suffix);
  const midB = b.slice(prefix, b.length - suffix);
  for (const line of diffMiddle(midA, midB)) {
    if (line.kind === 'same')
      out.push({ ...line, oldLine: line.oldLine + prefix, newLine: line.newLine + prefix });
    else if (line.kind === 'removed') out.push({ ...line, oldLine: line.oldLine + prefix });
    else out.push({ ...line, newLine: line.newLine + prefix });
  }
  for (let i = suffix; i > 0; i--) {
    const oldLine = a.length - i + 1;
    out.push({ kind: 'same', text: a[a.length - i] ?? '', oldLine, newLine: b.length - i + 1 });
  }
  return out;
}

function splitLines(text: string): string[] {
  return text === '' ? [] : text.split('\n');
}

function diffMiddle(a: string[], b: string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  if (n * m > MAX_LCS_CELLS) {
    return [
      ...a.map((text, i): DiffLine => ({ kind: 'removed', text, oldLine: i + 1 })),
      ...b.map((text, j): DiffLine => ({ kind: 'added', text, newLine: j + 1 })),
    ];
  }
  // lcs[i][j] = LCS length of a[i..] and b[j..], flattened into one typed array.
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] =
        a[i] === b[j]
          ? (lcs[(i + 1) * w + j + 1] ?? 0) + 1
          : Math.max(lcs[(i + 1) * w + j] ?? 0, lcs[i * w + j + 1] ?? 0);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ kind: 'same', text: a[i] ?? '', oldLine: i + 1, newLine: j + 1 });
      i++;
      j++;
    } else if (j < m && (i >= n || (lcs[i * w + j + 1] ?? 0) >= (lcs[(i + 1) * w + j] ?? 0))) {
      out.push({ kind: 'added', text: b[j] ?? '', newLine: j + 1 });
      j++;
    } else {
      out.push({ kind: 'removed', text: a[i] ?? '', oldLine: i + 1 });
      i++;
    }
  }
  return reorderRemovedFirst(out);
}

/** Within each run of changes, removals before additions: the conventional, easier-to-read order. */
function reorderRemovedFirst(lines: DiffLine[]): DiffLine[] {
  const out: DiffLine[] = [];
  let removed: DiffLine[] = [];
  let added: DiffLine[] = [];
  const flush = (): void => {
    out.push(...removed, ...added);
    removed = [];
    added = [];
  };
  for (const line of lines) {
    if (line.kind === 'removed') removed.push(line);
    else if (line.kind === 'added') added.push(line);
    else {
      flush();
      out.push(line);
    }
  }
  flush();
  return out;
}

/** A row of the side-by-side view: the old line on the left, the new on the right, either may be empty. */
export interface SplitRow {
  left?: { text: string; line: number; changed: boolean };
  right?: { text: string; line: number; changed: boolean };
}

/** Pairs removals with the additions that follow them, so a modified line sits beside its new version. */
export function toSplitRows(lines: readonly DiffLine[]): SplitRow[] {
  const rows: SplitRow[] = [];
  let k = 0;
  while (k < lines.length) {
    const line = lines[k];
    if (!line) break;
    if (line.kind === 'same') {
      rows.push({
        left: { text: line.text, line: line.oldLine, changed: false },
        right: { text: line.text, line: line.newLine, changed: false },
      });
      k++;
      continue;
    }
    const removed: { text: string; line: number }[] = [];
    const added: { text: string; line: number }[] = [];
    while (k < lines.length && lines[k]?.kind !== 'same') {
      const l = lines[k];
      if (l?.kind === 'removed') removed.push({ text: l.text, line: l.oldLine });
      else if (l?.kind === 'added') added.push({ text: l.text, line: l.newLine });
      k++;
    }
    for (let r = 0; r < Math.max(removed.length, added.length); r++) {
      const left = removed[r];
      const right = added[r];
      rows.push({
        ...(left ? { left: { ...left, changed: true } } : {}),
        ...(right ? { right: { ...right, changed: true } } : {}),
      });
    }
  }
  return rows;
}

/**
 * Pretty-prints a definition with one property per line and keys sorted at every level, so two versions
 * diff by content even when one was recorded in wire order and the other canonically; text that is not
 * JSON is shown as it is.
 */
export function prettyDefinition(definition: string | undefined): string {
  if (definition === undefined || definition === '') return '';
  try {
    return JSON.stringify(sortKeys(JSON.parse(definition)), null, 2);
  } catch {
    return definition;
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const rec = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(rec).sort()) out[key] = sortKeys(rec[key]);
    return out;
  }
  return value;
}
