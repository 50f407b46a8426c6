/**
 * What a stopped collector stored, per span, read from its data directory in a child process: libchdb
 * binds one data directory per process, and a test file that runs several collectors (each with its own
 * directory) can read each of them this way.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/collector.js';
import type { SpanRef } from './sdkSpans.js';

const CHILD = path.join(REPO_ROOT, 'test/collector/helpers/storedRowsChild.ts');

/** The attribute key of spans whose stored text (service, name, attributes) a test compares. */
export const TEXT_MARKER = 'fuzz.text';

/** What was stored of a span carrying {@link TEXT_MARKER}. */
export interface StoredText {
  service: string;
  name: string;
  /** The value of the TEXT_MARKER attribute. */
  value: string;
  attributeKeys: string[];
}

/** Rows per span in `otel_traces`: a span stored exactly once has 1. */
export class StoredRows {
  private readonly bySpan = new Map<string, number>();
  private readonly byTrace = new Map<string, Map<string, number>>();
  readonly total: number;
  private readonly texts = new Map<string, StoredText[]>();

  constructor(
    rows: readonly (readonly [string, string, number])[],
    texts: readonly (readonly [string, string, string, string, string[]])[] = [],
  ) {
    for (const [spanId, service, name, value, attributeKeys] of texts) {
      this.texts.set(spanId, [...(this.texts.get(spanId) ?? []), { service, name, value, attributeKeys }]);
    }
    let total = 0;
    for (const [traceId, spanId, count] of rows) {
      total += count;
      this.bySpan.set(spanId, (this.bySpan.get(spanId) ?? 0) + count);
      let spans = this.byTrace.get(traceId);
      if (spans === undefined) this.byTrace.set(traceId, (spans = new Map()));
      spans.set(spanId, count);
    }
    this.total = total;
  }

  /** The stored text of each row with this span id that carries {@link TEXT_MARKER}. */
  textOf(spanId: string): StoredText[] {
    return this.texts.get(spanId) ?? [];
  }

  /** Rows with this trace id and span id. */
  of(ref: SpanRef): number {
    return this.byTrace.get(ref.traceId)?.get(ref.spanId) ?? 0;
  }

  /** Rows with this span id, under any trace id. */
  ofSpanId(spanId: string): number {
    return this.bySpan.get(spanId) ?? 0;
  }

  /** Rows of the trace, per span id. */
  trace(traceId: string): ReadonlyMap<string, number> {
    return this.byTrace.get(traceId) ?? new Map();
  }

  /** Rows of the trace in all. */
  rowsOfTrace(traceId: string): number {
    let n = 0;
    for (const c of this.trace(traceId).values()) n += c;
    return n;
  }
}

/** Reads every (TraceId, SpanId) row count of the collector that used `dataDir`; it must have exited. */
export function readStoredRows(dataDir: string, timeoutMs = 120_000): Promise<StoredRows> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const out = Buffer.concat(chunks).toString();
      const m = /^ROWS (.*)$/m.exec(out);
      const t = /^TEXTS (.*)$/m.exec(out);
      let failure = `exit ${code ?? signal}`;
      if (code === 0 && m?.[1] && t?.[1]) {
        try {
          resolve(
            new StoredRows(
              JSON.parse(m[1]) as [string, string, number][],
              JSON.parse(t[1]) as [string, string, string, string, string[]][],
            ),
          );
          return;
        } catch (error) {
          failure = String(error);
        }
      }
      reject(new Error(`reading ${dataDir} failed (${failure}):\n${err}${out.slice(0, 2000)}`));
    });
  });
}
