import { randomUUID } from 'node:crypto';
import type { CollectorMetrics } from '../metrics.js';
import type { SpanRow } from '../storage/rows.js';
import { backoffDelayMs } from './backoff.js';
import { QueueFullError, StorageRejectedError, StorageUnavailableError } from './errors.js';
import { isInputRejection, isTransientStorageError } from './isTransientStorageError.js';

/**
 * Where a batcher writes: `insert` resolves once the rows are committed, and inserting the same rows
 * again under the same `token` (a retry) stores nothing twice. `SpanStore` is one.
 */
export interface RowStore<R> {
  insert(rows: R[], token?: string): Promise<void>;
}

/**
 * The collector metrics a batcher keeps. The `spans*` and `queue*` ones count the rows of whatever the
 * batcher carries (a metrics batcher gets its own counters under these names: `metricBatcherMetrics`).
 */
export type BatcherMetrics = Pick<
  CollectorMetrics,
  | 'batchRows'
  | 'flushSeconds'
  | 'spansStored'
  | 'storageErrors'
  | 'storageRetries'
  | 'queueSpans'
  | 'queueBytes'
>;

/**
 * One request's rows and their approximate size in bytes (for the queue limits). A decoded request
 * is one as it is: its `rejected` rows, answered in `partial_success`, are not the batcher's business.
 */
export interface BatchRequest<R> {
  rows: R[];
  bytes: number;
  rejected?: readonly unknown[];
}

/** How the batcher merges requests into inserts and how much it holds. Every field is optional. */
export interface BatcherOptions {
  /**
   * Most rows in one insert; a flush starts at once when this many are waiting. Default 50 000.
   *
   * Batches size themselves to the load: when idle, the first request is inserted after
   * `flushIntervalMs` with whatever joined it; under load, requests queue while the insert slots are
   * busy and the next free slot takes all of them, up to this cap. ClickHouse writes one part per
   * insert and then merges parts in the background, and on the embedded engine the merges cost as much
   * CPU as the inserts themselves at 8 000-row parts; at ~30 000 rows per part they cost a third as
   * much (measured on the benchmark's spans). A single request larger than this is still inserted
   * whole, never split.
   */
  maxBatchRows?: number;
  /**
   * How long the first queued request waits for others to join its insert, in ms. Default 5: the
   * sender is waiting for its acknowledgement, so the wait must cost milliseconds, yet under load it is
   * long enough for concurrent requests to share one insert.
   */
  flushIntervalMs?: number;
  /**
   * Spans accepted and not yet committed, beyond which requests get 429. Default 200 000 (about 20
   * full batches): enough to ride out a slow insert, small enough to bound memory. A request that
   * alone exceeds it is admitted when nothing else is queued, so that it can never be refused forever.
   */
  maxQueueSpans?: number;
  /** Approximate bytes accepted and not yet committed, beyond which requests get 429. Default 256 MiB. */
  maxQueueBytes?: number;
  /** Retries of an insert that failed with a transient error. Default 3. */
  maxRetries?: number;
  /** Base of the exponential retry backoff (with jitter), in ms. Default 50. */
  retryBaseMs?: number;
  /**
   * Inserts running at once. Default 2: one insert commits while the next batch forms, so a request
   * arriving during an insert waits for its own insert only, while ClickHouse still sees few inserts.
   */
  maxConcurrentFlushes?: number;
  /** `Retry-After` suggested when the queue is full, in seconds. Default 1. */
  queueFullRetryAfterSeconds?: number;
  /** `Retry-After` suggested when storage is unavailable, in seconds. Default 5. */
  unavailableRetryAfterSeconds?: number;
  /**
   * Resident memory of the process (Node and, when embedded, the engine) beyond which requests get
   * 429 until it falls back: back-pressure before the machine swaps or the engine hits its own limit.
   * Default: none.
   */
  memoryHighWaterBytes?: number;
  /** Reads the process's resident memory; defaults to `process.memoryUsage.rss`. For tests. */
  residentMemory?: () => number;
  /** What the rows are, in the plural, for error messages. Default 'spans'. */
  rowNoun?: string;
}

interface Pending<R> {
  rows: R[];
  bytes: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

const MAX_ERROR_MESSAGE_CHARS = 500;

/**
 * Merges the rows of concurrent OTLP requests into few large inserts and acknowledges each request
 * only when the insert holding its rows has committed: a 200 means the spans are stored.
 *
 * A request's rows always travel together in one insert, so its acknowledgement can never come before
 * part of it is stored. Transient storage errors are retried with backoff; when the retries are spent
 * the requests fail with `StorageUnavailableError` (retryable). A permanent error in a merged insert
 * is narrowed down by inserting each request alone, so that one sender's bad rows fail only that
 * sender's request, with `StorageRejectedError`.
 */
export class Batcher<R = SpanRow> {
  private readonly maxBatchRows: number;
  private readonly flushIntervalMs: number;
  private readonly maxQueueSpans: number;
  private readonly maxQueueBytes: number;
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private readonly maxConcurrentFlushes: number;
  private readonly queueFullRetryAfterSeconds: number;
  private readonly unavailableRetryAfterSeconds: number;
  private readonly memoryHighWater: number | undefined;
  private readonly residentMemory: () => number;
  private readonly rowNoun: string;

  private pending: Pending<R>[] = [];
  private pendingRows = 0;
  /** Spans and bytes accepted and not yet settled (pending or in an insert). */
  private queuedSpans = 0;
  private queuedBytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** The latest transient insert failure, cleared by the next successful insert. */
  private lastInsertFailure: { at: number; message: string } | undefined;

  constructor(
    private readonly store: RowStore<R>,
    options: BatcherOptions = {},
    private readonly metrics?: BatcherMetrics,
  ) {
    this.rowNoun = options.rowNoun ?? 'spans';
    this.maxBatchRows = positive(options.maxBatchRows, 50_000, 'maxBatchRows');
    this.flushIntervalMs = nonNegative(options.flushIntervalMs, 5, 'flushIntervalMs');
    this.maxQueueSpans = positive(options.maxQueueSpans, 200_000, 'maxQueueSpans');
    this.maxQueueBytes = positive(options.maxQueueBytes, 256 * 1024 * 1024, 'maxQueueBytes');
    this.maxRetries = nonNegative(options.maxRetries, 3, 'maxRetries');
    this.retryBaseMs = nonNegative(options.retryBaseMs, 50, 'retryBaseMs');
    this.maxConcurrentFlushes = positive(options.maxConcurrentFlushes, 2, 'maxConcurrentFlushes');
    this.queueFullRetryAfterSeconds = positive(
      options.queueFullRetryAfterSeconds,
      1,
      'queueFullRetryAfterSeconds',
    );
    this.unavailableRetryAfterSeconds = positive(
      options.unavailableRetryAfterSeconds,
      5,
      'unavailableRetryAfterSeconds',
    );
    this.memoryHighWater =
      options.memoryHighWaterBytes === undefined
        ? undefined
        : positive(options.memoryHighWaterBytes, 0, 'memoryHighWaterBytes');
    this.residentMemory = options.residentMemory ?? (() => process.memoryUsage.rss());
  }

  /**
   * Whether storage takes writes, as the inserts last saw it: not while the latest insert attempt
   * failed with a passing condition (a full disk, storage unreachable or read-only) and none has
   * succeeded since. For /readyz: a collector that cannot write is not ready.
   */
  storageHealth(): { writable: boolean; since?: Date; reason?: string } {
    const f = this.lastInsertFailure;
    return f === undefined
      ? { writable: true }
      : { writable: false, since: new Date(f.at), reason: f.message };
  }

  /** Storage took a write again (a probe succeeded): ready, until an insert says otherwise. */
  noteStorageWritable(): void {
    this.lastInsertFailure = undefined;
  }

  /** Spans accepted and not yet committed or failed. */
  get queueDepth(): { spans: number; bytes: number } {
    return { spans: this.queuedSpans, bytes: this.queuedBytes };
  }

  /**
   * Queues the request's rows. Resolves once they are committed; rejects with `QueueFullError` when
   * the queue has no room, `StorageUnavailableError` when storage stayed down through the retries (or
   * the batcher is closing), `StorageRejectedError` when storage refused the rows.
   */
  submit(request: BatchRequest<R>): Promise<void> {
    const spans = request.rows.length;
    if (spans === 0) return Promise.resolve();
    if (this.closed) {
      return Promise.reject(
        new StorageUnavailableError('the collector is shutting down', this.unavailableRetryAfterSeconds),
      );
    }
    const bytes = request.bytes;
    if (this.memoryHighWater !== undefined) {
      const rss = this.residentMemory();
      if (rss > this.memoryHighWater) {
        return Promise.reject(
          new QueueFullError(
            `collector memory high (${Math.round(rss / 1048576)} MiB resident, limit ${Math.round(
              this.memoryHighWater / 1048576,
            )} MiB)`,
            this.queueFullRetryAfterSeconds,
          ),
        );
      }
    }
    if (
      this.queuedSpans > 0 &&
      (this.queuedSpans + spans > this.maxQueueSpans || this.queuedBytes + bytes > this.maxQueueBytes)
    ) {
      return Promise.reject(
        new QueueFullError(
          `ingest queue full (${this.queuedSpans} ${this.rowNoun}, ${this.queuedBytes} bytes queued)`,
          this.queueFullRetryAfterSeconds,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ rows: request.rows, bytes, resolve, reject });
      this.pendingRows += spans;
      this.account(spans, bytes);
      if (this.pendingRows >= this.maxBatchRows) this.drain();
      else this.timer ??= setTimeout(this.onTimer, this.flushIntervalMs);
    });
  }

  /** Stops accepting requests, flushes everything queued and waits for the inserts to settle. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.pending.length > 0 || this.inFlight.size > 0) {
      this.drain();
      await Promise.all(this.inFlight);
    }
    this.clearTimer();
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.drain();
  };

  /** Starts inserts while there are queued requests and free insert slots. */
  private drain(): void {
    while (this.pending.length > 0 && this.inFlight.size < this.maxConcurrentFlushes) {
      const batch = this.takeBatch();
      const flush: Promise<void> = this.flush(batch).finally(() => {
        this.inFlight.delete(flush);
        this.drain();
      });
      this.inFlight.add(flush);
    }
    // Whatever is still pending waits for a slot; the insert that frees it drains again.
    if (this.pending.length === 0) this.clearTimer();
  }

  /** Takes whole requests from the head of the queue, up to maxBatchRows rows (at least one request). */
  private takeBatch(): Pending<R>[] {
    let count = 0;
    let rows = 0;
    for (const p of this.pending) {
      if (count > 0 && rows + p.rows.length > this.maxBatchRows) break;
      rows += p.rows.length;
      count++;
    }
    this.pendingRows -= rows;
    return this.pending.splice(0, count);
  }

  private async flush(batch: Pending<R>[]): Promise<void> {
    try {
      await this.insert(batch.length === 1 ? batch[0]!.rows : concatRows(batch), randomUUID());
      for (const p of batch) this.settle(p);
    } catch (error) {
      if (error instanceof StorageRejectedError && batch.length > 1 && !error.partlyCommitted) {
        // One request's rows may have spoiled the merged insert, which the engine refused before
        // committing any of it: insert each alone so that only the requests storage really refuses
        // fail, and every other is stored once.
        for (const p of batch) {
          try {
            await this.insert(p.rows, randomUUID());
            this.settle(p);
          } catch (e) {
            this.settle(p, e);
          }
        }
      } else {
        for (const p of batch) this.settle(p, error);
      }
    }
  }

  /**
   * One insert with retries; throws StorageUnavailableError or StorageRejectedError. Every attempt
   * carries the same deduplication token: an attempt that failed after the engine committed part of
   * it (the span table, but not a materialized view's target) is completed by the next, not doubled.
   */
  private async insert(rows: R[], token: string): Promise<void> {
    const started = performance.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.store.insert(rows, token);
        this.lastInsertFailure = undefined;
        this.metrics?.batchRows.observe(rows.length);
        this.metrics?.flushSeconds.observe((performance.now() - started) / 1000);
        this.metrics?.spansStored.inc(rows.length);
        return;
      } catch (error) {
        const transient = isTransientStorageError(error);
        this.metrics?.storageErrors.inc({ kind: transient ? 'transient' : 'permanent' });
        if (!transient) {
          throw new StorageRejectedError(`storage refused the ${this.rowNoun}: ${describe(error)}`, {
            cause: error,
            partlyCommitted: failedAfterCommit(error),
            inputFault: isInputRejection(error),
          });
        }
        this.lastInsertFailure = { at: Date.now(), message: describe(error) };
        if (attempt >= this.maxRetries) {
          throw new StorageUnavailableError(
            `storage unavailable after ${attempt + 1} attempts: ${describe(error)}`,
            this.unavailableRetryAfterSeconds,
            { cause: error },
          );
        }
        this.metrics?.storageRetries.inc();
        await sleep(backoffDelayMs(attempt, this.retryBaseMs));
      }
    }
  }

  private settle(p: Pending<R>, error?: unknown): void {
    this.account(-p.rows.length, -p.bytes);
    if (error === undefined) p.resolve();
    else p.reject(error instanceof Error ? error : new StorageRejectedError(describe(error)));
  }

  private account(spans: number, bytes: number): void {
    this.queuedSpans += spans;
    this.queuedBytes += bytes;
    this.metrics?.queueSpans.set(this.queuedSpans);
    this.metrics?.queueBytes.set(this.queuedBytes);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

// A materialized view's insert runs after the source table's part is committed; its errors say
// "while pushing to view". Such an insert is partly stored: inserting its requests again one by one
// (under new tokens) would store the committed rows twice.
const AFTER_COMMIT = /while pushing to view/i;

function failedAfterCommit(error: unknown): boolean {
  return error instanceof Error && AFTER_COMMIT.test(error.message);
}

function concatRows<R>(batch: Pending<R>[]): R[] {
  let total = 0;
  for (const p of batch) total += p.rows.length;
  const rows = new Array<R>(total);
  let i = 0;
  for (const p of batch) for (const row of p.rows) rows[i++] = row;
  return rows;
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > MAX_ERROR_MESSAGE_CHARS ? `${text.slice(0, MAX_ERROR_MESSAGE_CHARS)}…` : text;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function positive(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!(v > 0)) throw new RangeError(`BatcherOptions.${name} must be > 0, got ${v}`);
  return v;
}

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!(v >= 0)) throw new RangeError(`BatcherOptions.${name} must be >= 0, got ${v}`);
  return v;
}
