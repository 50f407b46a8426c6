import { diag } from '@opentelemetry/api';
import type { PinFile } from '../../pins/pinFile.js';
import { PinIndex, type ListedToolStatus } from './compare.js';

// The pins one client or one proxy holds a server to, and what it does with tools that do not match:
// shared by every session in front of that server. The per-session view is PinGuard's.

/**
 * What is done with tools whose definitions do not match their pins: `block` withholds them (they leave
 * tools/list results, and their calls are refused without reaching the server); `warn` passes
 * everything and only records.
 */
export type OnDrift = 'block' | 'warn';

/** Options of {@link PinPolicy}. */
export interface PinPolicyOptions {
  /** The approved tool set (`loadPins`, `readPinFile`). */
  file: PinFile;
  /**
   * `block` withholds changed and new tools (from tools/list results, and refuses their calls); `warn`
   * passes everything and only records. Defaults to `block`: pins are given to be enforced.
   */
  onDrift?: OnDrift;
  /**
   * Told, in a sentence, when the set of tools that do not match their pins changes; `clean` when every
   * listed tool matches again. Defaults to none.
   */
  log?: (message: string, clean: boolean) => void;
}

/** The pins and policy every session in front of one server shares. */
export class PinPolicy {
  readonly index: PinIndex;
  readonly onDrift: OnDrift;
  private readonly log: ((message: string, clean: boolean) => void) | undefined;
  /** The last mismatch reported, so that each change is told once (not once per tools/list). */
  private lastReport = '';

  constructor(options: PinPolicyOptions) {
    this.index = new PinIndex(options.file);
    this.onDrift = options.onDrift ?? 'block';
    this.log = options.log;
  }

  /** Whether tools that do not match their pins are withheld (`block`) rather than only recorded. */
  get blocking(): boolean {
    return this.onDrift === 'block';
  }

  /** Tells the log when the set of tools that do not match their pins changed. */
  report(mismatched: ReadonlyArray<[string, ListedToolStatus]>): void {
    const text = [...mismatched]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, status]) => `${name} (${describeStatus(status)})`)
      .join(', ');
    if (text === this.lastReport) return;
    this.lastReport = text;
    if (this.log === undefined) return;
    if (text === '') this.log('every listed tool matches its pin', true);
    else if (this.blocking) this.log(`withholding tools that do not match their pins: ${text}`, false);
    else this.log(`tools that do not match their pins (passed on: on-drift is warn): ${text}`, false);
  }
}

/** How a status reads in a sentence (logs, the refusal's message). */
export function describeStatus(status: ListedToolStatus): string {
  return status === 'drift'
    ? 'changed since it was pinned'
    : status === 'unpinned'
      ? 'not pinned'
      : 'matches';
}

/**
 * The policy of `instrumentClient`'s `pins`/`onDrift` options, which JavaScript callers can get wrong.
 * Nothing is thrown into the program, and a mistake fails closed: a value that is not a pin file holds
 * the server to an empty set (in `block` mode every tool is withheld), an unknown `onDrift` blocks. Both
 * are reported through `diag`, as are the changes of the mismatched set.
 */
export function clientPinPolicy(pins: unknown, onDrift: unknown): PinPolicy {
  const log = (message: string, clean: boolean): void =>
    clean ? diag.info(`@mcpscope/sdk pins: ${message}`) : diag.warn(`@mcpscope/sdk pins: ${message}`);
  let mode: OnDrift = 'block';
  if (onDrift === 'warn') mode = 'warn';
  else if (onDrift !== undefined && onDrift !== 'block')
    diag.error(`@mcpscope/sdk: onDrift must be 'block' or 'warn', got ${String(onDrift)}: blocking`);
  if (isPinFileShaped(pins)) return new PinPolicy({ file: pins, onDrift: mode, log });
  diag.error(
    '@mcpscope/sdk: the pins option is not a pin file (load one with loadPins or readPinFile from ' +
      `@mcpscope/sdk/pins): no tool is approved${mode === 'block' ? ', every tool is withheld' : ''}`,
  );
  return new PinPolicy({
    file: { version: 1, server: {}, createdAt: '', tools: [] },
    onDrift: mode,
    log,
  });
}

/** The fields a pin index reads: a `tools` array of `{ name, sha256 }` (the loaders check the rest). */
function isPinFileShaped(value: unknown): value is PinFile {
  if (typeof value !== 'object' || value === null) return false;
  const tools = (value as { tools?: unknown }).tools;
  return (
    Array.isArray(tools) &&
    tools.every(
      (tool: unknown) =>
        typeof tool === 'object' &&
        tool !== null &&
        typeof (tool as { name?: unknown }).name === 'string' &&
        typeof (tool as { sha256?: unknown }).sha256 === 'string',
    )
  );
}
