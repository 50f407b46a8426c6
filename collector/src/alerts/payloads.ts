/**
 * What a notification says, in the two shapes a rule can choose:
 *
 * - `alertmanager`: the body Prometheus Alertmanager POSTs to a webhook receiver (version 4), one alert
 *   per notification, so receivers written for Alertmanager — and the PagerDuty and Opsgenie bridges —
 *   take it unchanged. The fingerprint is Alertmanager's own (FNV-1a 64 over the sorted labels), so a
 *   receiver that deduplicates by it matches firing and resolved.
 * - `slack`: an incoming-webhook message, `{ "text": … }`.
 *
 * Both link to the dashboard view of the rule's scope. Pure.
 */
import type { Firing, NotificationRecord, StoredRule } from './store.js';
import type { AlertRuleDefinition } from './types.js';

/** Alertmanager's "no end yet" time, sent as `endsAt` while an alert fires. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';
/** The receiver name the payload carries (Alertmanager sends the receiver's configured name). */
export const RECEIVER = 'mcpscope';

const iso = (ms: number) => new Date(ms).toISOString();

/** A window as people say it: 90 s, 5 min, 2 h, 1 d. */
export function describeWindow(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** A metric value with its unit (4.2 %, 950 ms; counts bare: 12); "no data" without one. */
export function describeValue(metric: AlertRuleDefinition['metric'], value: number | null): string {
  if (value === null) return 'no data';
  switch (metric) {
    case 'error_rate': {
      const pct = value * 100;
      return `${pct >= 10 || pct === 0 ? pct.toFixed(1) : pct.toPrecision(2)} %`;
    }
    case 'p95_ms':
    case 'p99_ms':
      return `${value >= 100 ? Math.round(value) : Number(value.toPrecision(3))} ms`;
    case 'calls':
    case 'tool_change':
      return String(value);
  }
}

const METRIC_NAMES: Record<AlertRuleDefinition['metric'], string> = {
  error_rate: 'error rate',
  p95_ms: 'p95 latency',
  p99_ms: 'p99 latency',
  calls: 'calls',
  tool_change: 'tool-definition changes',
};

/** The metric as a sentence's subject, e.g. "error rate blamed on downstream", "calls". */
function metricName(rule: AlertRuleDefinition): string {
  const base = METRIC_NAMES[rule.metric];
  const rc = rule.scope.rootCauseLayer;
  if (rule.metric === 'tool_change') {
    const flagged = rule.flaggedOnly ? `flagged ${base}` : base;
    return rule.againstApproved ? `${flagged} departing from the approved set` : flagged;
  }
  if (rc === undefined) return base;
  return rule.metric === 'calls' ? `failed calls blamed on ${rc}` : `${base} blamed on ${rc}`;
}

/** `server=weather tool=get_weather`, or "all calls". */
export function describeScope(rule: AlertRuleDefinition): string {
  const s = rule.scope;
  const parts = [
    ['service', s.service],
    ['server', s.server],
    ['tool', s.tool],
    ['layer', s.layer],
  ].filter(([, v]) => v !== undefined);
  return parts.length ? parts.map(([k, v]) => `${k}=${v}`).join(' ') : 'all calls';
}

/** The labels of the alert: its name, the metric, the scope, the severity, and the rule's id. */
export function alertLabels(rule: StoredRule): Record<string, string> {
  const labels: Record<string, string> = { alertname: rule.name, metric: rule.metric, rule_id: rule.id };
  const s = rule.scope;
  if (s.service !== undefined) labels['service'] = s.service;
  if (s.server !== undefined) labels['server'] = s.server;
  if (s.tool !== undefined) labels['tool'] = s.tool;
  if (s.layer !== undefined) labels['layer'] = s.layer;
  if (s.rootCauseLayer !== undefined) labels['root_cause_layer'] = s.rootCauseLayer;
  if (rule.severity !== undefined) labels['severity'] = rule.severity;
  return labels;
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

/** FNV-1a 64 of bytes, continuing from `hash`. */
export function fnv1a64(bytes: Uint8Array, hash = FNV_OFFSET): bigint {
  let h = hash;
  for (const b of bytes) h = ((h ^ BigInt(b)) * FNV_PRIME) & MASK_64;
  return h;
}

/**
 * Alertmanager's fingerprint of a label set: FNV-1a 64 over each label name and value in name order,
 * each followed by the byte 0xff (which valid UTF-8 never holds), as 16 hex digits.
 */
export function labelsFingerprint(labels: Record<string, string>): string {
  const sep = Uint8Array.of(0xff);
  let h = FNV_OFFSET;
  for (const name of Object.keys(labels).sort()) {
    h = fnv1a64(sep, fnv1a64(Buffer.from(name, 'utf8'), h));
    h = fnv1a64(sep, fnv1a64(Buffer.from(labels[name] ?? '', 'utf8'), h));
  }
  return h.toString(16).padStart(16, '0');
}

/** Dashboard ranges, smallest first: a firing links to the smallest that shows twice its window. */
const RANGE_PRESETS: [string, number][] = [
  ['15m', 900],
  ['1h', 3600],
  ['6h', 21_600],
  ['24h', 86_400],
  ['7d', 604_800],
];

/**
 * The dashboard view of a firing's scope, as a path with search parameters: the errors view for error
 * rates and root causes, the tool's page for a tool's latency or calls, the tool-changes view for
 * definition changes, else the overview. While it fires the range slides to now; once resolved it is
 * fixed around the incident.
 */
export function dashboardLink(firing: Pick<Firing, 'rule' | 'startsAt' | 'endsAt'>): string {
  const { rule } = firing;
  const s = rule.scope;
  const qs = new URLSearchParams();
  let path = '/';
  if (rule.metric === 'tool_change') {
    path = '/tool-changes';
    if (s.server) qs.set('server', s.server);
  } else if (rule.metric === 'error_rate' || s.rootCauseLayer !== undefined) {
    path = '/errors';
    for (const [k, v] of [
      ['service', s.service],
      ['server', s.server],
      ['tool', s.tool],
      ['fault', s.rootCauseLayer],
    ] as const)
      if (v !== undefined) qs.set(k, v);
  } else if (s.tool !== undefined) {
    path = `/tools/${encodeURIComponent(s.server ?? '-')}/${encodeURIComponent(s.tool)}`;
    if (s.layer) qs.set('layer', s.layer);
  } else {
    for (const [k, v] of [
      ['service', s.service],
      ['server', s.server],
      ['layer', s.layer],
    ] as const)
      if (v !== undefined) qs.set(k, v);
  }
  if (firing.endsAt === null) {
    const wanted = Math.max(rule.windowSeconds * 2, 900);
    qs.set('range', (RANGE_PRESETS.find(([, sec]) => sec >= wanted) ?? RANGE_PRESETS[4])![0]);
  } else {
    qs.set('from', String(firing.startsAt - rule.windowSeconds * 1000));
    qs.set('to', String(firing.endsAt + 5 * 60_000));
  }
  return `${path}?${qs}`;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function texts(firing: Firing, kind: NotificationRecord['kind']) {
  const { rule } = firing;
  const threshold = describeValue(rule.metric, rule.threshold);
  const window = describeWindow(rule.windowSeconds);
  const scope = describeScope(rule);
  const what = metricName(rule);
  if (kind === 'firing') {
    const value = describeValue(rule.metric, firing.startValue);
    return {
      summary: `${rule.name}: ${what} ${value} ${rule.op} ${threshold} over ${window}`,
      description:
        `${capitalize(what)} of ${scope}: ${value} over the last ${window} (threshold ${rule.op} ${threshold}); ` +
        `firing since ${iso(firing.startsAt)}.`,
      value: firing.startValue,
    };
  }
  const value = describeValue(rule.metric, firing.lastValue);
  const why = firing.ruleDeleted ? 'the rule was deleted' : `${what} now ${value}`;
  return {
    summary: `${rule.name}: resolved, ${why}`,
    description:
      `${capitalize(what)} of ${scope} no longer ${rule.op} ${threshold} over ${window} (${why}); ` +
      `it fired from ${iso(firing.startsAt)} to ${iso(firing.endsAt ?? firing.startsAt)}.`,
    value: firing.lastValue,
  };
}

/** The Alertmanager webhook body (version 4) of one notification. */
export function alertmanagerPayload(firing: Firing, kind: NotificationRecord['kind'], externalUrl: string) {
  const labels = alertLabels(firing.rule);
  const t = texts(firing, kind);
  const annotations: Record<string, string> = { summary: t.summary, description: t.description };
  if (t.value !== null) annotations['value'] = String(t.value);
  const status = kind === 'firing' ? 'firing' : 'resolved';
  const groupLabels = { alertname: labels['alertname'] ?? '', rule_id: labels['rule_id'] ?? '' };
  return {
    version: '4',
    groupKey: `{}:{alertname=${JSON.stringify(groupLabels.alertname)}, rule_id=${JSON.stringify(groupLabels.rule_id)}}`,
    truncatedAlerts: 0,
    status,
    receiver: RECEIVER,
    groupLabels,
    commonLabels: labels,
    commonAnnotations: annotations,
    externalURL: externalUrl,
    alerts: [
      {
        status,
        labels,
        annotations,
        startsAt: iso(firing.startsAt),
        endsAt: kind === 'firing' || firing.endsAt === null ? ZERO_TIME : iso(firing.endsAt),
        generatorURL: `${externalUrl}${dashboardLink(kind === 'firing' ? { ...firing, endsAt: null } : firing)}`,
        fingerprint: labelsFingerprint(labels),
      },
    ],
  };
}

/** Slack's mrkdwn reserves &, < and > (links are written `<url|text>`). */
function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The Slack incoming-webhook body of one notification. */
export function slackPayload(firing: Firing, kind: NotificationRecord['kind'], externalUrl: string) {
  const t = texts(firing, kind);
  const link = `${externalUrl}${dashboardLink(kind === 'firing' ? { ...firing, endsAt: null } : firing)}`;
  const head = kind === 'firing' ? ':rotating_light: *FIRING*' : ':white_check_mark: *RESOLVED*';
  return {
    text: `${head} ${slackEscape(t.summary)}\n${slackEscape(t.description)}\n<${link}|Open in mcpscope>`,
  };
}

/** The JSON body of a notification in its rule's format. */
export function notificationBody(
  firing: Firing,
  kind: NotificationRecord['kind'],
  externalUrl: string,
): string {
  const body =
    firing.rule.webhook.format === 'slack'
      ? slackPayload(firing, kind, externalUrl)
      : alertmanagerPayload(firing, kind, externalUrl);
  return JSON.stringify(body);
}
