/** Stored rules and firings as the API shows them (alerts/types.ts): ISO times, redacted webhook URLs. Pure. */
import { dashboardLink } from './payloads.js';
import { redactWebhookUrl } from './rule.js';
import { isMuted } from './state.js';
import type { Firing, NotificationRecord, StoredRule } from './store.js';
import type {
  AlertFiringView,
  AlertNotificationView,
  AlertRuleDefinition,
  AlertRuleState,
  AlertRuleView,
} from './types.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

function definitionView(rule: StoredRule): AlertFiringView['rule'] {
  const def: AlertFiringView['rule'] = {
    name: rule.name,
    scope: rule.scope,
    metric: rule.metric,
    op: rule.op,
    threshold: rule.threshold,
    windowSeconds: rule.windowSeconds,
    webhook: { url: redactWebhookUrl(rule.webhook.url), format: rule.webhook.format },
    resolveAfterEvaluations: rule.resolveAfterEvaluations,
  };
  const optional: (keyof AlertRuleDefinition)[] = ['flaggedOnly', 'againstApproved', 'severity'];
  for (const key of optional) if (rule[key] !== undefined) Object.assign(def, { [key]: rule[key] });
  return def;
}

export function ruleView(rule: StoredRule, state: AlertRuleState, nowMs: number): AlertRuleView {
  return {
    id: rule.id,
    source: rule.source,
    ...definitionView(rule),
    mutedUntil: isMuted(rule, nowMs) ? isoOrNull(rule.mutedUntil) : null,
    muted: isMuted(rule, nowMs),
    createdAt: iso(rule.createdAt),
    updatedAt: iso(rule.updatedAt),
    state,
  };
}

function notificationView(n: NotificationRecord): AlertNotificationView {
  return {
    kind: n.kind,
    status: n.status,
    attempts: n.attempts,
    createdAt: iso(n.createdAt),
    lastAttemptAt: isoOrNull(n.lastAttemptAt),
    deliveredAt: isoOrNull(n.deliveredAt),
    lastError: n.lastError,
    errors: n.errors.map((e) => ({ at: iso(e.at), error: e.error })),
  };
}

export function firingView(f: Firing): AlertFiringView {
  return {
    id: f.id,
    ruleId: f.ruleId,
    rule: definitionView(f.rule),
    status: f.status,
    startsAt: iso(f.startsAt),
    endsAt: isoOrNull(f.endsAt),
    startValue: f.startValue,
    lastValue: f.lastValue,
    link: dashboardLink(f),
    ruleDeleted: f.ruleDeleted === true,
    notifications: f.notifications.map(notificationView),
  };
}
