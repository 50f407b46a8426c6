import type {
  AlertFiringView,
  AlertMetric,
  AlertNotificationView,
  AlertRuleDefinition,
  AlertScope,
  AlertsResponse,
} from '../../api/types.js';
import type { NewAlertRule } from '../../api/alertQueries.js';
import { bucketPhrase } from '../../lib/bucketWording.js';
import { formatCount, formatMs, formatPercent } from '../../lib/format.js';

/** What each metric is called on the page. */
export const METRIC_LABELS: Record<AlertMetric, string> = {
  error_rate: 'error rate',
  p95_ms: 'p95 latency',
  p99_ms: 'p99 latency',
  calls: 'calls',
  tool_change: 'tool-definition changes',
};

export const ALERT_METRICS = Object.keys(METRIC_LABELS) as AlertMetric[];

/** Windows the form offers, in seconds (the collector takes 1 minute to 7 days). */
export const WINDOW_CHOICES = [60, 300, 900, 3600, 21_600, 86_400] as const;

/** The unit a threshold is typed in: error rates in percent (the API takes a fraction), latency in ms. */
export function thresholdUnit(metric: AlertMetric): string {
  switch (metric) {
    case 'error_rate':
      return '%';
    case 'p95_ms':
    case 'p99_ms':
      return 'ms';
    case 'calls':
      return 'calls';
    case 'tool_change':
      return 'changes';
  }
}

/** A metric's value as people read it: 4.2 %, 850 ms, 12 calls. */
export function formatAlertValue(metric: AlertMetric, value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '–';
  switch (metric) {
    case 'error_rate':
      return formatPercent(value);
    case 'p95_ms':
    case 'p99_ms':
      return formatMs(value);
    default:
      return formatCount(value);
  }
}

type Condition = Pick<
  AlertRuleDefinition,
  'metric' | 'op' | 'threshold' | 'windowSeconds' | 'flaggedOnly' | 'againstApproved'
>;

/** "error rate > 5 % over 5 minutes", "flagged tool-definition changes > 0 over 1 hour". */
export function describeCondition(rule: Condition): string {
  let what: string = METRIC_LABELS[rule.metric];
  if (rule.metric === 'tool_change') {
    if (rule.flaggedOnly) what = `flagged ${what}`;
    if (rule.againstApproved) what = `${what} departing from the approved set`;
  }
  return `${what} ${rule.op} ${formatAlertValue(rule.metric, rule.threshold)} over ${windowPhrase(rule.windowSeconds)}`;
}

/** "1 minute", "5 minutes", "1 hour": a rule's window. */
export function windowPhrase(seconds: number): string {
  const p = bucketPhrase(seconds);
  return /^\d/.test(p) ? p : `1 ${p}`;
}

/** "server weather · tool get_weather · root cause tool", or "every call". */
export function describeScope(scope: AlertScope): string {
  const parts: string[] = [];
  if (scope.service) parts.push(`service ${scope.service}`);
  if (scope.server) parts.push(`server ${scope.server}`);
  if (scope.tool) parts.push(`tool ${scope.tool}`);
  if (scope.layer) parts.push(`${scope.layer} spans`);
  if (scope.rootCauseLayer) parts.push(`root cause ${scope.rootCauseLayer}`);
  return parts.length > 0 ? parts.join(' · ') : 'every call';
}

/** The rule form's fields, as typed. */
export interface RuleDraft {
  name: string;
  metric: AlertMetric;
  op: '>' | '<';
  /** In the unit of {@link thresholdUnit}. */
  threshold: string;
  windowSeconds: number;
  service: string;
  server: string;
  tool: string;
  layer: string;
  rootCauseLayer: string;
  flaggedOnly: boolean;
  againstApproved: boolean;
  severity: '' | 'critical' | 'warning' | 'info';
  webhookUrl: string;
  webhookFormat: 'alertmanager' | 'slack';
}

export const EMPTY_DRAFT: RuleDraft = {
  name: '',
  metric: 'error_rate',
  op: '>',
  threshold: '5',
  windowSeconds: 300,
  service: '',
  server: '',
  tool: '',
  layer: '',
  rootCauseLayer: '',
  flaggedOnly: false,
  againstApproved: false,
  severity: '',
  webhookUrl: '',
  webhookFormat: 'alertmanager',
};

/** Which scope fields a metric takes (the collector refuses the others, with a message). */
export function scopeFieldsFor(metric: AlertMetric): (keyof AlertScope)[] {
  if (metric === 'tool_change') return ['server', 'tool'];
  if (metric === 'p95_ms' || metric === 'p99_ms') return ['service', 'server', 'tool', 'layer'];
  return ['service', 'server', 'tool', 'layer', 'rootCauseLayer'];
}

/**
 * The rule the form sends, or what to fix first. Checks what the page can say better than the API (a
 * percent above 100, a URL that is not http); the collector checks everything again and its message is
 * shown when it refuses.
 */
export function buildRule(d: RuleDraft): { ok: true; rule: NewAlertRule } | { ok: false; error: string } {
  if (d.name.trim() === '') return { ok: false, error: 'Give the rule a name.' };
  const n = Number(d.threshold.trim());
  if (d.threshold.trim() === '' || !Number.isFinite(n) || n < 0)
    return { ok: false, error: `The threshold must be a number of ${thresholdUnit(d.metric)}, 0 or more.` };
  if (d.metric === 'error_rate' && n > 100)
    return { ok: false, error: 'An error rate threshold is 0 to 100 %.' };
  let url: URL | undefined;
  try {
    url = new URL(d.webhookUrl.trim());
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    return { ok: false, error: 'The webhook URL must be an absolute http or https URL.' };
  const scope: AlertScope = {};
  for (const key of scopeFieldsFor(d.metric)) {
    const v = d[key].trim();
    if (v) scope[key] = v;
  }
  const rule: NewAlertRule = {
    name: d.name.trim(),
    scope,
    metric: d.metric,
    op: d.op,
    // The page reads error rates in percent; the API keeps them as a fraction 0–1.
    threshold: d.metric === 'error_rate' ? n / 100 : n,
    windowSeconds: d.windowSeconds,
    webhook: { url: d.webhookUrl.trim(), format: d.webhookFormat },
  };
  if (d.metric === 'tool_change' && d.flaggedOnly) rule.flaggedOnly = true;
  if (d.metric === 'tool_change' && d.againstApproved) rule.againstApproved = true;
  if (d.severity) rule.severity = d.severity;
  return { ok: true, rule };
}

/** A notification that did not reach its receiver, or is still being retried after failures. */
export interface FailedDelivery {
  firing: AlertFiringView;
  notification: AlertNotificationView;
}

/** Failed and retrying deliveries of every firing, newest first. */
export function failedDeliveries(alerts: Pick<AlertsResponse, 'firing' | 'history'>): FailedDelivery[] {
  const out: FailedDelivery[] = [];
  for (const firing of [...alerts.firing, ...alerts.history]) {
    for (const notification of firing.notifications) {
      if (
        notification.status === 'failed' ||
        (notification.status === 'pending' && notification.errors.length > 0)
      )
        out.push({ firing, notification });
    }
  }
  const at = (d: FailedDelivery): number =>
    Date.parse(d.notification.lastAttemptAt ?? d.notification.createdAt);
  return out.sort((a, b) => at(b) - at(a));
}

/** How long a firing lasted, or has lasted so far: "42 s", "12 min", "3 h 5 min". */
export function firingDuration(startsAt: string, endsAt: string | null, nowMs: number): string {
  const ms = (endsAt ? Date.parse(endsAt) : nowMs) - Date.parse(startsAt);
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
}
