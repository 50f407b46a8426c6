import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { parseRefresh, type RefreshOption } from './refresh.js';
import { parseRange, withRange, type RangeSelection } from './timeRange.js';

/** The time range and auto-refresh of the current URL, and setters that write them back into it. */
export function useRangeState(): {
  range: RangeSelection;
  refresh: RefreshOption;
  setRange: (sel: RangeSelection) => void;
  setRefresh: (option: RefreshOption) => void;
} {
  const [params, setParams] = useSearchParams();
  const key = params.toString();
  const range = useMemo(() => parseRange(new URLSearchParams(key)), [key]);
  const refresh = parseRefresh(params.get('refresh'));
  const setRange = useCallback((sel: RangeSelection) => setParams((p) => withRange(p, sel)), [setParams]);
  const setRefresh = useCallback(
    (option: RefreshOption) =>
      setParams((p) => {
        const next = new URLSearchParams(p);
        if (option === 'off') next.delete('refresh');
        else next.set('refresh', option);
        return next;
      }),
    [setParams],
  );
  return { range, refresh, setRange, setRefresh };
}
