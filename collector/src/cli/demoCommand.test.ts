import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { demoCommand } from './demoCommand.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('demoCommand', () => {
  it('says npm run demo in this clone', () => {
    expect(demoCommand(fileURLToPath(new URL('../..', import.meta.url)))).toBe('npm run demo');
  });

  it('says npx mcpscope demo where the collector is an installed package', () => {
    const root = mkdtempSync(join(tmpdir(), 'mcpscope-installed-'));
    dirs.push(root);
    // node_modules/@mcpscope/collector inside someone's project: its parent holds no workspace manifest.
    const packageDir = join(root, 'node_modules', '@mcpscope', 'collector');
    mkdirSync(packageDir, { recursive: true });
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({ name: 'their-app', workspaces: ['packages/*'] }),
    );
    expect(demoCommand(packageDir)).toBe('npx mcpscope demo');
  });
});
