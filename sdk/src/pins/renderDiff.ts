import { structuredPatch } from 'diff';
import { canonicalJson } from '../core/tools/canonicalJson.js';
import type { PinComparison, ToolComparison } from '../core/pins/compare.js';

// The report `mcpscope pin --check` prints: one block per tool that does not match its pin, with a
// unified diff of the canonical JSON of each changed field, for a CI log or a terminal.

/** Lines of unchanged context around each change. */
const CONTEXT_LINES = 3;

/**
 * A value as canonical JSON (sorted keys), indented two spaces so that a diff points at the line that
 * changed. Re-parsing keeps the sorted order: JavaScript objects keep the insertion order of string keys
 * (integer-like keys excepted, which both sides of a diff then share).
 */
export function prettyCanonical(value: unknown): string {
  return JSON.stringify(JSON.parse(canonicalJson(value)), null, 2);
}

/** Unified diff of two texts (`---`/`+++` headers, `@@` hunks), each line indented by `indent`. */
export function unifiedDiff(
  before: string | undefined,
  after: string | undefined,
  labels: { before: string; after: string },
  indent = '',
): string[] {
  const oldText = before === undefined ? '' : `${before}\n`;
  const newText = after === undefined ? '' : `${after}\n`;
  const patch = structuredPatch(labels.before, labels.after, oldText, newText, undefined, undefined, {
    context: CONTEXT_LINES,
  });
  const out = [`${indent}--- ${labels.before}`, `${indent}+++ ${labels.after}`];
  for (const hunk of patch.hunks) {
    out.push(`${indent}@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`);
    for (const line of hunk.lines) out.push(`${indent}${line}`);
  }
  return out;
}

/** The block of one tool that does not match its pin; empty for a match. */
export function renderTool(tool: ToolComparison): string[] {
  switch (tool.status) {
    case 'match':
      return [];
    case 'missing':
      return [`- ${tool.name}: missing (pinned, no longer listed by the server)`];
    case 'unpinned': {
      const lines = [`+ ${tool.name}: new (not pinned)`];
      for (const line of prettyCanonical(tool.current?.definition ?? {}).split('\n'))
        lines.push(`    +${line}`);
      return lines;
    }
    case 'drift': {
      const fields = tool.changedFields ?? [];
      const lines = [`~ ${tool.name}: changed (${fields.join(', ')})`];
      const pinned = tool.pinned?.definition as Record<string, unknown> | undefined;
      const current = tool.current?.definition as Record<string, unknown> | undefined;
      for (const field of fields) {
        const before = pinned?.[field];
        const after = current?.[field];
        lines.push(
          ...unifiedDiff(
            before === undefined ? undefined : prettyCanonical(before),
            after === undefined ? undefined : prettyCanonical(after),
            {
              before: `pinned ${tool.name}.${field}${before === undefined ? ' (absent)' : ''}`,
              after: `server ${tool.name}.${field}${after === undefined ? ' (absent)' : ''}`,
            },
            '    ',
          ),
        );
      }
      return lines;
    }
  }
}

/** A one-line summary: how many tools match, changed, are new, are missing. */
export function summarize(comparison: PinComparison): string {
  const parts = [
    `${comparison.drifted.length} changed`,
    `${comparison.unpinned.length} new`,
    `${comparison.missing.length} missing`,
    `${comparison.matched.length} match`,
  ];
  return parts.join(', ');
}

/**
 * The whole report of a comparison: a summary line, then a block per tool that is not a match (changed
 * `~`, new `+`, missing `-`), in name order.
 */
export function renderComparison(comparison: PinComparison, source: string): string {
  const clean = comparison.status === 'match' && comparison.missing.length === 0;
  const lines = [
    clean
      ? `${source}: all ${comparison.matched.length} tools match their pins`
      : `${source}: the server's tools do not match their pins: ${summarize(comparison)}`,
  ];
  for (const tool of comparison.tools) {
    const block = renderTool(tool);
    if (block.length > 0) lines.push('', ...block);
  }
  return `${lines.join('\n')}\n`;
}
