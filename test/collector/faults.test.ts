/**
 * Ingest under real faults, each against its own `mcpscope start` child process:
 *
 * a. disk full — the data directory is a 64 MB tmpfs, filled to ENOSPC under the running engine:
 *    senders get 503 + Retry-After (never 500), /readyz says not ready; once space is back the
 *    refused requests, resent as an exporter resends them, are stored exactly once.
 * b. SIGSTOP/SIGCONT under a real OpenTelemetry exporter load: every exported span stored once.
 * c. one poisoned request among concurrent requests merged into one insert: its neighbours are
 *    answered 200 and stored once; it gets a 4xx or a 200 with partial_success, and the same again.
 * d. SIGTERM with a dripping body, a keep-alive connection and a request in flight: the process
 *    exits in bounded time, the request in flight is answered (and stored if 200), a request arriving
 *    during the drain gets 503 + Connection: close or a closed connection, never a hang.
 *
 * What each collector stored is read from its data directory after it stopped (in a child process:
 * libchdb binds one data directory per process).
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, startCollector, waitFor, type TestCollector } from '../helpers/collector.js';
import { readPartialSuccess, type OtlpAnswer } from './helpers/otlpPost.js';
import type { PacedSenderReport } from './helpers/pacedSenderProcess.js';
import { exitOf, metric } from './helpers/processProbes.js';
import { RawConnection, requestHead } from './helpers/rawHttp.js';
import { SdkSpans, hrTimeOfNanos, refOf, toProtobuf, withChanges } from './helpers/sdkSpans.js';
import { SeededRandom } from './helpers/seededRandom.js';
import { readStoredRows } from './helpers/storedRows.js';
import {
  describeAnswer,
  last,
  notStoredOnce,
  resendLikeAnExporter,
  retryAfterSeconds,
  send,
  statuses,
  storedCount,
  tracked,
  trackedLarge,
  type Tracked,
} from './helpers/trackedRequests.js';

const PROTO = { 'content-type': 'application/x-protobuf' };
const REQUEST_TIMEOUT_MS = 30_000;
const random = new SeededRandom(0x9e11);
const sdk = new SdkSpans(random);

afterAll(async () => {
  await sdk.shutdown();
});

// ---------------------------------------------------------------------------------------------------
// a. disk full

const isRoot = process.getuid?.() === 0;
const TMPFS_SIZE = '64m';
/** How long /readyz may take to notice that space is back. */
const READY_AGAIN_MS = 15_000;

describe.skipIf(!isRoot)(
  `a. disk full: a ${TMPFS_SIZE} tmpfs data directory filled to ENOSPC${isRoot ? '' : ' (skipped: mounting a tmpfs needs root)'}`,
  () => {
    let mountDir = '';
    let filler = '';
    let mounted = false;
    let collector: TestCollector | undefined;
    const baseline: Tracked[] = [];
    const duringFull: Tracked[] = [];
    const afterFree: Tracked[] = [];

    beforeAll(async () => {
      mountDir = mkdtempSync(path.join(tmpdir(), 'mcpscope-diskfull-'));
      filler = path.join(mountDir, 'filler');
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', mountDir]);
      mounted = true;
      collector = await startCollector({ dataDir: mountDir });
    });

    afterAll(async () => {
      await collector?.stop();
      if (mounted) execFileSync('umount', ['-l', mountDir]);
      if (mountDir) rmSync(mountDir, { recursive: true, force: true });
    });

    it('answers 503 with Retry-After (never 500) while the disk is full, and /readyz is not ready', async () => {
      const url = collector!.url;
      for (let i = 0; i < 5; i++) baseline.push(tracked(sdk, `baseline-${i}`, 2, 5));
      for (const t of baseline) await send(url, t);
      expect(baseline.map(statuses), 'before the disk filled').toEqual(baseline.map(() => '200'));

      const filled = fillUntilEnospc(filler);
      console.log(`disk full: wrote ${(filled / 2 ** 20).toFixed(1)} MiB of filler into ${mountDir}`);

      for (let i = 0; i < 16; i++) duringFull.push(tracked(sdk, `full-${i}`, 2, 5));
      // Half one at a time, half at once (merged into one insert by the batcher).
      for (const t of duringFull.slice(0, 8)) await send(url, t);
      await Promise.all(duringFull.slice(8).map((t) => send(url, t)));
      const readyz = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) }).then(
        async (r) => `${r.status} ${await r.text()}`,
        (e: Error) => `no answer: ${e.message}`,
      );

      const answers = duringFull.map((t) => `${t.name}: ${describeAnswer(last(t))}`);
      console.log(`while full:\n  ${answers.join('\n  ')}\n/readyz: ${readyz}`);
      const wrong = duringFull.filter((t) => {
        const a = last(t);
        return !a || (a.status !== 200 && !(a.status === 503 && retryAfterSeconds(a) !== undefined));
      });
      expect(
        wrong.map((t) => `${t.name}: ${describeAnswer(last(t))}`),
        'answers other than 200 or 503+Retry-After',
      ).toEqual([]);
      expect(
        duringFull.filter((t) => last(t)?.status === 503).length,
        'requests refused with 503 while the disk was full',
      ).toBeGreaterThan(0);
      expect(readyz, '/readyz while the disk is full').toMatch(/^503 /);
    }, 120_000);

    it('reports ready again once space is back, before any insert is tried', async () => {
      // A readiness probe that says "not ready" takes the collector out of its load balancer: no
      // insert reaches it, so readiness cannot wait for one to succeed.
      rmSync(filler, { force: true });
      const url = collector!.url;
      let readyz = '';
      const ready = await waitFor(
        async () => {
          const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });
          readyz = `${r.status} ${await r.text()}`;
          return r.status === 200;
        },
        READY_AGAIN_MS,
        '/readyz 200',
      ).then(
        () => true,
        () => false,
      );
      expect(ready, `/readyz ${READY_AGAIN_MS / 1000} s after space was freed, no traffic: ${readyz}`).toBe(
        true,
      );
    }, 60_000);

    it('takes the refused requests, resent as an exporter does, and then reports ready', async () => {
      const url = collector!.url;
      rmSync(filler, { force: true });
      await Promise.all(duringFull.map((t) => resendLikeAnExporter(url, t)));
      for (let i = 0; i < 5; i++) afterFree.push(tracked(sdk, `after-${i}`, 2, 5));
      for (const t of afterFree) await send(url, t);
      const readyz = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5_000) });

      console.log(`after freeing space: ${duringFull.map((t) => `${t.name} ${statuses(t)}`).join(', ')}`);
      expect(
        [...duringFull, ...afterFree]
          .filter((t) => last(t)?.status !== 200)
          .map((t) => `${t.name}: ${statuses(t)}`),
        'requests not acknowledged once space was back',
      ).toEqual([]);
      expect(readyz.status, '/readyz after the resent requests were stored').toBe(200);
      expect(collector!.process.exitCode).toBeNull();
    }, 180_000);

    it('stores every acknowledged span exactly once and nothing of what stayed refused', async () => {
      await collector!.stop({ keepData: true });
      const exited = collector!.process;
      collector = undefined;
      expect(exited.exitCode, 'exit code of the graceful stop').toBe(0);
      const stored = await readStoredRows(mountDir);
      const all = [...baseline, ...duringFull, ...afterFree];
      const wrong = all
        .filter((t) => last(t)?.status === 200)
        .map((t) => ({ t, bad: notStoredOnce(stored, t) }))
        .filter(({ bad }) => bad.length > 0)
        .map(
          ({ t, bad }) =>
            `${t.name} (${statuses(t)}): ${bad.length}/${t.refs.length} not once, e.g. ${bad[0]}`,
        );
      const refusedYetStored = all
        .filter((t) => last(t)?.status !== 200 && storedCount(stored, t) > 0)
        .map((t) => `${t.name} (${statuses(t)}): ${storedCount(stored, t)} stored`);
      expect(wrong, 'acknowledged requests not stored exactly once').toEqual([]);
      expect(refusedYetStored, 'refused requests stored anyway').toEqual([]);
    }, 120_000);
  },
);

/** Writes zeros to `file` until the filesystem says ENOSPC; returns the bytes written. */
function fillUntilEnospc(file: string): number {
  const fd = openSync(file, 'w');
  let written = 0;
  try {
    // Big blocks first, then small ones for the last pages; bounded either way.
    for (const block of [Buffer.alloc(1 << 20), Buffer.alloc(4096), Buffer.alloc(512)]) {
      for (let i = 0; i < 200_000; i++) {
        try {
          written += writeSync(fd, block);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw error;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

// ---------------------------------------------------------------------------------------------------
// b. SIGSTOP / SIGCONT under exporter load

describe('b. SIGSTOP and SIGCONT under a real OpenTelemetry exporter load', () => {
  const TRACES = 3_000;
  const SPANS_PER_TRACE = 4;
  const TRACES_PER_SECOND = 400;
  const STOPPED_MS = 4_000;
  let collector: TestCollector;
  let report: PacedSenderReport | undefined;

  beforeAll(async () => {
    collector = await startCollector();
  });
  afterAll(async () => {
    await collector?.stop();
  });

  it('survives a stop of a few seconds; the exporter ends without failures', async () => {
    const sender = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(REPO_ROOT, 'test/collector/helpers/pacedSenderProcess.ts'),
        collector.url,
        'paced-sender',
        String(TRACES),
        String(SPANS_PER_TRACE),
        String(TRACES_PER_SECOND),
      ],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    sender.stdout.on('data', (d: Buffer) => (out += d.toString()));
    sender.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const senderExit = exitOf(sender, 120_000);
    try {
      await waitFor(
        async () => (await metric(collector.url, 'mcpscope_spans_stored_total')) > 0,
        20_000,
        'the first stored spans',
      );
      const storedBefore = await metric(collector.url, 'mcpscope_spans_stored_total');
      collector.process.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, STOPPED_MS));
      collector.process.kill('SIGCONT');
      const exit = await senderExit;
      const m = /^PACED (.*)$/m.exec(out);
      expect(exit?.code, `sender did not finish:\n${out.slice(-2000)}`).toBe(0);
      report = JSON.parse(m![1]!) as PacedSenderReport;
      const storedAfter = await metric(collector.url, 'mcpscope_spans_stored_total');
      console.log(
        `SIGSTOP for ${STOPPED_MS} ms after ${storedBefore} spans stored; exporter: ${report.exports} exports, ` +
          `${report.failedExports} failed ${JSON.stringify(report.errors)}; collector stored ${storedAfter} spans in all`,
      );
    } finally {
      if (sender.exitCode === null) sender.kill('SIGKILL');
      if (collector.process.signalCode === null) collector.process.kill('SIGCONT');
    }
    expect(collector.process.exitCode).toBeNull();
    expect((await fetch(`${collector.url}/healthz`, { signal: AbortSignal.timeout(5_000) })).status).toBe(
      200,
    );
    expect(Object.keys(report.created).length).toBe(TRACES);
    expect(report.failedExports, `failed exports: ${JSON.stringify(report.errors)}`).toBe(0);
  }, 180_000);

  it('stores every exported span exactly once, none twice', async () => {
    expect(report, 'the load run did not complete').toBeDefined();
    await collector.stop({ keepData: true });
    const stored = await readStoredRows(collector.dataDir);
    const twice: string[] = [];
    const lost: string[] = [];
    for (const [traceId, created] of Object.entries(report!.created)) {
      const rows = stored.rowsOfTrace(traceId);
      const distinct = stored.trace(traceId).size;
      if (rows !== distinct) twice.push(`${traceId}: ${rows} rows for ${distinct} spans`);
      const acked = report!.acked[traceId] ?? 0;
      const expected = report!.failedExports === 0 ? created : acked;
      if (distinct < expected) lost.push(`${traceId}: ${distinct} of ${expected} stored`);
    }
    expect(twice.length, `traces with spans stored twice, e.g. ${twice.slice(0, 5).join('; ')}`).toBe(0);
    expect(lost.length, `traces with exported spans missing, e.g. ${lost.slice(0, 5).join('; ')}`).toBe(0);
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------------
// c. one poisoned request in a merged insert

describe('c. a merged insert holding one poisoned request', () => {
  // Each occupier alone fills a batch (MCPSCOPE_BATCH_MAX_ROWS) and so holds one of the two insert
  // slots; requests arriving meanwhile queue, and the next free slot takes them all in one insert.
  const BATCH_MAX_ROWS = 20_000;
  let collector: TestCollector;
  const all: Tracked[] = [];
  const poisoned: Tracked[] = [];

  beforeAll(async () => {
    // Retention off: spans of any age are admitted, so that a request can reach storage with spans
    // on more days than one insert may touch.
    collector = await startCollector({
      env: { MCPSCOPE_BATCH_MAX_ROWS: String(BATCH_MAX_ROWS), MCPSCOPE_RETENTION_DAYS: '0' },
    });
  });
  afterAll(async () => {
    await collector?.stop();
  });

  const DAY_NS = 86_400n * 1_000_000_000n;
  const poisons: { name: string; make: () => Tracked }[] = [
    ...([-1n, 1n] as const).map((sign) => ({
      // ClickHouse refuses an insert block that touches more than 100 partitions (days):
      // max_partitions_per_insert_block, TOO_MANY_PARTS.
      name: `spans spread over the ${sign < 0n ? 'last' : 'next'} 101 days`,
      make: (): Tracked => {
        const spans = sdk.traces('faults-poison-days', 1, 101);
        const nowNs = BigInt(Date.now()) * 1_000_000n;
        const sent = spans.map((s, d) => {
          const start = nowNs + sign * BigInt(d) * DAY_NS;
          return withChanges(s, {
            startTime: hrTimeOfNanos(start),
            endTime: hrTimeOfNanos(start + 1_000_000n),
          });
        });
        return {
          name: `poison-101-days-${sign < 0n ? 'past' : 'future'}`,
          body: toProtobuf(sent),
          refs: spans.map(refOf),
          answers: [],
          errors: [],
        };
      },
    })),
    {
      name: 'one span ending at 2^64-1 ns',
      make: () => {
        const spans = sdk.traces('faults-poison-end', 1, 10);
        const sent = spans.map((s, i) =>
          i === 3 ? withChanges(s, { endTime: hrTimeOfNanos(2n ** 64n - 1n) }) : s,
        );
        return {
          name: 'poison-end-u64max',
          body: toProtobuf(sent),
          refs: spans.map(refOf),
          answers: [],
          errors: [],
        };
      },
    },
  ];

  for (const poison of poisons) {
    it(`${poison.name}: neighbours 200, the poisoned request a 4xx or partial_success, the same when resent`, async () => {
      const url = collector.url;
      const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
      const errorsBefore = await metric(url, 'mcpscope_storage_errors_total');
      const occupiers = [0, 1].map((i) => trackedLarge(`occupier-${i}`, BATCH_MAX_ROWS));
      const neighbours = Array.from({ length: 8 }, (_, i) => tracked(sdk, `neighbour-${i}`, 2, 5));
      const p = poison.make();
      all.push(...occupiers, ...neighbours, p);
      poisoned.push(p);

      const occupying = Promise.all(occupiers.map((t) => send(url, t, agent)));
      const sawQueue = await waitFor(
        async () => (await metric(url, 'mcpscope_queue_spans')) >= 2 * BATCH_MAX_ROWS,
        10_000,
        'both occupiers queued',
      ).then(
        () => true,
        () => false,
      );
      await Promise.all([...neighbours, p].map((t) => send(url, t, agent)));
      await occupying;
      const errorsAfter = await metric(url, 'mcpscope_storage_errors_total');

      const first = last(p);
      if (first && first.status !== 200) await send(url, p, agent);
      if (first?.status === 503 || first?.status === 429) await resendLikeAnExporter(url, p, 3, 6);
      agent.destroy();
      const partial = first?.status === 200 ? readPartialSuccess(first) : undefined;
      console.log(
        `${poison.name}: occupiers queued together: ${sawQueue}; storage errors +${errorsAfter - errorsBefore}; ` +
          `poisoned: ${p.answers.map(describeAnswer).join(' → ')}; neighbours: ${neighbours.map(statuses).join(' ')}`,
      );

      expect(
        [...occupiers, ...neighbours]
          .filter((t) => last(t)?.status !== 200)
          .map((t) => `${t.name}: ${describeAnswer(last(t))}`),
      ).toEqual([]);
      expect(first, 'the poisoned request got no answer').toBeDefined();
      const ok = first!.status === 200 || (first!.status >= 400 && first!.status < 500);
      expect(
        ok,
        `poisoned request answered ${describeAnswer(first)} (expected 4xx or 200 + partial_success)`,
      ).toBe(true);
      if (first!.status !== 200) {
        expect(statuses(p), 'the poisoned request resent').toBe(`${first!.status}→${first!.status}`);
      } else {
        expect(partial!.rejectedSpans, 'rejected_spans of the poisoned request').toBeLessThanOrEqual(
          p.refs.length,
        );
      }
    }, 120_000);
  }

  it('stores the neighbours exactly once, and of the poisoned requests what the answers said', async () => {
    expect(all.length).toBeGreaterThan(0);
    await collector.stop({ keepData: true });
    const stored = await readStoredRows(collector.dataDir);
    const wrong = all
      .filter((t) => !poisoned.includes(t) && last(t)?.status === 200)
      .map((t) => ({ t, bad: notStoredOnce(stored, t) }))
      .filter(({ bad }) => bad.length > 0)
      .map(({ t, bad }) => `${t.name}: ${bad.length}/${t.refs.length} not once, e.g. ${bad[0]}`);
    expect(wrong, 'acknowledged neighbours not stored exactly once').toEqual([]);
    for (const p of poisoned) {
      const twice = p.refs.filter((r) => stored.ofSpanId(r.spanId) > 1).length;
      const stores = storedCount(stored, p);
      const answers = p.answers.filter((a): a is OtlpAnswer => a !== undefined);
      const accepted = answers.filter((a) => a.status === 200);
      const expected =
        accepted.length === 0 ? 0 : p.refs.length - readPartialSuccess(accepted[0]!).rejectedSpans;
      expect(twice, `${p.name}: spans stored twice`).toBe(0);
      expect(stores, `${p.name} (${statuses(p)}): spans stored`).toBe(expected);
    }
  }, 120_000);
});

// ---------------------------------------------------------------------------------------------------
// d. SIGTERM drain

describe('d. SIGTERM with a dripping body, a keep-alive connection and a request in flight', () => {
  const EXIT_BOUND_MS = 30_000;
  /** Enough spans that their insert takes a while: the SIGTERM lands while they are committed. */
  const IN_FLIGHT_SPANS = 20_000;
  let collector: TestCollector;

  beforeAll(async () => {
    collector = await startCollector();
  });
  afterAll(async () => {
    await collector?.stop();
  });

  it('exits in bounded time, answers what it took, refuses what came during the drain, stores what it acknowledged', async () => {
    const url = collector.url;
    const dripped = tracked(sdk, 'dripped', 1, 3);
    const kept = tracked(sdk, 'keep-alive-first', 1, 3);
    const duringDrain = tracked(sdk, 'keep-alive-during-drain', 1, 3);
    const inFlight = trackedLarge('in-flight', IN_FLIGHT_SPANS);

    // A body that drips for a minute: it holds its connection past any grace period.
    const drip = await RawConnection.open(collector.port);
    drip.write(requestHead('/v1/traces', { ...PROTO, 'content-length': dripped.body.length }));
    drip.drip(dripped.body, Math.ceil(60_000 / dripped.body.length));

    // A keep-alive connection with one request answered: open and idle when the drain starts.
    const keepAlive = await RawConnection.open(collector.port);
    keepAlive.write(requestHead('/v1/traces', { ...PROTO, 'content-length': kept.body.length }));
    keepAlive.write(kept.body);
    kept.answers.push(await keepAlive.response(REQUEST_TIMEOUT_MS));
    expect(describeAnswer(last(kept))).toMatch(/^200/);

    // The request in flight.
    const answered = new Promise<void>((resolve) => {
      const req = http.request(`${url}/v1/traces`, {
        method: 'POST',
        headers: { ...PROTO, 'content-length': inFlight.body.length },
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          inFlight.answers.push({
            status: res.statusCode ?? 0,
            headers: res.headers as Record<string, string>,
            body: Buffer.concat(chunks),
          });
          resolve();
        });
      });
      req.on('error', (e) => {
        inFlight.answers.push(undefined);
        inFlight.errors.push(e.message);
        resolve();
      });
      req.end(inFlight.body);
    });
    // SIGTERM once its spans are queued for storage (decoded, waiting for their insert to commit).
    // Polled tightly: the window (decode done, insert not yet committed) lasts a few hundred ms.
    let committing = false;
    for (const deadline = Date.now() + 10_000; !committing && Date.now() < deadline;) {
      committing = (await metric(url, 'mcpscope_queue_spans')) >= IN_FLIGHT_SPANS;
      if (!committing) await new Promise((r) => setTimeout(r, 5));
    }
    const exit = exitOf(collector.process, EXIT_BOUND_MS);
    collector.process.kill('SIGTERM');
    const sigtermAt = Date.now();
    await waitFor(async () => /draining/i.test(collector.output()), 10_000, 'the drain to begin').catch(
      () => undefined,
    );

    // A request on the idle keep-alive connection, during the drain.
    let lateAnswer: string;
    if (keepAlive.isOpen) {
      keepAlive.write(requestHead('/v1/traces', { ...PROTO, 'content-length': duringDrain.body.length }));
      keepAlive.write(duringDrain.body);
      const a = await keepAlive.response(10_000).catch((e: Error) => e);
      if (a instanceof Error) lateAnswer = `hang: ${a.message}`;
      else if (a === undefined) lateAnswer = 'closed';
      else {
        duringDrain.answers.push(a);
        lateAnswer = `${a.status} connection=${a.headers['connection'] ?? ''} retry-after=${a.headers['retry-after'] ?? ''}`;
        await Promise.race([keepAlive.closed, new Promise((r) => setTimeout(r, 10_000))]);
        if (keepAlive.isOpen) lateAnswer += ' (connection left open)';
      }
    } else lateAnswer = 'closed';

    const exited = await exit;
    const exitMs = Date.now() - sigtermAt;
    await Promise.race([answered, new Promise((r) => setTimeout(r, 5_000))]);
    const dripAnswer = await drip.response(1_000).catch(() => undefined);
    if (dripAnswer) dripped.answers.push(dripAnswer);
    drip.destroy();
    keepAlive.destroy();
    console.log(
      `in flight queued for storage at SIGTERM: ${committing}; SIGTERM → exit ${JSON.stringify(exited)} after ${exitMs} ms; in flight: ${inFlight.answers.map(describeAnswer).join(',') || inFlight.errors.join(',')}; ` +
        `keep-alive request during the drain: ${lateAnswer}; dripping body: ${dripAnswer ? describeAnswer(dripAnswer) : 'closed'}`,
    );

    expect(exited, `collector still running ${EXIT_BOUND_MS} ms after SIGTERM`).toBeDefined();
    expect(exited!.code, 'exit code after SIGTERM').toBe(0);
    expect(inFlight.answers.length, 'the request in flight got no answer').toBeGreaterThan(0);
    expect(last(inFlight), `request in flight: ${inFlight.errors.join(', ')}`).toBeDefined();
    expect(committing, 'the request in flight was seen queued for storage before SIGTERM').toBe(true);
    expect(describeAnswer(last(inFlight)), 'the request in flight, queued for storage at SIGTERM').toMatch(
      /^200/,
    );
    expect(lateAnswer, 'a request on a keep-alive connection during the drain').toMatch(
      /^(closed|503 connection=close retry-after=\d+)$/,
    );

    const stored = await readStoredRows(collector.dataDir);
    for (const t of [kept, inFlight, duringDrain, dripped]) {
      if (last(t)?.status === 200)
        expect(notStoredOnce(stored, t), `${t.name}: acknowledged, not stored once`).toEqual([]);
      else
        expect(
          storedCount(stored, t),
          `${t.name} (${statuses(t) || 'no answer'}): not acknowledged, yet stored`,
        ).toBe(0);
    }
  }, 120_000);
});
