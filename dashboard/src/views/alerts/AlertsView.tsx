import { useAlertRuleActions, useAlertRules, useAlerts } from '../../api/alertQueries.js';
import { QueryState } from '../../components/QueryState.js';
import { formatAgo } from '../../lib/format.js';
import { useRangeState } from '../../lib/useUrlState.js';
import { TEST_IDS } from '../../testIds.js';
import type { AlertsResponse } from '../../api/types.js';
import { failedDeliveries } from './alertFormat.js';
import { FailedDeliveriesTable, FiringTable, HistoryTable } from './FiringTables.js';
import { RuleForm } from './RuleForm.js';
import { RulesTable } from './RulesTable.js';

/**
 * The alerts page: what fires now, the rules with their state (mute, delete, a form for a new one),
 * notifications that did not get through, and the history of resolved firings.
 */
export function AlertsView() {
  const { refresh } = useRangeState();
  const alerts = useAlerts(refresh);
  const rules = useAlertRules(refresh);
  const { create, remove, mute } = useAlertRuleActions();
  const nowMs = Date.now();
  const firing = alerts.data?.firing ?? [];
  const history = alerts.data?.history ?? [];
  const failed = alerts.data ? failedDeliveries(alerts.data) : [];
  const actionError = remove.error ?? mute.error;

  return (
    <section data-testid={TEST_IDS.alerts}>
      <header className="view-header">
        <h1>Alerts</h1>
        {alerts.data && <EvaluationNote evaluation={alerts.data.evaluation} nowMs={nowMs} />}
      </header>
      <QueryState isPending={alerts.isPending} error={alerts.error}>
        <h2>Firing now</h2>
        {firing.length === 0 ? (
          <p className="muted">Nothing is firing.</p>
        ) : (
          <FiringTable firing={firing} nowMs={nowMs} />
        )}
        {failed.length > 0 && (
          <>
            <h2 className="error-text">Failed deliveries</h2>
            <FailedDeliveriesTable deliveries={failed} nowMs={nowMs} />
          </>
        )}
      </QueryState>
      <h2>Rules</h2>
      <QueryState isPending={rules.isPending} error={rules.error}>
        {actionError && (
          <div className="callout error" role="alert">
            {actionError.message}
          </div>
        )}
        {rules.data && rules.data.rules.length > 0 ? (
          <RulesTable
            rules={rules.data.rules}
            busy={remove.isPending || mute.isPending}
            onMute={(id, untilMs) => mute.mutate({ id, untilMs })}
            onDelete={(id) => remove.mutate(id)}
          />
        ) : (
          <p className="muted">
            No rules yet. Create one below, <code>POST /api/alert-rules</code>, or load a file with{' '}
            <code>MCPSCOPE_ALERT_RULES</code>.
          </p>
        )}
      </QueryState>
      <div className="wall-hidden">
        <h2>New rule</h2>
        <RuleForm onCreate={(rule) => create.mutateAsync(rule)} />
      </div>
      {history.length > 0 && (
        <>
          <h2>History</h2>
          <HistoryTable history={history} nowMs={nowMs} />
        </>
      )}
    </section>
  );
}

function EvaluationNote({
  evaluation: e,
  nowMs,
}: {
  evaluation: AlertsResponse['evaluation'];
  nowMs: number;
}) {
  if (!e.enabled) {
    return (
      <p className="muted small">Rules are not evaluated by this collector (MCPSCOPE_ALERT_INTERVAL_S=0).</p>
    );
  }
  return (
    <p className={e.lastError ? 'small error-text' : 'muted small'}>
      Evaluated every {e.intervalSeconds} s{e.lastCycleAt && `, last ${formatAgo(e.lastCycleAt, nowMs)}`}
      {e.lastCycleClickhouseMs !== null && ` (${Math.round(e.lastCycleClickhouseMs)} ms in ClickHouse)`}
      {e.lastError && ` — the last evaluation failed: ${e.lastError}`}
    </p>
  );
}
