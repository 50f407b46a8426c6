import { useSearchParams } from 'react-router-dom';
import { useRangeState } from '../lib/useUrlState.js';
import { isWall } from '../lib/wall.js';
import { RefreshPicker } from './RefreshPicker.js';
import { TimeRangePicker } from './TimeRangePicker.js';

/**
 * The range picker and auto-refresh selector bound to the URL, for the top right of a view. The
 * "updating…" note sits on the left, so the controls end at the right edge whether it shows or not. On
 * a wall the refresh selector gives way to a note of the refresh in effect.
 */
export function RangeToolbar({ fetching }: { fetching?: boolean }) {
  const { range, refresh, setRange, setRefresh } = useRangeState();
  const [params] = useSearchParams();
  const wall = isWall(params);
  return (
    <div className="toolbar">
      <span className={fetching ? 'fetching active' : 'fetching'} aria-live="polite">
        {fetching ? 'updating…' : ''}
      </span>
      <TimeRangePicker value={range} onChange={setRange} />
      {wall ? (
        <span className="muted small">
          {refresh === 'off' ? 'auto-refresh off' : `refreshes every ${refresh}`}
        </span>
      ) : (
        <RefreshPicker value={refresh} onChange={setRefresh} />
      )}
    </div>
  );
}
