import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The command that starts the demo where this collector runs from: `npm run demo` in a clone of the
// repository (its root package.json lists the workspaces), `npx mcpscope demo` when installed from npm.
// Empty dashboard pages and the start banner show it, so the hint a newcomer copies works.

/** Whether the package at `packageDir` is a workspace of the mcpscope repository. */
export function isInRepositoryClone(packageDir: string): boolean {
  const rootManifest = join(packageDir, '..', 'package.json');
  if (!existsSync(rootManifest)) return false;
  try {
    const manifest = JSON.parse(readFileSync(rootManifest, 'utf8')) as { workspaces?: unknown };
    return Array.isArray(manifest.workspaces) && manifest.workspaces.includes('collector');
  } catch {
    return false;
  }
}

/** The collector package's own directory (this file is in src/cli or dist/cli). */
function collectorPackageDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

/** The demo command that works where this collector runs (see the module comment). */
export function demoCommand(packageDir = collectorPackageDir()): string {
  return isInRepositoryClone(packageDir) ? 'npm run demo' : 'npx mcpscope demo';
}
