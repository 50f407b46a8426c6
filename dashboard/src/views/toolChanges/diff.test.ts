import { describe, expect, it } from 'vitest';
import { lineDiff, prettyDefinition, toSplitRows } from './diff.js';

const compact = (text: string): string[] =>
  lineDiff(text.split('|')[0] ?? '', text.split('|')[1] ?? '').map(
    (l) => `${l.kind === 'same' ? ' ' : l.kind === 'added' ? '+' : '-'}${l.text}`,
  );

describe('lineDiff', () => {
  it('reports identical texts as unchanged with both line numbers', () => {
    expect(lineDiff('a\nb', 'a\nb')).toEqual([
      { kind: 'same', text: 'a', oldLine: 1, newLine: 1 },
      { kind: 'same', text: 'b', oldLine: 2, newLine: 2 },
    ]);
  });

  it('shows a modified line as removed then added, between unchanged context', () => {
    expect(compact('a\nb\nc|a\nB\nc')).toEqual([' a', '-b', '+B', ' c']);
  });

  it('finds insertions and deletions in the middle', () => {
    expect(compact('a\nb\nc\nd|a\nc\nx\nd')).toEqual([' a', '-b', ' c', '+x', ' d']);
  });

  it('handles empty sides (a tool added or removed)', () => {
    expect(compact('|x\ny')).toEqual(['+x', '+y']);
    expect(compact('x|')).toEqual(['-x']);
    expect(lineDiff('', '')).toEqual([]);
  });

  it('numbers lines on each side after a change in length', () => {
    const d = lineDiff('a\nz', 'a\nb\nc\nz');
    expect(d.at(-1)).toEqual({ kind: 'same', text: 'z', oldLine: 2, newLine: 4 });
    expect(d.filter((l) => l.kind === 'added').map((l) => (l.kind === 'added' ? l.newLine : 0))).toEqual([
      2, 3,
    ]);
  });
});

describe('toSplitRows', () => {
  it('pairs removed and added lines side by side', () => {
    const rows = toSplitRows(lineDiff('a\nb\nc', 'a\nB\nB2\nc'));
    expect(rows).toEqual([
      { left: { text: 'a', line: 1, changed: false }, right: { text: 'a', line: 1, changed: false } },
      { left: { text: 'b', line: 2, changed: true }, right: { text: 'B', line: 2, changed: true } },
      { right: { text: 'B2', line: 3, changed: true } },
      { left: { text: 'c', line: 3, changed: false }, right: { text: 'c', line: 4, changed: false } },
    ]);
  });
});

describe('prettyDefinition', () => {
  it('indents JSON with sorted keys and passes other text through', () => {
    expect(prettyDefinition('{"b":{"d":[{"f":1,"e":2}],"c":true},"a":1}')).toBe(
      '{\n  "a": 1,\n  "b": {\n    "c": true,\n    "d": [\n      {\n        "e": 2,\n        "f": 1\n      }\n    ]\n  }\n}',
    );
    expect(prettyDefinition('not json')).toBe('not json');
    expect(prettyDefinition(undefined)).toBe('');
  });
});
