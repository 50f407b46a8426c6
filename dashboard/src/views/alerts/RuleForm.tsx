import { useState, type FormEvent } from 'react';
import type { NewAlertRule } from '../../api/alertQueries.js';
import type { AlertMetric } from '../../api/types.js';
import { FAULT_LAYERS } from '../../telemetry.js';
import { TEST_IDS } from '../../testIds.js';
import {
  ALERT_METRICS,
  buildRule,
  EMPTY_DRAFT,
  METRIC_LABELS,
  scopeFieldsFor,
  thresholdUnit,
  windowPhrase,
  WINDOW_CHOICES,
  type RuleDraft,
} from './alertFormat.js';

interface Props {
  /** Sends the rule; resolves when the collector took it, rejects with its refusal. */
  onCreate: (rule: NewAlertRule) => Promise<unknown>;
}

const SCOPE_LABELS = {
  service: ['Service', 'any service'],
  server: ['Server', 'any server'],
  tool: ['Tool', 'any tool'],
} as const;

/**
 * A new rule: what to measure (metric, comparison, threshold, window), over which calls (scope), and
 * where to send it (webhook and its format). The collector's refusal, which names the field, is shown
 * as it is.
 */
export function RuleForm({ onCreate }: Props) {
  const [draft, setDraft] = useState<RuleDraft>(EMPTY_DRAFT);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof RuleDraft>(key: K, value: RuleDraft[K]): void => {
    setDraft((d) => ({ ...d, [key]: value }));
    setError(null);
  };
  const fields = scopeFieldsFor(draft.metric);

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const built = buildRule(draft);
    if (!built.ok) {
      setError(built.error);
      return;
    }
    setBusy(true);
    onCreate(built.rule)
      .then(() => setDraft(EMPTY_DRAFT))
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)))
      .finally(() => setBusy(false));
  };

  return (
    <form className="filters rule-form" onSubmit={submit} data-testid={TEST_IDS.alertRuleForm}>
      <label>
        Name
        <input
          name="name"
          value={draft.name}
          placeholder="e.g. weather tools failing"
          onChange={(e) => set('name', e.target.value)}
        />
      </label>
      <label>
        Metric
        <select
          name="metric"
          value={draft.metric}
          onChange={(e) => set('metric', e.target.value as AlertMetric)}
        >
          {ALERT_METRICS.map((m) => (
            <option key={m} value={m}>
              {METRIC_LABELS[m]}
            </option>
          ))}
        </select>
      </label>
      <label>
        When
        <select name="op" value={draft.op} onChange={(e) => set('op', e.target.value as '>' | '<')}>
          <option value=">">above</option>
          <option value="<">below</option>
        </select>
      </label>
      <label>
        Threshold ({thresholdUnit(draft.metric)})
        <input
          name="threshold"
          type="number"
          min={0}
          step="any"
          value={draft.threshold}
          onChange={(e) => set('threshold', e.target.value)}
        />
      </label>
      <label>
        Over
        <select
          name="window"
          value={draft.windowSeconds}
          onChange={(e) => set('windowSeconds', Number(e.target.value))}
        >
          {WINDOW_CHOICES.map((w) => (
            <option key={w} value={w}>
              {windowPhrase(w)}
            </option>
          ))}
        </select>
      </label>
      {(['service', 'server', 'tool'] as const)
        .filter((k) => fields.includes(k))
        .map((k) => (
          <label key={k}>
            {SCOPE_LABELS[k][0]}
            <input
              name={k}
              value={draft[k]}
              placeholder={SCOPE_LABELS[k][1]}
              onChange={(e) => set(k, e.target.value)}
            />
          </label>
        ))}
      {fields.includes('layer') && (
        <label>
          Layer
          <select name="layer" value={draft.layer} onChange={(e) => set('layer', e.target.value)}>
            <option value="">as the overview counts</option>
            <option value="client">client</option>
            <option value="transport">transport</option>
            <option value="server">server</option>
          </select>
        </label>
      )}
      {fields.includes('rootCauseLayer') && (
        <label>
          Root cause
          <select
            name="rootCauseLayer"
            value={draft.rootCauseLayer}
            onChange={(e) => set('rootCauseLayer', e.target.value)}
          >
            <option value="">any</option>
            {FAULT_LAYERS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
      )}
      {draft.metric === 'tool_change' && (
        <label className="checkbox">
          <span>
            <input
              type="checkbox"
              checked={draft.flaggedOnly}
              onChange={(e) => set('flaggedOnly', e.target.checked)}
            />{' '}
            flagged changes only
          </span>
        </label>
      )}
      {draft.metric === 'tool_change' && (
        <label
          className="checkbox"
          title="Count only changes that depart from the server's approved tool set"
        >
          <span>
            <input
              type="checkbox"
              checked={draft.againstApproved}
              onChange={(e) => set('againstApproved', e.target.checked)}
            />{' '}
            departing from the approved set only
          </span>
        </label>
      )}
      <label>
        Severity
        <select
          name="severity"
          value={draft.severity}
          onChange={(e) => set('severity', e.target.value as RuleDraft['severity'])}
        >
          <option value="">none</option>
          <option value="critical">critical</option>
          <option value="warning">warning</option>
          <option value="info">info</option>
        </select>
      </label>
      <label className="wide">
        Webhook URL
        <input
          name="webhookUrl"
          inputMode="url"
          value={draft.webhookUrl}
          placeholder="https://alertmanager.example/api/v2/alerts"
          onChange={(e) => set('webhookUrl', e.target.value)}
        />
      </label>
      <label>
        Format
        <select
          name="webhookFormat"
          value={draft.webhookFormat}
          onChange={(e) => set('webhookFormat', e.target.value as RuleDraft['webhookFormat'])}
        >
          <option value="alertmanager">Alertmanager</option>
          <option value="slack">Slack</option>
        </select>
      </label>
      <div className="filter-actions">
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create rule'}
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert" data-testid={TEST_IDS.alertFormError}>
          {error}
        </p>
      )}
    </form>
  );
}
