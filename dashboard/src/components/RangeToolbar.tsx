import { useRangeState } from '../lib/useUrlState.js';
import { RefreshPicker } from './RefreshPicker.js';
import { TimeRangePicker } from './TimeRangePicker.js';

/** The range picker and auto-refresh selector bound to the URL, for the top of a view. */
export function RangeToolbar({ fetching }: { fetching?: boolean }) {
  const { range, refresh, setRange, setRefresh } = useRangeState();
  return (
    <div className="toolbar">
      <TimeRangePicker value={range} onChange={setRange} />
      <RefreshPicker value={refresh} onChange={setRefresh} />
      <span className={fetching ? 'fetching active' : 'fetching'} aria-live="polite">
        {fetching ? 'updating…' : ''}
      </span>
    </div>
  );
}
