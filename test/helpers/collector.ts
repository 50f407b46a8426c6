/**
 * Starts a real collector for a test: the `mcpscope start` CLI in its own child process (libchdb binds
 * one data directory per process), on a free port, with embedded ClickHouse in a fresh temp directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Node arguments that run a workspace's TypeScript sources directly. */
export const TS_NODE_ARGS = ['--conditions=mcpscope-source', '--import', 'tsx'];
/** The `mcpscope` CLI, run from its TypeScript source with {@link TS_NODE_ARGS}. */
export const COLLECTOR_CLI = path.join(REPO_ROOT, 'collector/src/cli/main.ts');

export interface TestCollector {
  url: string;
  port: number;
  dataDir: string;
  process: ChildProcess;
  /** Everything the collector printed so far (stdout and stderr). */
  output(): string;
  /** SIGTERM (graceful: flushes) and wait for exit. Removes the data dir unless keepData. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
  /** SIGKILL: no flush, no cleanup — for crash tests. Resolves on exit. */
  kill(): Promise<void>;
}

export interface StartCollectorOptions {
  env?: Record<string, string>;
  /** Reuse a data directory (e.g. after a crash). Default: a new temp dir. */
  dataDir?: string;
  /** Extra CLI arguments after `start`. */
  args?: string[];
}

export async function startCollector(opts: StartCollectorOptions = {}): Promise<TestCollector> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'mcpscope-test-'));
  const child = spawn(
    process.execPath,
    [...TS_NODE_ARGS, COLLECTOR_CLI, 'start', '--port', '0', '--data', dataDir, ...(opts.args ?? [])],
    {
      cwd: REPO_ROOT,
      // OTLP/gRPC off unless a test asks for it: collectors of parallel tests would race for 4317.
      env: { ...process.env, MCPSCOPE_HOST: '127.0.0.1', MCPSCOPE_GRPC_PORT: 'off', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`collector did not start in 60 s:\n${out}`)), 60_000);
    const onData = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`collector exited with ${code} before listening:\n${out}`));
    });
  });
  const port = Number(new URL(url).port);
  return {
    url,
    port,
    dataDir,
    process: child,
    output: () => out,
    async stop({ keepData = false } = {}) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      if (!keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Polls `fn` until it returns a truthy value or the timeout passes. */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
