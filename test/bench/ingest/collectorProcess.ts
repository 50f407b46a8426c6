/**
 * The collector under test: the real `mcpscope start` CLI in a child process, from the build
 * (`collector/dist/cli/main.js`, what users run) or from the TypeScript sources, on a free port with
 * embedded ClickHouse in the given data directory. Optionally under `node --cpu-prof`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface BenchCollector {
  url: string;
  /** `host:port` of its OTLP/gRPC receiver, when one was asked for. */
  grpcAddress?: string;
  pid: number;
  process: ChildProcess;
  output(): string;
  /** Peak resident set size so far (VmHWM from /proc/<pid>/status), in KiB. */
  peakRssKiB(): number;
  /** SIGTERM (the collector flushes its queue and closes storage) and wait for the exit code. */
  stop(): Promise<number | null>;
}

export interface BenchCollectorOptions {
  dataDir: string;
  source: boolean;
  /** Directory for a V8 CPU profile of the collector (written at exit). */
  cpuProfDir?: string;
  /** Port for the OTLP/gRPC receiver; without it, the receiver is off. */
  grpcPort?: number;
  env?: Record<string, string>;
}

export async function startBenchCollector(options: BenchCollectorOptions): Promise<BenchCollector> {
  const entry = options.source
    ? ['--conditions=mcpscope-source', '--import', 'tsx', path.join(REPO_ROOT, 'collector/src/cli/main.ts')]
    : [path.join(REPO_ROOT, 'collector/dist/cli/main.js')];
  const profile = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  const child = spawn(
    process.execPath,
    [...profile, ...entry, 'start', '--port', '0', '--data', options.dataDir],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        MCPSCOPE_HOST: '127.0.0.1',
        MCPSCOPE_GRPC_PORT: options.grpcPort === undefined ? 'off' : String(options.grpcPort),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`collector did not start in 60 s:\n${out}`)), 60_000);
    child.stdout?.on('data', () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`collector exited with ${code} before listening:\n${out}`));
    });
  });
  const pid = child.pid as number;
  return {
    url,
    ...(options.grpcPort === undefined ? {} : { grpcAddress: `127.0.0.1:${options.grpcPort}` }),
    pid,
    process: child,
    output: () => out,
    peakRssKiB() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
      return m?.[1] ? Number(m[1]) : Number.NaN;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
