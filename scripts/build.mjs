#!/usr/bin/env node
// Builds the workspaces in dependency order: sdk → dashboard → collector.
//
//   node scripts/build.mjs            build all three (what `npm run build` does)
//   node scripts/build.mjs --changed  build only the workspaces whose inputs changed since their last
//                                     build (what `npm start` does: a restart with nothing changed is
//                                     instant)
//
// A workspace's inputs are its sources and build configuration plus the inputs of the workspaces it
// builds against, hashed by content (mtimes change on checkout and copy; contents are what matter).
// After a successful build the hash is written to `<workspace>/dist/.build-inputs`; a build that fails
// leaves no stamp, so the next start builds again.
/* global process, console */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The workspaces in build order, each with its own inputs and the workspaces it builds against. */
export const WORKSPACES = [
  {
    name: 'sdk',
    inputs: ['src', 'package.json', 'tsup.config.ts'],
    after: [],
  },
  {
    // The dashboard imports the SDK's attribute names from its sources.
    name: 'dashboard',
    inputs: ['src', 'index.html', 'package.json', 'tsconfig.json', 'vite.config.ts'],
    after: ['sdk'],
  },
  {
    name: 'collector',
    inputs: ['src', 'package.json', 'tsconfig.build.json'],
    after: ['sdk', 'dashboard'],
  },
];

const SHARED_INPUTS = ['tsconfig.base.json', 'package-lock.json'];
const SKIPPED = /(^|\/)(node_modules|dist)(\/|$)|\.test\.tsx?$/;
export const STAMP = '.build-inputs';

function listFiles(path, out) {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path).sort()) listFiles(join(path, entry), out);
  } else {
    out.push(path);
  }
}

/** Content hash of one workspace's own inputs (paths and bytes). */
export function hashInputs(baseDir, inputs) {
  const hash = createHash('sha256');
  const files = [];
  for (const input of inputs) listFiles(join(baseDir, input), files);
  for (const file of files) {
    const rel = relative(baseDir, file).split('\\').join('/');
    if (SKIPPED.test(rel)) continue;
    hash.update(rel).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** The hash each workspace's build depends on: its inputs, the shared ones, and its dependencies'. */
export function buildKeys(baseDir = root) {
  const shared = hashInputs(baseDir, SHARED_INPUTS);
  const keys = new Map();
  for (const ws of WORKSPACES) {
    const hash = createHash('sha256')
      .update(shared)
      .update(hashInputs(join(baseDir, ws.name), ws.inputs));
    for (const dep of ws.after) hash.update(keys.get(dep));
    keys.set(ws.name, hash.digest('hex'));
  }
  return keys;
}

function stampPath(baseDir, ws) {
  return join(baseDir, ws, 'dist', STAMP);
}

/** Whether `ws` was last built from exactly these inputs. */
export function isCurrent(baseDir, ws, key) {
  const path = stampPath(baseDir, ws);
  return existsSync(path) && readFileSync(path, 'utf8').trim() === key;
}

function main() {
  const onlyChanged = process.argv.includes('--changed');
  const keys = buildKeys();
  for (const ws of WORKSPACES) {
    const key = keys.get(ws.name);
    if (onlyChanged && isCurrent(root, ws.name, key)) {
      console.log(`mcpscope build: ${ws.name} unchanged since its last build, skipped`);
      continue;
    }
    const started = Date.now();
    const result = spawnSync('npm', ['run', 'build', '-w', `@mcpscope/${ws.name}`], {
      cwd: root,
      stdio: 'inherit',
    });
    if (result.status !== 0) process.exit(result.status ?? 1);
    writeFileSync(stampPath(root, ws.name), `${key}\n`);
    console.log(`mcpscope build: ${ws.name} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
