import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../config.js';
import { createMetrics } from '../metrics.js';
import { hexId, span } from '../storage/fixtures.js';
import { openStorage, type Storage } from '../storage/index.js';
import type { DecodedRequest, SpanRow, SpanStore } from '../storage/rows.js';
import { Batcher } from './batcher.js';
import { QueueFullError, StorageRejectedError, StorageUnavailableError } from './errors.js';

// The batcher runs against the real embedded ClickHouse (one data directory for this test file).
// Faults that cannot be caused for real from a unit test — ClickHouse answering TOO_MANY_PARTS, the
// server refusing connections, an insert that stays open — come from stores wrapping or replacing the
// real one; each test says which.

let dataDir: string;
let storage: Storage;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'mcpscope-batcher-'));
  storage = await openStorage(configFromEnv({ MCPSCOPE_DATA_DIR: dataDir }));
});

afterAll(async () => {
  await storage?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

let clock = Date.parse('2026-11-20T10:00:00Z');

/** A request of `n` spans of one new trace. */
function request(n: number): DecodedRequest & { traceId: string } {
  const traceId = hexId(16);
  const rows: SpanRow[] = [];
  for (let i = 0; i < n; i++) {
    rows.push(
      span({ traceId, name: `tools/call t${i}`, service: 'batcher-test', startMs: clock++, durationMs: 3 }),
    );
  }
  return { rows, rejected: [], bytes: n * 1000, traceId };
}

/** The real storage, recording the size of each insert. */
function countingStore(): SpanStore & { inserts: number[] } {
  const inserts: number[] = [];
  return {
    inserts,
    async insert(rows) {
      inserts.push(rows.length);
      await storage.insert(rows);
    },
  };
}

async function storedSpanCount(traceId: string): Promise<number> {
  return (await storage.queries.trace(traceId))?.spans.length ?? 0;
}

describe('Batcher', () => {
  it('merges concurrent requests into one insert and acknowledges each after its rows are committed', async () => {
    const store = countingStore();
    const metrics = createMetrics();
    const batcher = new Batcher(store, { flushIntervalMs: 20 }, metrics);
    const requests = [request(3), request(1), request(5), request(2)];
    const seenAtAck = await Promise.all(
      requests.map((r) => batcher.submit(r).then(() => storedSpanCount(r.traceId))),
    );
    expect(seenAtAck).toEqual([3, 1, 5, 2]);
    expect(store.inserts).toEqual([11]);
    expect(batcher.queueDepth).toEqual({ spans: 0, bytes: 0 });
    expect((await metrics.spansStored.get()).values[0]!.value).toBe(11);
    const batchRows = (await metrics.batchRows.get()).values;
    expect(batchRows.find((v) => v.metricName === 'mcpscope_batch_rows_count')!.value).toBe(1);
    expect(batchRows.find((v) => v.metricName === 'mcpscope_batch_rows_sum')!.value).toBe(11);
    await batcher.close();
  });

  it('never splits a request across inserts and caps merged inserts at maxBatchRows', async () => {
    const store = countingStore();
    const batcher = new Batcher(store, { maxBatchRows: 4, maxConcurrentFlushes: 1, flushIntervalMs: 1 });
    const requests = [request(3), request(3), request(10), request(1)];
    await Promise.all(requests.map((r) => batcher.submit(r)));
    // 3+3 > 4 and 10 > 4: each travels whole; the last 1 joins nobody (10 went alone).
    expect(store.inserts).toEqual([3, 3, 10, 1]);
    for (const r of requests) expect(await storedSpanCount(r.traceId)).toBe(r.rows.length);
    await batcher.close();
  });

  it('acknowledges an empty request at once without touching storage', async () => {
    const store = countingStore();
    const batcher = new Batcher(store, {});
    await batcher.submit({ rows: [], rejected: [], bytes: 0 });
    expect(store.inserts).toEqual([]);
    await batcher.close();
  });

  it('fails only the request whose rows ClickHouse refuses; the merged neighbours are stored', async () => {
    const store = countingStore();
    const metrics = createMetrics();
    const batcher = new Batcher(store, { flushIntervalMs: 20 }, metrics);
    const good1 = request(2);
    const bad = request(2);
    bad.rows[1] = { ...bad.rows[1]!, Timestamp: 'not-a-time' };
    const good2 = request(1);
    const results = await Promise.allSettled([good1, bad, good2].map((r) => batcher.submit(r)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const reason = (results[1] as PromiseRejectedResult).reason as StorageRejectedError;
    expect(reason).toBeInstanceOf(StorageRejectedError);
    expect(reason.retryable).toBe(false);
    expect(reason.message).toMatch(/storage refused the spans/);
    expect(await storedSpanCount(good1.traceId)).toBe(2);
    expect(await storedSpanCount(good2.traceId)).toBe(1);
    expect(await storedSpanCount(bad.traceId)).toBe(0);
    // One merged attempt, then each request alone.
    expect(store.inserts).toEqual([5, 2, 2, 1]);
    expect((await metrics.storageErrors.get()).values.find((v) => v.labels.kind === 'permanent')!.value).toBe(
      2,
    );
    await batcher.close();
  });

  it('retries transient errors with backoff, then stores', async () => {
    // Fault injected: ClickHouse answering TOO_MANY_PARTS twice (as @clickhouse/client reports it),
    // which a unit test cannot make a real server do on demand. The third attempt reaches real storage.
    let failures = 2;
    const store: SpanStore = {
      async insert(rows) {
        if (failures-- > 0) {
          throw Object.assign(new Error('Too many parts (300). Merges are processing significantly slower'), {
            code: '252',
            type: 'TOO_MANY_PARTS',
          });
        }
        await storage.insert(rows);
      },
    };
    const metrics = createMetrics();
    const batcher = new Batcher(store, { retryBaseMs: 5 }, metrics);
    const r = request(2);
    await batcher.submit(r);
    expect(await storedSpanCount(r.traceId)).toBe(2);
    expect((await metrics.storageRetries.get()).values[0]!.value).toBe(2);
    expect((await metrics.storageErrors.get()).values.find((v) => v.labels.kind === 'transient')!.value).toBe(
      2,
    );
    await batcher.close();
  });

  it('fails with a retryable StorageUnavailableError when storage stays down', async () => {
    // Fault injected: the ClickHouse server refusing connections (a socket error), for every attempt.
    let attempts = 0;
    const store: SpanStore = {
      insert() {
        attempts++;
        return Promise.reject(
          Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' }),
        );
      },
    };
    const batcher = new Batcher(store, { retryBaseMs: 1, maxRetries: 3, unavailableRetryAfterSeconds: 7 });
    const error = await batcher.submit(request(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect((error as StorageUnavailableError).retryAfterSeconds).toBe(7);
    expect((error as StorageUnavailableError).message).toMatch(/after 4 attempts.*ECONNREFUSED/);
    expect(attempts).toBe(4);
    expect(batcher.queueDepth).toEqual({ spans: 0, bytes: 0 });
    await batcher.close();
  });

  it('refuses requests with QueueFullError while the bounded queue is full', async () => {
    // Fault injected: an insert held open (a stalled ClickHouse), so the queue fills deterministically.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const store: SpanStore = {
      async insert(rows) {
        await held;
        await storage.insert(rows);
      },
    };
    const metrics = createMetrics();
    const batcher = new Batcher(
      store,
      { maxQueueSpans: 5, maxQueueBytes: 1e9, flushIntervalMs: 1, queueFullRetryAfterSeconds: 2 },
      metrics,
    );
    const first = request(3);
    const accepted = batcher.submit(first);
    const refused = await batcher.submit(request(3)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(QueueFullError);
    expect((refused as QueueFullError).retryAfterSeconds).toBe(2);
    expect((await metrics.queueSpans.get()).values[0]!.value).toBe(3);
    // Two more fit under the limit of 5.
    const second = request(2);
    const alsoAccepted = batcher.submit(second);
    // Bytes are bounded too.
    const byBytes = new Batcher(store, { maxQueueBytes: 1500, flushIntervalMs: 1 });
    const held1 = byBytes.submit(request(1));
    await expect(byBytes.submit(request(1))).rejects.toBeInstanceOf(QueueFullError);
    release();
    await Promise.all([accepted, alsoAccepted, held1]);
    expect(await storedSpanCount(first.traceId)).toBe(3);
    expect(await storedSpanCount(second.traceId)).toBe(2);
    expect(batcher.queueDepth).toEqual({ spans: 0, bytes: 0 });
    await Promise.all([batcher.close(), byBytes.close()]);
  });

  it('admits a request larger than the whole queue when the queue is empty', async () => {
    const batcher = new Batcher(countingStore(), { maxQueueSpans: 2 });
    const big = request(5);
    await batcher.submit(big);
    expect(await storedSpanCount(big.traceId)).toBe(5);
    await batcher.close();
  });

  it('flushes what is queued on close, then refuses new requests', async () => {
    const store = countingStore();
    const batcher = new Batcher(store, { flushIntervalMs: 60_000 });
    const r = request(4);
    const acked = batcher.submit(r);
    await batcher.close();
    await acked;
    expect(await storedSpanCount(r.traceId)).toBe(4);
    await expect(batcher.submit(request(1))).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  it('answers 429 while the process is above its memory high-water mark, and takes requests again below it', async () => {
    // Resident memory is read through the option so the test can move it; the store is the real one.
    let rss = 900 * 1048576;
    const batcher = new Batcher(storage, { memoryHighWaterBytes: 800 * 1048576, residentMemory: () => rss });
    const first = request(2);
    await expect(batcher.submit(first)).rejects.toThrow(QueueFullError);
    await expect(batcher.submit(first)).rejects.toThrow(/900 MiB resident, limit 800 MiB/);
    rss = 500 * 1048576;
    await batcher.submit(first);
    await batcher.close();
    expect(await storedSpanCount(first.traceId)).toBe(2);
  });

  it('reports storage that refuses writes (a full disk) until an insert succeeds again', async () => {
    // A fault we cannot cause for real in this shared data directory: a full disk, as the engine
    // reports it, from a store that refuses the first inserts and then hands them to the real one.
    let full = true;
    const store: SpanStore = {
      async insert(rows, token) {
        if (full)
          throw Object.assign(new Error('Cannot reserve 1.00 MiB, not enough space'), { code: '243' });
        await storage.insert(rows, token);
      },
    };
    const batcher = new Batcher(store, { maxRetries: 1, retryBaseMs: 1 });
    expect(batcher.storageHealth().writable).toBe(true);
    await expect(batcher.submit(request(1))).rejects.toThrow(StorageUnavailableError);
    expect(batcher.storageHealth()).toMatchObject({
      writable: false,
      reason: expect.stringContaining('not enough space') as unknown,
    });
    full = false;
    await batcher.submit(request(1));
    expect(batcher.storageHealth().writable).toBe(true);
    await batcher.close();
  });
});
