/**
 * Keeps `mcp_root_causes` up to date as spans arrive: the verdict of every failed MCP call, decided by
 * the root-cause model (model/rootCause.ts) from all spans of its trace.
 *
 * Why at ingest and not at read time: the list views aggregate verdicts over hours or days (the errors
 * view groups every failed call of the window by root cause; the trace list filters on it; alerts will
 * scope by it). Deciding at read time means loading every span of every failed trace in the window on
 * each page load — 100k failed calls in a day are 300k+ spans to read and classify per request. Decided
 * once after ingest, a list reads one small row per failed trace.
 *
 * A trace's spans come from several processes, seconds or minutes apart, so a verdict is decided anew
 * whenever spans that bear on a failure arrive (an error status, an `error.type`, a fault): after their
 * insert commits, the trace waits {@link RootCauseUpdaterOptions.delayMs} for its other spans, then its
 * stored spans are read (only the attributes the model reads) and its row is replaced whole. The
 * acknowledgement of the spans does not wait for this: a verdict that is a second late costs nothing,
 * a slower ack costs every sender. The trace page decides from the spans it loads, always current.
 *
 * When the collector stops before deciding (a crash, a kill), the failed traces of the last
 * {@link RootCauseUpdaterOptions.catchUpMinutes} that have no verdict are found again at start.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import {
  decideRootCauses,
  hasFailureSignal,
  VERDICT_ATTRIBUTES,
  type RootCause,
  type VerdictSpan,
} from '../model/rootCause.js';
import { messageTemplate } from '../model/messageTemplate.js';
import type { SpanRow } from './rows.js';
import { TABLES } from './schema.js';
import { queryRows } from './queries/sql.js';

export interface RootCauseUpdaterOptions {
  /**
   * How long a trace waits after its last failure-bearing span arrived before it is decided, in ms.
   * Default 1000: the other side's spans usually come in the same export round. Later ones decide it
   * again.
   */
  delayMs?: number;
  /** Most traces decided in one round (one read of their spans, one insert). Default 1000. */
  maxTracesPerRound?: number;
  /**
   * Most traces waiting to be decided. Past it the oldest waiting ones are dropped and counted in
   * `dropped` (their trace page still decides at read time). Default 100 000.
   */
  maxPending?: number;
  /** Minutes of spans searched at start for failed traces without a verdict. Default 60. */
  catchUpMinutes?: number;
  /** Where a failed round is reported (it is retried). Default: silent. */
  log?: (msg: string) => void;
}

/** What the updater has done, for /metrics and tests. */
export interface RootCauseStats {
  /** Traces decided (a trace decided again counts again). */
  decided: number;
  /** Rounds run, and their total time in ms (read + decide + write). */
  rounds: number;
  roundMs: number;
  /** Rounds that failed (storage trouble) and were retried. */
  failedRounds: number;
  /** Traces dropped from a full queue. */
  dropped: number;
  /** Traces waiting now. */
  pending: number;
}

interface SpanOut {
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  startNs: string;
  durationNs: string;
  StatusCode: string;
  StatusMessage: string;
  attrs: Record<string, string>;
}

/** One row of `mcp_root_causes`, as inserted (JSONEachRow). */
export interface RootCauseRow {
  TraceId: string;
  Start: number;
  Version: number;
  'Calls.StartNs': string[];
  'Calls.CallSpanId': string[];
  'Calls.Service': string[];
  'Calls.Services': string[];
  'Calls.Server': string[];
  'Calls.Method': string[];
  'Calls.Tool': string[];
  'Calls.CallLayers': string[];
  'Calls.Layer': string[];
  'Calls.SpanId': string[];
  'Calls.ErrorType': string[];
  'Calls.Rule': string[];
  'Calls.Message': string[];
  'Calls.Template': string[];
}

/** Longest message kept per call (the template is what groups; the message is an example). */
const MAX_MESSAGE_LENGTH = 2000;

/** The stored row of a trace's verdicts. */
export function rootCauseRow(traceId: string, verdicts: readonly RootCause[], version: number): RootCauseRow {
  const first = verdicts[0]?.call.startTimeUnixNano ?? '0';
  return {
    TraceId: traceId,
    Start: Number(BigInt(first) / 1_000_000_000n),
    Version: version,
    'Calls.StartNs': verdicts.map((v) => v.call.startTimeUnixNano),
    'Calls.CallSpanId': verdicts.map((v) => v.call.spanId),
    'Calls.Service': verdicts.map((v) => v.call.service),
    'Calls.Services': verdicts.map((v) => v.call.services.join(',')),
    'Calls.Server': verdicts.map((v) => v.call.server),
    'Calls.Method': verdicts.map((v) => v.call.method),
    'Calls.Tool': verdicts.map((v) => v.call.tool),
    'Calls.CallLayers': verdicts.map((v) => v.call.layers.filter((l) => l !== '').join(',')),
    'Calls.Layer': verdicts.map((v) => v.layer),
    'Calls.SpanId': verdicts.map((v) => v.spanId),
    'Calls.ErrorType': verdicts.map((v) => v.errorType),
    'Calls.Rule': verdicts.map((v) => v.rule),
    'Calls.Message': verdicts.map((v) => v.message.slice(0, MAX_MESSAGE_LENGTH)),
    'Calls.Template': verdicts.map((v) => messageTemplate(v.message)),
  };
}

export class RootCauseUpdater {
  private readonly delayMs: number;
  private readonly maxTracesPerRound: number;
  private readonly maxPending: number;
  private readonly catchUpMinutes: number;
  private readonly log: (msg: string) => void;
  /** Trace id → when it may be decided (ms). Insertion order is arrival order. */
  private readonly pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private retryDelayMs = 0;
  readonly stats: RootCauseStats = {
    decided: 0,
    rounds: 0,
    roundMs: 0,
    failedRounds: 0,
    dropped: 0,
    pending: 0,
  };

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    opts: RootCauseUpdaterOptions = {},
  ) {
    this.delayMs = opts.delayMs ?? 1000;
    this.maxTracesPerRound = opts.maxTracesPerRound ?? 1000;
    this.maxPending = opts.maxPending ?? 100_000;
    this.catchUpMinutes = opts.catchUpMinutes ?? 60;
    this.log = opts.log ?? (() => {});
  }

  /**
   * Called with rows once they are committed: the traces among them with a failure signal are
   * (re)decided after the delay. Synchronous and cheap: three property reads per row.
   */
  noteCommitted(rows: readonly SpanRow[]): void {
    if (this.closed) return;
    const due = Date.now() + this.delayMs;
    for (const row of rows) {
      if (!hasFailureSignal(row.StatusCode, row.SpanAttributes)) continue;
      // Re-inserting moves the trace to the back: it waits for its latest span.
      this.pending.delete(row.TraceId);
      this.pending.set(row.TraceId, due);
    }
    this.trim();
    this.schedule();
  }

  /**
   * Finds failed traces of the last `catchUpMinutes` without a verdict and queues them (a collector
   * that stopped before deciding them). Returns how many were queued.
   */
  async catchUp(): Promise<number> {
    const rows = await queryRows<{ TraceId: string }>(
      this.client,
      `SELECT DISTINCT TraceId FROM ${this.table(TABLES.spans)}
       WHERE Timestamp >= now() - INTERVAL {minutes:UInt32} MINUTE AND IsError = 1
         AND TraceId NOT IN (SELECT TraceId FROM ${this.table(TABLES.rootCauses)})
       LIMIT {max:UInt32}`,
      { minutes: this.catchUpMinutes, max: this.maxPending },
    );
    const now = Date.now();
    for (const r of rows) if (!this.pending.has(r.TraceId)) this.pending.set(r.TraceId, now);
    this.trim();
    this.schedule();
    return rows.length;
  }

  /** Decides every waiting trace now, delay or not; resolves when done (tests, shutdown). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    while (this.pending.size > 0) {
      const before = this.stats.failedRounds;
      await this.runRound(true);
      if (this.stats.failedRounds !== before) break; // storage trouble: leave them for the next start
    }
  }

  /** Stops taking traces and decides the waiting ones. */
  async close(): Promise<void> {
    await this.flush().catch(() => {});
    this.closed = true;
  }

  private table(name: string): string {
    return `\`${this.database}\`.\`${name}\``;
  }

  private trim(): void {
    while (this.pending.size > this.maxPending) {
      const oldest = this.pending.keys().next().value as string;
      this.pending.delete(oldest);
      this.stats.dropped++;
    }
    this.stats.pending = this.pending.size;
  }

  private schedule(): void {
    if (this.timer || this.running || this.pending.size === 0 || this.closed) return;
    const first = this.pending.values().next().value as number;
    const wait = Math.max(first - Date.now(), this.retryDelayMs, 0);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runRound(false).then(() => this.schedule());
    }, wait);
    this.timer.unref();
  }

  private runRound(all: boolean): Promise<void> {
    const round = this.round(all).finally(() => {
      this.running = undefined;
    });
    this.running = round;
    return round;
  }

  private async round(all: boolean): Promise<void> {
    const now = Date.now();
    const ids: string[] = [];
    for (const [id, due] of this.pending) {
      if (!all && due > now) break;
      ids.push(id);
      if (ids.length >= this.maxTracesPerRound) break;
    }
    if (ids.length === 0) return;
    for (const id of ids) this.pending.delete(id);
    this.stats.pending = this.pending.size;
    const started = performance.now();
    try {
      const rows = await this.decide(ids);
      if (rows.length > 0) {
        await this.client.insert({
          table: this.table(TABLES.rootCauses),
          values: rows,
          format: 'JSONEachRow',
          // The embedded engine keeps settings between statements: clear a span write's token.
          clickhouse_settings: { insert_deduplication_token: '' },
        });
      }
      this.stats.decided += ids.length;
      this.stats.rounds++;
      this.stats.roundMs += performance.now() - started;
      this.retryDelayMs = 0;
    } catch (err) {
      // Storage trouble: the traces wait again (ahead of newer ones), and rounds back off.
      this.stats.failedRounds++;
      const waiting = [...this.pending];
      this.pending.clear();
      for (const id of ids) this.pending.set(id, now);
      for (const [id, due] of waiting) if (!this.pending.has(id)) this.pending.set(id, due);
      this.trim();
      this.retryDelayMs = Math.min(Math.max(this.retryDelayMs * 2, 1000), 30_000);
      this.log(`root causes: deciding ${ids.length} traces failed, retrying: ${String(err)}`);
    }
  }

  /** Reads the traces' spans and returns a row for each trace that has a failed call. */
  async decide(ids: readonly string[]): Promise<RootCauseRow[]> {
    const [range] = await queryRows<{ start: string; end: string; n: string }>(
      this.client,
      `SELECT toString(toUnixTimestamp(min(Start))) AS start, toString(toUnixTimestamp(max(End))) AS end,
         count() AS n
       FROM ${this.table(TABLES.traceIdTs)} WHERE TraceId IN {ids:Array(String)}`,
      { ids: [...ids] },
    );
    if (!range || Number(range.n) === 0) return [];
    const spans = await queryRows<SpanOut>(
      this.client,
      `SELECT TraceId, SpanId, ParentSpanId, SpanName, SpanKind, ServiceName,
         toString(toUnixTimestamp64Nano(Timestamp)) AS startNs, toString(Duration) AS durationNs,
         StatusCode, StatusMessage,
         mapFilter((k, v) -> has({keys:Array(String)}, k), SpanAttributes) AS attrs
       FROM ${this.table(TABLES.spans)}
       WHERE TraceId IN {ids:Array(String)}
         AND Timestamp >= toDateTime({start:UInt32}) AND Timestamp <= toDateTime({end:UInt32})
       LIMIT 1 BY TraceId, SpanId`,
      // Start/End have second precision: widen by a second on each side.
      {
        ids: [...ids],
        keys: [...VERDICT_ATTRIBUTES],
        start: Math.max(Number(range.start) - 1, 0),
        end: Number(range.end) + 1,
      },
    );
    const byTrace = new Map<string, VerdictSpan[]>();
    for (const s of spans) {
      let list = byTrace.get(s.TraceId);
      if (!list) byTrace.set(s.TraceId, (list = []));
      list.push({
        spanId: s.SpanId,
        parentSpanId: s.ParentSpanId,
        name: s.SpanName,
        kind: s.SpanKind,
        service: s.ServiceName,
        startTimeUnixNano: s.startNs,
        durationNs: s.durationNs,
        statusCode: s.StatusCode,
        statusMessage: s.StatusMessage,
        attributes: s.attrs,
      });
    }
    const version = Date.now();
    const rows: RootCauseRow[] = [];
    for (const [traceId, traceSpans] of byTrace) {
      const verdicts = decideRootCauses(traceSpans);
      if (verdicts.length > 0) rows.push(rootCauseRow(traceId, verdicts, version));
    }
    return rows;
  }
}
