import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Which build a benchmark ran, for comparing one with another: `FILE (git COMMIT[, uncommitted changes]
 * in PACKAGE, built TIME[, SOURCES NEWER THAN THE BUILD])`, or `FILE (…, sources)` for a file of the
 * package's src/. A build older than its sources runs something else than its checkout says. Git is
 * only read: `--no-optional-locks` keeps `git diff` from refreshing the index file.
 */
export function describeBuild(file: string): string {
  const packageDir = packageDirOf(file);
  const git = (...args: string[]): string =>
    execFileSync('git', ['--no-optional-locks', '-C', packageDir, ...args], {
      encoding: 'utf8',
      stdio: 'pipe',
    }).trim();
  let commit: string;
  try {
    commit = `git ${git('rev-parse', '--short', 'HEAD')}`;
    try {
      git('diff', '--quiet', 'HEAD', '--', '.');
    } catch {
      commit += ', uncommitted changes';
    }
  } catch {
    commit = 'not a git checkout';
  }
  const sources = path.join(packageDir, 'src');
  if (file.startsWith(sources + path.sep)) return `${file} (${commit} in ${packageDir}, sources)`;
  const built = statSync(file).mtimeMs;
  const stale =
    existsSync(sources) &&
    readdirSync(sources, { recursive: true, withFileTypes: true }).some(
      (entry) => entry.isFile() && statSync(path.join(entry.parentPath, entry.name)).mtimeMs > built,
    );
  return (
    `${file} (${commit} in ${packageDir}, built ${new Date(built).toISOString()}` +
    `${stale ? ', SOURCES NEWER THAN THE BUILD' : ''})`
  );
}

function packageDirOf(file: string): string {
  for (let dir = path.dirname(file); dir !== path.dirname(dir); dir = path.dirname(dir))
    if (existsSync(path.join(dir, 'package.json'))) return dir;
  return path.dirname(file);
}
