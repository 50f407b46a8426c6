import { TEST_IDS } from '../../testIds.js';
import type { OverviewFilters } from './overviewFilters.js';

interface Props {
  value: OverviewFilters;
  options: { servers: string[]; tools: string[] };
  onChange: (key: 'server' | 'tool' | 'service', value: string) => void;
  onCompare: (on: boolean) => void;
}

/** Server and tool selects (choices from the range's data) and the previous-period toggle. */
export function OverviewFilterBar({ value, options, onChange, onCompare }: Props) {
  return (
    <div className="view-filters" data-testid={TEST_IDS.overviewFilters}>
      <label>
        Server{' '}
        <select
          value={value.server}
          onChange={(e) => onChange('server', e.target.value)}
          data-testid={TEST_IDS.serverFilter}
        >
          <option value="">all servers</option>
          {options.servers.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Tool{' '}
        <select
          value={value.tool}
          onChange={(e) => onChange('tool', e.target.value)}
          data-testid={TEST_IDS.toolFilter}
        >
          <option value="">all tools</option>
          {options.tools.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      {value.service && (
        <button
          type="button"
          className="chip"
          onClick={() => onChange('service', '')}
          title="Remove this filter"
        >
          service: {value.service} ×
        </button>
      )}
      <label className="checkbox">
        <input
          type="checkbox"
          checked={value.compare}
          onChange={(e) => onCompare(e.target.checked)}
          data-testid={TEST_IDS.compareToggle}
        />{' '}
        Compare with the previous period
      </label>
    </div>
  );
}
