/**
 * The alerting API's shapes (`/api/alert-rules`, `/api/alerts`), shared with the dashboard through the
 * collector's types entry.
 */

/** What a rule measures over its window. */
export type AlertMetric = 'error_rate' | 'p95_ms' | 'p99_ms' | 'calls' | 'tool_change';
export type AlertOp = '>' | '<';
export type WebhookFormat = 'alertmanager' | 'slack';
export type AlertSeverity = 'critical' | 'warning' | 'info';

/** Which calls a rule looks at; an absent field does not filter. */
export interface AlertScope {
  /** `service.name` of a span of the call (the agent's, a proxy's or the server's). */
  service?: string;
  /** MCP server name. */
  server?: string;
  /** Tool (or prompt) name. */
  tool?: string;
  /**
   * The layer whose spans are counted: 'client', 'transport' or 'server'. Without it, the layer callers
   * experience (client spans, else the server's, as the overview counts).
   */
  layer?: string;
  /**
   * Root-cause layer (caller, client, transport, server, tool, downstream): only failed calls whose
   * verdict blames it count as errors (`error_rate`) or as calls (`calls` = failed calls so blamed).
   */
  rootCauseLayer?: string;
}

/** A rule as created with `POST /api/alert-rules` or loaded from `MCPSCOPE_ALERT_RULES`. */
export interface AlertRuleDefinition {
  name: string;
  scope: AlertScope;
  /**
   * `error_rate`: failed calls / calls, a fraction 0–1. `p95_ms`, `p99_ms`: latency in ms. `calls`: calls
   * in the window (`op: '<', threshold: 1` is "dropped to zero"). `tool_change`: tool-definition
   * changes (added, removed, changed tools) first seen in the window.
   */
  metric: AlertMetric;
  op: AlertOp;
  threshold: number;
  /** Whole minutes of the per-minute rollup are read: the window reaches back to the minute holding now − windowSeconds. */
  windowSeconds: number;
  webhook: { url: string; format: WebhookFormat };
  /** `tool_change` only: count only changes with a flag (no version bump, mid-session, injection patterns). */
  flaggedOnly?: boolean;
  /**
   * `tool_change` only: count only changes that depart from the server's approved set in force when they
   * were made (a changed or new tool not approved, an approved tool gone: the `unapproved` flag). Servers
   * without an approved set have no such changes.
   */
  againstApproved?: boolean;
  /** Consecutive evaluations with the condition false before a firing alert resolves. Default 3. */
  resolveAfterEvaluations: number;
  /** Sent as the `severity` label. */
  severity?: AlertSeverity;
}

/** What the evaluator last saw of a rule (in this collector process). */
export interface AlertRuleState {
  /** 'firing' while an open firing exists (from storage: true on every collector). */
  status: 'ok' | 'firing';
  /** The metric's value at the last evaluation; null when there was nothing to compute it from. */
  value: number | null;
  /** Last evaluation by this collector; null before the first, or when evaluation is off here. */
  evaluatedAt: string | null;
}

/** `GET /api/alert-rules` → `{ rules: AlertRuleView[] }`. */
export interface AlertRuleView extends Omit<AlertRuleDefinition, 'webhook'> {
  id: string;
  /** 'api' (created over the API) or 'file' (from `MCPSCOPE_ALERT_RULES`; change it in the file). */
  source: 'api' | 'file';
  /** The URL shows only its origin: webhook URLs (Slack's, PagerDuty's) are credentials. */
  webhook: { url: string; format: WebhookFormat };
  /** Notifications are held back until this time (ISO); null when not muted. */
  mutedUntil: string | null;
  muted: boolean;
  createdAt: string;
  updatedAt: string;
  state: AlertRuleState;
}
export interface AlertRulesResponse {
  rules: AlertRuleView[];
}

/** One webhook notification of a firing, with its delivery. */
export interface AlertNotificationView {
  kind: 'firing' | 'resolved';
  /**
   * 'pending' while attempts go on, 'delivered' on a 2xx, 'failed' when attempts ran out or the receiver
   * refused (a 4xx other than 408/429), 'muted' when the rule was muted and nothing was sent.
   */
  status: 'pending' | 'delivered' | 'failed' | 'muted';
  attempts: number;
  createdAt: string;
  lastAttemptAt: string | null;
  deliveredAt: string | null;
  lastError: string | null;
  /** The latest failed attempts (at most 10), oldest first. */
  errors: { at: string; error: string }[];
}

/** A firing: from the evaluation that found the rule breached to the one that resolved it. */
export interface AlertFiringView {
  id: string;
  ruleId: string;
  /** The rule as it was when it fired. */
  rule: Omit<AlertRuleDefinition, 'webhook'> & { webhook: { url: string; format: WebhookFormat } };
  status: 'firing' | 'resolved';
  startsAt: string;
  endsAt: string | null;
  /** The value that fired it, and the latest value recorded. */
  startValue: number | null;
  lastValue: number | null;
  /** The dashboard view of the rule's scope (a path with search parameters). */
  link: string;
  /** The rule no longer exists (the firing was resolved when it was deleted). */
  ruleDeleted: boolean;
  notifications: AlertNotificationView[];
}

/** How the evaluation runs in this collector. */
export interface AlertEvaluationStats {
  /** False when `MCPSCOPE_ALERT_INTERVAL_S=0`: another collector evaluates. */
  enabled: boolean;
  intervalSeconds: number;
  /** Cycles completed since start. */
  cycles: number;
  lastCycleAt: string | null;
  /** ClickHouse time of the last cycle's queries (from each query's statistics), and how many there were. */
  lastCycleClickhouseMs: number | null;
  lastCycleQueries: number | null;
  /** Why the last cycle failed; null when it succeeded. */
  lastError: string | null;
}

/** `GET /api/alerts?limit=` → what fires now, resolved firings newest first, and the evaluator's state. */
export interface AlertsResponse {
  firing: AlertFiringView[];
  history: AlertFiringView[];
  evaluation: AlertEvaluationStats;
}
