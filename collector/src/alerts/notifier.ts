/**
 * Webhook delivery: POSTs each notification with Node's fetch, retrying with exponential backoff a
 * bounded number of times, and records every attempt on the firing (saved after each one), so the
 * alerts page shows a receiver that fails while it is still being retried.
 *
 * Retried: no answer (refused, reset, timed out), 408, 429 and 5xx. Not retried: other 4xx — a wrong
 * URL or a refused body does not fix itself. The notifications of one firing go in order (a resolved
 * one waits for its firing one), so a receiver never sees an alert resolve before it fired.
 *
 * Stopping aborts the attempts in flight and the waits between them without marking them failed: they
 * stay 'pending' in storage and the next start sends them again (at-least-once, as Alertmanager).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { backoffDelayMs } from '../pipeline/backoff.js';
import { notificationBody } from './payloads.js';
import type { Firing, NotificationRecord } from './store.js';

export interface NotifierOptions {
  /** Base of the dashboard links in notifications (`externalURL`), e.g. `https://mcpscope.example.com`. */
  externalUrl: () => string;
  /** Saves a firing after each attempt; its failures are logged, never thrown. */
  persist: (firing: Firing) => Promise<void>;
  log?: (msg: string) => void;
  /**
   * Attempts per notification. Default 8: with the default delays (1 s doubling, at most 60 s, with
   * jitter) the last attempt comes about two minutes after the first — a receiver restart is covered,
   * and the next state change sends a new notification anyway.
   */
  maxAttempts?: number;
  /** Delay before the first retry, in ms; doubles after each. Default 1000. */
  baseDelayMs?: number;
  /** Longest delay between attempts, in ms. Default 60 000. */
  maxDelayMs?: number;
  /** How long one attempt waits for an answer, in ms. Default 10 000 (Alertmanager's default is 10 s too). */
  timeoutMs?: number;
}

/** Failed attempts kept per notification (the latest). */
const MAX_ERRORS_KEPT = 10;
/** Characters of a receiver's error answer kept in the record. */
const MAX_ERROR_BODY = 200;

type Attempt = { ok: true } | { ok: false; retry: boolean; error: string };

export class Notifier {
  private readonly abort = new AbortController();
  /** The tail of each firing's chain of deliveries. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly log: (msg: string) => void;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly opts: NotifierOptions) {
    this.log = opts.log ?? (() => {});
    this.maxAttempts = opts.maxAttempts ?? 8;
    this.baseDelayMs = opts.baseDelayMs ?? 1000;
    this.maxDelayMs = opts.maxDelayMs ?? 60_000;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** Queues the delivery of `notification` (a pending record of `firing`). Returns at once. */
  send(firing: Firing, notification: NotificationRecord): void {
    if (this.abort.signal.aborted) return;
    const previous = this.chains.get(firing.id) ?? Promise.resolve();
    const task = previous.then(() => this.deliver(firing, notification));
    this.chains.set(firing.id, task);
    this.inFlight.add(task);
    void task.finally(() => {
      this.inFlight.delete(task);
      if (this.chains.get(firing.id) === task) this.chains.delete(firing.id);
    });
  }

  /** Stops every delivery (they stay pending in storage) and waits for them to let go. */
  async close(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Resolves when every queued delivery has finished (for tests and benchmarks). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(firing: Firing, n: NotificationRecord): Promise<void> {
    const body = notificationBody(firing, n.kind, this.opts.externalUrl());
    const url = firing.rule.webhook.url;
    while (!this.abort.signal.aborted && n.status === 'pending') {
      const at = Date.now();
      const result = await this.attempt(url, body);
      if (this.abort.signal.aborted) return;
      n.attempts += 1;
      n.lastAttemptAt = at;
      if (result.ok) {
        n.status = 'delivered';
        n.deliveredAt = Date.now();
        n.lastError = null;
      } else {
        n.lastError = result.error;
        n.errors = [...n.errors, { at, error: result.error }].slice(-MAX_ERRORS_KEPT);
        if (!result.retry || n.attempts >= this.maxAttempts) {
          n.status = 'failed';
          this.log(
            `alert "${firing.rule.name}": ${n.kind} notification failed after ${n.attempts} attempt(s): ${result.error}`,
          );
        }
      }
      await this.save(firing);
      if (n.status !== 'pending') return;
      const delay = Math.min(this.maxDelayMs, backoffDelayMs(n.attempts - 1, this.baseDelayMs));
      try {
        await sleep(delay, undefined, { signal: this.abort.signal });
      } catch {
        return;
      }
    }
  }

  private async save(firing: Firing): Promise<void> {
    try {
      await this.opts.persist(firing);
    } catch (err) {
      this.log(`alerts: saving a delivery of "${firing.rule.name}" failed: ${String(err)}`);
    }
  }

  private async attempt(url: string, body: string): Promise<Attempt> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'mcpscope-alerts' },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      const text = await res.text().catch(() => '');
      if (res.ok) return { ok: true };
      const snippet = text.trim().slice(0, MAX_ERROR_BODY);
      const error = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${snippet ? `: ${snippet}` : ''}`;
      const retry = res.status === 408 || res.status === 429 || res.status >= 500;
      return { ok: false, retry, error };
    } catch (err) {
      return { ok: false, retry: true, error: describeFetchError(err, this.timeoutMs) };
    }
  }
}

/** fetch's errors say "fetch failed"; the reason is in `cause` (ECONNREFUSED, a DNS failure, …). */
function describeFetchError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return `no answer within ${timeoutMs / 1000} s`;
  const cause =
    err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return `connection failed: ${cause.code}`;
  if (cause?.message) return `connection failed: ${cause.message}`;
  return err instanceof Error ? err.message : String(err);
}
