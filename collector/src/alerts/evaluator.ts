/**
 * The evaluation loop: every interval it reads the rules, computes every rule's value (metricValues.ts,
 * a few queries for all rules), steps each rule's state (state.ts), saves the firings that changed in
 * one insert and hands the notifications due to the notifier.
 *
 * The open firings are kept in memory and loaded from storage at start, so a restart neither loses a
 * firing alert nor notifies it again. One collector should evaluate: with several collectors on one
 * database, set `MCPSCOPE_ALERT_INTERVAL_S=0` on all but one.
 */
import { randomUUID } from 'node:crypto';
import type { CycleValues } from './metricValues.js';
import type { Notifier } from './notifier.js';
import { isBreached } from './rule.js';
import { nextState, openFiring, releaseMuted, resolveFiring } from './state.js';
import type { AlertStore, Firing, NotificationRecord, StoredRule } from './store.js';
import type { AlertEvaluationStats, AlertRuleState } from './types.js';

export interface EvaluatorOptions {
  /** Time between the end of one cycle and the start of the next, in ms; 0 disables the loop. */
  intervalMs: number;
  log?: (msg: string) => void;
  /** The clock (tests and benchmarks may pin it). Default Date.now. */
  now?: () => number;
}

/** What one cycle did. */
export interface CycleReport {
  rules: number;
  fired: number;
  resolved: number;
  /** ClickHouse time of the cycle's queries (rules, values), and how many there were. */
  clickhouseMs: number;
  queries: number;
  /** ClickHouse time per query: rules, and those of metricValues.ts. */
  breakdown: Record<string, number>;
}

export type ComputeValues = (rules: readonly StoredRule[], nowMs: number) => Promise<CycleValues>;

export class AlertEvaluator {
  /** Open firings by rule id. */
  private readonly open = new Map<string, Firing>();
  private readonly last = new Map<string, { value: number | null; at: number }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private closed = false;
  /** Whether the open firings were loaded from storage. */
  private loaded = false;
  private readonly log: (msg: string) => void;
  private readonly now: () => number;
  private cycles = 0;
  private lastCycle: { at: number; report: CycleReport } | undefined;
  private lastError: string | null = null;

  constructor(
    private readonly store: AlertStore,
    private readonly notifier: Notifier,
    private readonly computeValues: ComputeValues,
    private readonly opts: EvaluatorOptions,
  ) {
    this.log = opts.log ?? (() => {});
    this.now = opts.now ?? Date.now;
  }

  /**
   * When evaluation is on here: loads the open firings, sends again what was left pending, and starts
   * the loop (the first cycle one interval later). Never throws: should storage not answer, the failure
   * is logged and shown in the stats, and the loading is tried again before the next cycle — a cycle
   * never runs without the firing state, or it would page again for alerts that already fire. With
   * evaluation off, the collector that evaluates owns the deliveries too.
   */
  async start(): Promise<void> {
    if (this.opts.intervalMs <= 0) return;
    await this.ensureLoaded().catch((err: unknown) => this.failed(err));
    this.schedule(this.opts.intervalMs);
  }

  private async ensureLoaded(): Promise<void> {
    if (this.loaded) return;
    const [open, pending] = await Promise.all([
      this.store.listFirings({ status: 'firing' }),
      this.store.listFirings({ pendingOnly: true }),
    ]);
    // Newest first: should a rule have two open firings (two collectors evaluating), the newest is kept.
    for (const f of open.value) if (!this.open.has(f.ruleId)) this.open.set(f.ruleId, f);
    const byId = new Map([...this.open.values()].map((f) => [f.id, f]));
    for (const stored of pending.value) {
      const firing = byId.get(stored.id) ?? stored;
      for (const n of firing.notifications) if (n.status === 'pending') this.notifier.send(firing, n);
    }
    this.loaded = true;
  }

  private failed(err: unknown): void {
    this.lastError = err instanceof Error ? err.message : String(err);
    this.log(`alerts: evaluation failed (next in ${this.opts.intervalMs / 1000} s): ${this.lastError}`);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.runCycle()
        .catch((err: unknown) => this.failed(err))
        .finally(() => this.schedule(this.opts.intervalMs));
    }, delayMs);
    this.timer.unref();
  }

  /** One evaluation of every rule at the current time. */
  async runCycle(): Promise<CycleReport> {
    await this.ensureLoaded();
    const nowMs = this.now();
    const rules = await this.store.listRules();
    const computed = await this.computeValues(rules.value, nowMs);
    const changed = new Set<Firing>();
    const sends: [Firing, NotificationRecord][] = [];
    let fired = 0;
    let resolved = 0;
    for (const rule of rules.value) {
      const value = computed.values.get(rule.id) ?? null;
      this.last.set(rule.id, { value, at: nowMs });
      const open = this.open.get(rule.id);
      const step = nextState(
        { firing: open !== undefined, okStreak: open?.okStreak ?? 0 },
        isBreached(rule, value),
        rule.resolveAfterEvaluations,
      );
      if (!open) {
        if (step.transition !== 'fired') continue;
        const { firing, send } = openFiring(rule, randomUUID(), value, nowMs);
        this.open.set(rule.id, firing);
        changed.add(firing);
        if (send) sends.push([firing, send]);
        fired++;
        continue;
      }
      // The rule as it is now: a corrected webhook or a mute applies to the open firing.
      open.rule = rule;
      open.lastValue = value;
      if (open.okStreak !== step.okStreak) changed.add(open);
      open.okStreak = step.okStreak;
      const send = step.transition === 'resolved' ? resolveFiring(open, nowMs) : releaseMuted(open, nowMs);
      if (step.transition === 'resolved') {
        this.open.delete(rule.id);
        changed.add(open);
        resolved++;
      }
      if (send) {
        changed.add(open);
        sends.push([open, send]);
      }
    }
    // A deleted rule's firing resolves (and says so), rather than paging on forever in the receiver.
    const ruleIds = new Set(rules.value.map((r) => r.id));
    for (const [ruleId, firing] of this.open) {
      if (ruleIds.has(ruleId)) continue;
      this.open.delete(ruleId);
      const send = resolveFiring(firing, nowMs, { ruleDeleted: true });
      changed.add(firing);
      if (send) sends.push([firing, send]);
      resolved++;
    }
    await this.store.saveFirings([...changed]);
    for (const [firing, n] of sends) this.notifier.send(firing, n);
    const report: CycleReport = {
      rules: rules.value.length,
      fired,
      resolved,
      clickhouseMs: rules.clickhouseMs + computed.clickhouseMs,
      queries: 1 + computed.queries,
      breakdown: { rules: rules.clickhouseMs, ...computed.breakdown },
    };
    this.cycles++;
    this.lastCycle = { at: nowMs, report };
    this.lastError = null;
    return report;
  }

  /** What this collector last saw of a rule; `firing` from storage is the caller's to give. */
  ruleState(ruleId: string, firing: boolean): AlertRuleState {
    const last = this.last.get(ruleId);
    return {
      status: firing ? 'firing' : 'ok',
      value: last?.value ?? null,
      evaluatedAt: last ? new Date(last.at).toISOString() : null,
    };
  }

  stats(): AlertEvaluationStats {
    return {
      enabled: this.opts.intervalMs > 0,
      intervalSeconds: this.opts.intervalMs / 1000,
      cycles: this.cycles,
      lastCycleAt: this.lastCycle ? new Date(this.lastCycle.at).toISOString() : null,
      lastCycleClickhouseMs: this.lastCycle ? round(this.lastCycle.report.clickhouseMs) : null,
      lastCycleQueries: this.lastCycle?.report.queries ?? null,
      lastError: this.lastError,
    };
  }

  /** Stops the loop after the cycle in progress. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => {});
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;
