import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { configOf, type BenchRun } from './benchConfigs.js';
import { SDK_MODULE_ENV, type BenchTransport, type Command, type Reply } from './messages.js';

const childEntry = fileURLToPath(new URL('./benchChild.ts', import.meta.url));

/**
 * One run's process (benchChild.ts), driven over IPC: one command in flight at a time. `sdkModule`, for
 * a baseline run, is the file URL of the `@mcpscope/sdk` build it imports instead of this checkout's.
 */
export class BenchProcess {
  private readonly process: ChildProcess;
  private pending: { resolve(reply: Reply): void; reject(error: Error): void } | undefined;
  private readonly early: Reply[] = [];
  private exited: Error | undefined;

  constructor(
    readonly config: BenchRun,
    transport: BenchTransport,
    execArgv: readonly string[],
    sdkModule?: string,
  ) {
    const env = { ...process.env };
    delete env[SDK_MODULE_ENV];
    if (sdkModule !== undefined) env[SDK_MODULE_ENV] = sdkModule;
    this.process = fork(childEntry, [configOf(config), transport], {
      execArgv: [...execArgv],
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.process.on('message', (reply: Reply) => {
      const pending = this.pending;
      this.pending = undefined;
      if (!pending) this.early.push(reply);
      else if (reply.type === 'error') pending.reject(new Error(`${config}: ${reply.message}`));
      else pending.resolve(reply);
    });
    this.process.on('exit', (code, signal) => {
      this.exited = new Error(`${config} child exited (code ${code}, signal ${signal})`);
      this.pending?.reject(this.exited);
      this.pending = undefined;
    });
  }

  /** The next reply (the first one, `ready`, comes unasked). */
  next(): Promise<Reply> {
    const early = this.early.shift();
    if (early) {
      return early.type === 'error'
        ? Promise.reject(new Error(`${this.config}: ${early.message}`))
        : Promise.resolve(early);
    }
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
    });
  }

  command(command: Command): Promise<Reply> {
    const reply = this.next();
    this.process.send(command);
    return reply;
  }

  /** Runs one round of `calls` sequential calls; mean wall and CPU µs per call. */
  async round(calls: number): Promise<{ wall: number; cpu: number }> {
    const reply = await this.command({ type: 'round', calls });
    if (reply.type !== 'round') throw new Error(`${this.config}: unexpected reply ${reply.type}`);
    return { wall: reply.microsPerCall, cpu: reply.cpuMicrosPerCall };
  }

  kill(): void {
    if (this.process.exitCode === null) this.process.kill();
  }
}
