import { Link } from 'react-router-dom';
import type { AlertFiringView } from '../../api/types.js';
import { Badge } from '../../components/Badge.js';
import { formatAgo, formatDateTime } from '../../lib/format.js';
import { TEST_IDS } from '../../testIds.js';
import {
  describeCondition,
  describeScope,
  firingDuration,
  formatAlertValue,
  type FailedDelivery,
} from './alertFormat.js';

/** What fires now: since when, the value that fired it and the latest, and the view to open. */
export function FiringTable({ firing, nowMs }: { firing: AlertFiringView[]; nowMs: number }) {
  return (
    <table className="table" data-testid={TEST_IDS.alertsFiring}>
      <thead>
        <tr>
          <th>Rule</th>
          <th>Condition</th>
          <th>Scope</th>
          <th className="num">Value</th>
          <th>Firing since</th>
          <th className="wall-hidden" />
        </tr>
      </thead>
      <tbody>
        {firing.map((f) => (
          <tr key={f.id} className="has-error" data-testid={TEST_IDS.alertFiring} data-rule-id={f.ruleId}>
            <td>
              <strong>{f.rule.name}</strong>
              {f.rule.severity && <span className="muted small"> {f.rule.severity}</span>}
            </td>
            <td>{describeCondition(f.rule)}</td>
            <td>{describeScope(f.rule.scope)}</td>
            <td className="num error-text">{formatAlertValue(f.rule.metric, f.lastValue ?? f.startValue)}</td>
            <td className="nowrap" title={formatDateTime(f.startsAt)}>
              {firingDuration(f.startsAt, null, nowMs)}
            </td>
            <td className="wall-hidden">
              <Link to={f.link}>open →</Link>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Resolved firings, newest first: when, how long, the peak the collector recorded, and the deliveries. */
export function HistoryTable({ history, nowMs }: { history: AlertFiringView[]; nowMs: number }) {
  return (
    <table className="table" data-testid={TEST_IDS.alertsHistory}>
      <thead>
        <tr>
          <th>Rule</th>
          <th>Condition</th>
          <th>Started</th>
          <th>Lasted</th>
          <th className="num">Fired at</th>
          <th>Notifications</th>
        </tr>
      </thead>
      <tbody>
        {history.map((f) => (
          <tr key={f.id}>
            <td>
              {f.rule.name}
              {f.ruleDeleted && <span className="muted small"> (deleted)</span>}
            </td>
            <td>{describeCondition(f.rule)}</td>
            <td className="nowrap" title={formatDateTime(f.startsAt)}>
              {formatAgo(f.startsAt, nowMs)}
            </td>
            <td className="nowrap">{firingDuration(f.startsAt, f.endsAt, nowMs)}</td>
            <td className="num">{formatAlertValue(f.rule.metric, f.startValue)}</td>
            <td className="small">{summarizeNotifications(f)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function summarizeNotifications(f: AlertFiringView): string {
  if (f.notifications.length === 0) return '–';
  const counts = new Map<string, number>();
  for (const n of f.notifications) counts.set(n.status, (counts.get(n.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${n} ${status}`).join(', ');
}

/** Notifications that did not get through, or are being retried: which rule, how often tried, why. */
export function FailedDeliveriesTable({
  deliveries,
  nowMs,
}: {
  deliveries: FailedDelivery[];
  nowMs: number;
}) {
  return (
    <table className="table" data-testid={TEST_IDS.failedDeliveries}>
      <thead>
        <tr>
          <th>Rule</th>
          <th>Notification</th>
          <th>Status</th>
          <th className="num">Attempts</th>
          <th>Last attempt</th>
          <th>Last error</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map(({ firing, notification: n }) => (
          <tr key={`${firing.id}|${n.kind}|${n.createdAt}`} className="has-error">
            <td>{firing.rule.name}</td>
            <td>
              {n.kind} · {firing.rule.webhook.format} <code className="small">{firing.rule.webhook.url}</code>
            </td>
            <td>
              {n.status === 'failed' ? (
                <Badge tone="danger">failed</Badge>
              ) : (
                <Badge tone="warn">retrying</Badge>
              )}
            </td>
            <td className="num">{n.attempts}</td>
            <td className="nowrap">{n.lastAttemptAt ? formatAgo(n.lastAttemptAt, nowMs) : '–'}</td>
            <td className="message">{n.lastError ?? '–'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
