/**
 * Alerting, assembled: the rules store, the rules file, the evaluation loop and the notifier, and the
 * operations the API offers on them. Created with storage (the rules file is loaded then, so a bad file
 * stops the start), started once the collector listens, closed before storage.
 */
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { AlertEvaluator } from './evaluator.js';
import { computeRuleValues } from './metricValues.js';
import { Notifier, type NotifierOptions } from './notifier.js';
import { AlertRuleError, MAX_RULES, parseRuleDefinition } from './rule.js';
import { readRulesFile, syncFileRules } from './ruleFile.js';
import { AlertStore } from './store.js';
import type { AlertRuleView, AlertsResponse } from './types.js';
import { firingView, ruleView } from './views.js';

export interface AlertingOptions {
  /** Seconds between evaluations; 0 turns evaluation off here (rules can still be managed). */
  intervalSeconds: number;
  /** The rules file (`MCPSCOPE_ALERT_RULES`), YAML or JSON. */
  rulesFile?: string;
  /** Base URL of the dashboard in notification links. */
  externalUrl: () => string;
  log?: (msg: string) => void;
  /** Delivery tuning (attempts, delays, timeout); the defaults are documented in notifier.ts. */
  delivery?: Pick<NotifierOptions, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'timeoutMs'>;
  /** The clock. Default Date.now. */
  now?: () => number;
}

/** Default of `GET /api/alerts`'s `limit`: resolved firings listed. */
export const DEFAULT_HISTORY_LIMIT = 100;
export const MAX_HISTORY_LIMIT = 1000;

export class Alerting {
  readonly store: AlertStore;
  readonly evaluator: AlertEvaluator;
  readonly notifier: Notifier;
  private readonly now: () => number;

  private constructor(
    client: ClickHouseClient,
    database: string,
    private readonly opts: AlertingOptions,
  ) {
    const log = opts.log ?? (() => {});
    this.now = opts.now ?? Date.now;
    this.store = new AlertStore(client, database);
    this.notifier = new Notifier({
      ...opts.delivery,
      externalUrl: opts.externalUrl,
      persist: (firing) => this.store.saveFirings([firing]),
      log,
    });
    this.evaluator = new AlertEvaluator(
      this.store,
      this.notifier,
      (rules, nowMs) => computeRuleValues(client, database, rules, nowMs),
      { intervalMs: opts.intervalSeconds * 1000, log, now: this.now },
    );
  }

  /** Opens alerting over a migrated database and applies the rules file, if any. */
  static async create(client: ClickHouseClient, database: string, opts: AlertingOptions): Promise<Alerting> {
    const alerting = new Alerting(client, database, opts);
    if (opts.rulesFile) {
      const defs = readRulesFile(opts.rulesFile);
      const r = await syncFileRules(alerting.store, defs, alerting.now());
      opts.log?.(
        `alerts: ${defs.length} rule(s) from ${opts.rulesFile} (${r.added} added, ${r.updated} updated, ${r.removed} removed)`,
      );
    }
    return alerting;
  }

  /** Loads the firing state and starts evaluating (when the interval is not 0). */
  async start(): Promise<void> {
    await this.evaluator.start();
  }

  async close(): Promise<void> {
    await this.evaluator.close();
    await this.notifier.close();
  }

  async listRules(): Promise<AlertRuleView[]> {
    const [rules, open] = await Promise.all([
      this.store.listRules(),
      this.store.listFirings({ status: 'firing' }),
    ]);
    const firing = new Set(open.value.map((f) => f.ruleId));
    const now = this.now();
    return rules.value.map((r) => ruleView(r, this.evaluator.ruleState(r.id, firing.has(r.id)), now));
  }

  /** Validates and stores a new rule; returns its id. */
  async createRule(input: unknown): Promise<string> {
    const def = parseRuleDefinition(input);
    const id = randomUUID();
    const now = this.now();
    await this.store.createRule(
      { ...def, id, source: 'api', mutedUntil: null, createdAt: now, updatedAt: now },
      MAX_RULES,
    );
    return id;
  }

  private async existing(id: string) {
    const rule = await this.store.getRule(id);
    if (!rule) throw new AlertRuleError(`alert rule ${id} not found`, 404);
    return rule;
  }

  /** Deletes a rule; its open firing resolves at the next evaluation. */
  async deleteRule(id: string): Promise<void> {
    const rule = await this.existing(id);
    if (rule.source === 'file' && this.opts.rulesFile)
      throw new AlertRuleError(
        `alert rule ${id} ("${rule.name}") comes from ${this.opts.rulesFile}: remove it there (it would come back at the next start)`,
        409,
      );
    await this.store.deleteRules([rule]);
  }

  /** Holds back the rule's notifications until `untilMs` (null: unmute). Returns the mute's end. */
  async muteRule(id: string, untilMs: number | null): Promise<string | null> {
    const rule = await this.existing(id);
    await this.store.putRule({ ...rule, mutedUntil: untilMs, updatedAt: this.now() });
    return untilMs === null ? null : new Date(untilMs).toISOString();
  }

  /** What fires now, and the resolved firings newest first. */
  async alerts(limit = DEFAULT_HISTORY_LIMIT): Promise<AlertsResponse> {
    const [open, resolved] = await Promise.all([
      this.store.listFirings({ status: 'firing' }),
      this.store.listFirings({ status: 'resolved', limit }),
    ]);
    return {
      firing: open.value.map(firingView),
      history: resolved.value.map(firingView),
      evaluation: this.evaluator.stats(),
    };
  }
}
