/**
 * Runs a trace sender (sendDemoTrace.ts, …) as its own process, an agent of its own, and reads the JSON
 * it prints about what it sent. See sendDemoTrace.ts for why senders do not run inside the vitest worker.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/collector.js';

export function runSender<T>(script: string, args: string[]): Promise<T> {
  const file = path.join(REPO_ROOT, 'test/e2e', script);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', file, ...args],
      { cwd: REPO_ROOT, timeout: 60_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${script} failed: ${err.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as T);
      },
    );
  });
}
