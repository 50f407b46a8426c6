import { useMemo } from 'react';
import { TEST_IDS } from '../../testIds.js';
import { lineDiff, prettyDefinition, toSplitRows } from './diff.js';

export type DiffMode = 'unified' | 'split';

interface Props {
  before: string | undefined;
  after: string | undefined;
  mode: DiffMode;
}

/** A diff of two canonical tool definitions, pretty-printed so each property sits on its own line. */
export function DiffView({ before, after, mode }: Props) {
  const lines = useMemo(() => lineDiff(prettyDefinition(before), prettyDefinition(after)), [before, after]);
  if (mode === 'split') {
    const rows = toSplitRows(lines);
    return (
      <table className="diff split" data-testid={TEST_IDS.diff}>
        <tbody>
          {rows.map((r, i) => (
            <tr key={i}>
              <td className="ln">{r.left?.line ?? ''}</td>
              <td className={r.left ? (r.left.changed ? 'del' : '') : 'blank'}>{r.left?.text ?? ''}</td>
              <td className="ln">{r.right?.line ?? ''}</td>
              <td className={r.right ? (r.right.changed ? 'add' : '') : 'blank'}>{r.right?.text ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  return (
    <table className="diff unified" data-testid={TEST_IDS.diff}>
      <tbody>
        {lines.map((l, i) => (
          <tr key={i} className={l.kind === 'added' ? 'add' : l.kind === 'removed' ? 'del' : undefined}>
            <td className="ln">{l.kind === 'added' ? '' : l.oldLine}</td>
            <td className="ln">{l.kind === 'removed' ? '' : l.newLine}</td>
            <td className="sign">{l.kind === 'added' ? '+' : l.kind === 'removed' ? '−' : ' '}</td>
            <td>{l.text}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
