import { useState } from 'react';
import type { AlertRuleView } from '../../api/types.js';
import { Badge } from '../../components/Badge.js';
import { formatDateTime } from '../../lib/format.js';
import { TEST_IDS } from '../../testIds.js';
import { describeCondition, describeScope, formatAlertValue } from './alertFormat.js';

interface Props {
  rules: AlertRuleView[];
  onMute: (id: string, untilMs: number | null) => void;
  onDelete: (id: string) => void;
  busy: boolean;
}

/** How long "mute" holds notifications back. */
const MUTE_MS = 60 * 60_000;

/**
 * Every rule with its state: what it checks, over which calls, where it sends, its last value, and
 * mute / delete. Deleting asks once more in place; rules of the rules file are changed in the file.
 */
export function RulesTable({ rules, onMute, onDelete, busy }: Props) {
  const [confirming, setConfirming] = useState<string | null>(null);
  return (
    <table className="table" data-testid={TEST_IDS.alertRules}>
      <thead>
        <tr>
          <th>Rule</th>
          <th>Condition</th>
          <th>Scope</th>
          <th>State</th>
          <th className="num">Last value</th>
          <th>Sends to</th>
          <th className="wall-hidden">Actions</th>
        </tr>
      </thead>
      <tbody>
        {rules.map((r) => (
          <tr
            key={r.id}
            className={r.state.status === 'firing' ? 'has-error' : undefined}
            data-testid={TEST_IDS.alertRule}
            data-rule-id={r.id}
            data-status={r.state.status}
          >
            <td>
              <strong>{r.name}</strong>
              {r.severity && <span className="muted small"> {r.severity}</span>}
              {r.source === 'file' && (
                <span className="muted small" title="Defined in the rules file (MCPSCOPE_ALERT_RULES)">
                  {' '}
                  · from file
                </span>
              )}
            </td>
            <td>{describeCondition(r)}</td>
            <td>{describeScope(r.scope)}</td>
            <td>
              {r.state.status === 'firing' ? (
                <Badge tone="danger">firing</Badge>
              ) : (
                <Badge tone="ok">ok</Badge>
              )}
              {r.muted && (
                <Badge tone="warn" title={r.mutedUntil ? `until ${formatDateTime(r.mutedUntil)}` : undefined}>
                  muted
                </Badge>
              )}
            </td>
            <td className="num">{formatAlertValue(r.metric, r.state.value)}</td>
            <td className="small">
              {r.webhook.format} · <code>{r.webhook.url}</code>
            </td>
            <td className="nowrap wall-hidden">
              {r.muted ? (
                <button type="button" disabled={busy} onClick={() => onMute(r.id, null)}>
                  Unmute
                </button>
              ) : (
                <button
                  type="button"
                  disabled={busy}
                  title="Hold back notifications for an hour; firings are still recorded"
                  onClick={() => onMute(r.id, Date.now() + MUTE_MS)}
                >
                  Mute 1 h
                </button>
              )}{' '}
              {r.source === 'file' ? null : confirming === r.id ? (
                <>
                  <button type="button" className="danger" disabled={busy} onClick={() => onDelete(r.id)}>
                    Delete for good
                  </button>{' '}
                  <button type="button" onClick={() => setConfirming(null)}>
                    Keep
                  </button>
                </>
              ) : (
                <button type="button" disabled={busy} onClick={() => setConfirming(r.id)}>
                  Delete
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
