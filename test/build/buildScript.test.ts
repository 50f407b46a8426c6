import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain ESM script (it runs before anything is built), without type declarations
import { buildKeys, isCurrent, STAMP } from '../../scripts/build.mjs';

// `npm start` builds only what changed (scripts/build.mjs --changed). These tests run its change
// detection on a small tree laid out like the repository: which workspaces a change rebuilds.

let dir: string;

function write(path: string, text: string): void {
  mkdirSync(dirname(join(dir, path)), { recursive: true });
  writeFileSync(join(dir, path), text);
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mcpscope-build-'));
  write('tsconfig.base.json', '{}');
  write('package-lock.json', '{}');
  write('sdk/package.json', '{"name":"@mcpscope/sdk"}');
  write('sdk/src/index.ts', 'export const a = 1;');
  write('dashboard/package.json', '{}');
  write('dashboard/src/main.tsx', 'export {};');
  write('collector/package.json', '{}');
  write('collector/src/app.ts', 'export {};');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Keys = Map<string, string>;
const keys = (): Keys => buildKeys(dir) as Keys;
const changed = (before: Keys, after: Keys): string[] =>
  [...before.keys()].filter((ws) => before.get(ws) !== after.get(ws));

describe('scripts/build.mjs change detection', () => {
  it('is stable while nothing changes', () => {
    expect(changed(keys(), keys())).toEqual([]);
  });

  it('rebuilds a workspace and those built against it, never those before it', () => {
    const before = keys();
    write('dashboard/src/main.tsx', 'export const b = 2;');
    expect(changed(before, keys())).toEqual(['dashboard', 'collector']);
    const again = keys();
    write('sdk/src/index.ts', 'export const a = 2;');
    expect(changed(again, keys())).toEqual(['sdk', 'dashboard', 'collector']);
  });

  it('ignores tests and build output, but not a changed lockfile', () => {
    const before = keys();
    write('collector/src/app.test.ts', 'it("x", () => {});');
    write('sdk/dist/index.js', 'built');
    expect(changed(before, keys())).toEqual([]);
    write('package-lock.json', '{"lockfileVersion":3}');
    expect(changed(before, keys())).toEqual(['sdk', 'dashboard', 'collector']);
  });

  it('takes a workspace as current only when its stamp holds the same key', () => {
    const current = keys();
    expect(isCurrent(dir, 'sdk', current.get('sdk'))).toBe(false);
    write(`sdk/dist/${STAMP as string}`, `${current.get('sdk')}\n`);
    expect(isCurrent(dir, 'sdk', current.get('sdk'))).toBe(true);
    write('sdk/src/index.ts', 'export const a = 3;');
    expect(isCurrent(dir, 'sdk', keys().get('sdk'))).toBe(false);
  });
});
