import { useAlerts } from '../api/alertQueries.js';
import type { RefreshOption } from '../lib/refresh.js';
import { TEST_IDS } from '../testIds.js';

/** How many alerts fire now, beside "Alerts" in the navigation; nothing when none do. */
export function FiringAlertsBadge({ refresh }: { refresh: RefreshOption }) {
  const { data } = useAlerts(refresh);
  const count = data?.firing.length ?? 0;
  if (count === 0) return null;
  const label = `${count} alert${count === 1 ? '' : 's'} firing`;
  return (
    <span className="badge danger small nav-alert" data-testid={TEST_IDS.firingAlerts} title={label}>
      <span aria-hidden="true">{count} firing</span>
      <span className="visually-hidden">{label}</span>
    </span>
  );
}
