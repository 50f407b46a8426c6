/**
 * Rules and firings in ClickHouse (storage/alertsSchema.ts). Every change writes the whole row again
 * with a higher `Version`; reads use FINAL, so the latest version of each rule and firing is what every
 * collector on the same database sees, and what a restarted one finds.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { ALERT_TABLES } from '../storage/alertsSchema.js';
import { AlertRuleError, parseRuleDefinition } from './rule.js';
import type { AlertNotificationView, AlertRuleDefinition } from './types.js';

/** A rule as stored: its definition plus identity, origin and mute. Times are unix ms. */
export interface StoredRule extends AlertRuleDefinition {
  id: string;
  source: 'api' | 'file';
  mutedUntil: number | null;
  createdAt: number;
  updatedAt: number;
}

/** One webhook notification of a firing and its delivery (times unix ms). */
export interface NotificationRecord {
  kind: AlertNotificationView['kind'];
  status: AlertNotificationView['status'];
  attempts: number;
  createdAt: number;
  lastAttemptAt: number | null;
  deliveredAt: number | null;
  lastError: string | null;
  errors: { at: number; error: string }[];
}

/** A firing as stored and as the evaluator and notifier change it. */
export interface Firing {
  id: string;
  ruleId: string;
  /** The rule when it fired: the history and the resolved notification outlive its deletion. */
  rule: StoredRule;
  status: 'firing' | 'resolved';
  startsAt: number;
  endsAt: number | null;
  startValue: number | null;
  lastValue: number | null;
  /** Consecutive evaluations with the condition false (resolves at `rule.resolveAfterEvaluations`). */
  okStreak: number;
  notifications: NotificationRecord[];
  /** True once resolved because the rule was deleted. */
  ruleDeleted?: boolean;
}

/** Query results carry ClickHouse's own time for them: the evaluator reports it per cycle. */
export interface Timed<T> {
  value: T;
  clickhouseMs: number;
}

interface RuleRow {
  Id: string;
  Name: string;
  Source: string;
  Definition: string;
  MutedUntil: string | null;
  CreatedAt: string;
  UpdatedAt: string;
}

interface FiringRow {
  Rule: string;
  FiringId: string;
  RuleId: string;
  Status: string;
  StartsAt: string;
  EndsAt: string | null;
  StartValue: number | null;
  LastValue: number | null;
  OkStreak: number;
  Notifications: string;
}

/** `FORMAT JSON` answers: rows and the engine's statistics (elapsed seconds). */
export interface JsonAnswer<T> {
  data: T[];
  statistics?: { elapsed?: number };
}

/** Runs a query and returns its rows with the engine's elapsed time. */
export async function timedQuery<T>(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown> = {},
): Promise<Timed<T[]>> {
  const rs = await client.query({
    query,
    query_params: params,
    format: 'JSON',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
  });
  const answer = (await rs.json()) as unknown as JsonAnswer<T>;
  return { value: answer.data, clickhouseMs: (answer.statistics?.elapsed ?? 0) * 1000 };
}

const ms = (v: string | null): number | null => (v === null ? null : Number(v));

export class AlertStore {
  private lastVersion = 0;
  private readonly rulesTable: string;
  private readonly firingsTable: string;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
  ) {
    this.rulesTable = `\`${database}\`.\`${ALERT_TABLES.rules}\``;
    this.firingsTable = `\`${database}\`.\`${ALERT_TABLES.firings}\``;
  }

  /**
   * Versions grow with the clock (microseconds) and strictly within a process, so the later of two
   * writes wins even when both fall in one millisecond, and a restarted collector's writes win over
   * what it wrote before.
   */
  private nextVersion(): number {
    this.lastVersion = Math.max(Date.now() * 1000, this.lastVersion + 1);
    return this.lastVersion;
  }

  private async insert(table: string, values: Record<string, unknown>[]): Promise<void> {
    if (values.length === 0) return;
    await this.client.insert({
      table,
      values,
      format: 'JSONEachRow',
      clickhouse_settings: {
        // The embedded engine keeps settings between statements: clear a span write's token.
        insert_deduplication_token: '',
        // Through a Distributed table, the row is on its shard when the insert returns: the next read
        // (the API answering the change, the next evaluation) sees it.
        insert_distributed_sync: 1,
      },
    });
  }

  /** The rules that exist (not deleted), oldest first. */
  async listRules(): Promise<Timed<StoredRule[]>> {
    const { value, clickhouseMs } = await timedQuery<RuleRow>(
      this.client,
      `SELECT Id, Name, Source, Definition,
         if(isNull(MutedUntil), NULL, toUnixTimestamp64Milli(assumeNotNull(MutedUntil))) AS MutedUntil,
         toUnixTimestamp64Milli(CreatedAt) AS CreatedAt, toUnixTimestamp64Milli(UpdatedAt) AS UpdatedAt
       FROM ${this.rulesTable} FINAL WHERE Deleted = 0 ORDER BY CreatedAt, Id`,
    );
    const rules: StoredRule[] = [];
    for (const r of value) {
      let def: AlertRuleDefinition;
      try {
        def = parseRuleDefinition(JSON.parse(r.Definition) as unknown);
      } catch {
        // A definition this version refuses (written by a newer or older one) is skipped, not fatal.
        continue;
      }
      rules.push({
        ...def,
        id: r.Id,
        source: r.Source === 'file' ? 'file' : 'api',
        mutedUntil: ms(r.MutedUntil),
        createdAt: Number(r.CreatedAt),
        updatedAt: Number(r.UpdatedAt),
      });
    }
    return { value: rules, clickhouseMs };
  }

  async getRule(id: string): Promise<StoredRule | undefined> {
    return (await this.listRules()).value.find((r) => r.id === id);
  }

  /** Writes a rule (a new one, or a new version of one). */
  async putRule(rule: StoredRule): Promise<void> {
    await this.putRules([rule]);
  }

  async putRules(rules: readonly StoredRule[]): Promise<void> {
    await this.insert(
      this.rulesTable,
      rules.map((rule) => ruleRow(rule, this.nextVersion(), 0)),
    );
  }

  async deleteRules(rules: readonly StoredRule[]): Promise<void> {
    const now = Date.now();
    await this.insert(
      this.rulesTable,
      rules.map((rule) => ruleRow({ ...rule, updatedAt: now }, this.nextVersion(), 1)),
    );
  }

  /** Creates a rule, refusing past {@link maxRules}. */
  async createRule(rule: StoredRule, maxRules: number): Promise<void> {
    const count = (await this.listRules()).value.length;
    if (count >= maxRules)
      throw new AlertRuleError(`there are already ${count} alert rules, the most kept is ${maxRules}`, 409);
    await this.putRule(rule);
  }

  /**
   * Firings: the open ones (`status: 'firing'`), the resolved ones newest first up to `limit`, or those
   * with a notification still being delivered (`pendingOnly`).
   */
  async listFirings(
    opts: { status?: Firing['status']; limit?: number; pendingOnly?: boolean } = {},
  ): Promise<Timed<Firing[]>> {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (opts.status) {
      where.push('Status = {status:String}');
      params['status'] = opts.status;
    }
    if (opts.pendingOnly) where.push(`position(Notifications, '"status":"pending"') > 0`);
    const limit = opts.limit !== undefined ? `LIMIT ${Math.floor(opts.limit)}` : '';
    const { value, clickhouseMs } = await timedQuery<FiringRow>(
      this.client,
      `SELECT RuleId, FiringId, Rule, Status, toUnixTimestamp64Milli(StartsAt) AS StartsAt,
         if(isNull(EndsAt), NULL, toUnixTimestamp64Milli(assumeNotNull(EndsAt))) AS EndsAt,
         StartValue, LastValue, OkStreak, Notifications
       FROM ${this.firingsTable} FINAL ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY StartsAt DESC, FiringId ${limit}`,
      params,
    );
    const firings: Firing[] = [];
    for (const r of value) {
      const firing = firingOf(r);
      if (firing) firings.push(firing);
    }
    return { value: firings, clickhouseMs };
  }

  /** Writes the current state of each firing (one insert). */
  async saveFirings(firings: readonly Firing[]): Promise<void> {
    const now = Date.now();
    await this.insert(
      this.firingsTable,
      firings.map((f) => ({
        RuleId: f.ruleId,
        FiringId: f.id,
        Version: this.nextVersion(),
        Rule: JSON.stringify({ ...f.rule, ruleDeleted: f.ruleDeleted === true }),
        Status: f.status,
        StartsAt: f.startsAt,
        EndsAt: f.endsAt,
        StartValue: f.startValue,
        LastValue: f.lastValue,
        OkStreak: f.okStreak,
        Notifications: JSON.stringify(f.notifications),
        UpdatedAt: now,
      })),
    );
  }
}

function ruleRow(rule: StoredRule, version: number, deleted: 0 | 1): Record<string, unknown> {
  const { id, source, mutedUntil, createdAt, updatedAt, ...definition } = rule;
  return {
    Id: id,
    Version: version,
    Name: definition.name,
    Source: source,
    Definition: JSON.stringify(definition),
    MutedUntil: mutedUntil,
    Deleted: deleted,
    CreatedAt: createdAt,
    UpdatedAt: updatedAt,
  };
}

function firingOf(r: FiringRow): Firing | undefined {
  let snapshot: StoredRule & { ruleDeleted?: boolean };
  let notifications: NotificationRecord[];
  try {
    snapshot = JSON.parse(r.Rule) as StoredRule & { ruleDeleted?: boolean };
    notifications = JSON.parse(r.Notifications) as NotificationRecord[];
  } catch {
    return undefined;
  }
  const { ruleDeleted, ...rule } = snapshot;
  return {
    id: r.FiringId,
    ruleId: r.RuleId,
    rule,
    status: r.Status === 'resolved' ? 'resolved' : 'firing',
    startsAt: Number(r.StartsAt),
    endsAt: ms(r.EndsAt),
    startValue: r.StartValue,
    lastValue: r.LastValue,
    okStreak: Number(r.OkStreak),
    notifications,
    ruleDeleted: ruleDeleted === true,
  };
}
