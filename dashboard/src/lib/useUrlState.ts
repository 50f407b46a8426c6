import { useCallback, useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { RefreshOption } from './refresh.js';
import { parseRange, withRange, type RangeSelection } from './timeRange.js';
import { effectiveRefresh, isWall } from './wall.js';
import { zoomToRange } from './zoom.js';

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
  const refresh = effectiveRefresh(params);
  const setRange = useCallback((sel: RangeSelection) => setParams((p) => withRange(p, sel)), [setParams]);
  const setRefresh = useCallback(
    (option: RefreshOption) =>
      setParams((p) => {
        const next = new URLSearchParams(p);
        // On a wall "off" must be written out: without `refresh=` a wall refreshes by default.
        if (option === 'off' && !isWall(next)) next.delete('refresh');
        else next.set('refresh', option);
        return next;
      }),
    [setParams],
  );
  return { range, refresh, setRange, setRefresh };
}

/**
 * Drag-to-zoom for charts: the x values under the drag become the URL's range (a fixed from/to), so
 * the zoom is a link, the back button undoes it, and every panel of the view follows.
 */
export function useZoomToRange(): (fromSec: number, toSec: number) => void {
  const { setRange } = useRangeState();
  return useCallback(
    (fromSec: number, toSec: number) => {
      const sel = zoomToRange(fromSec, toSec);
      if (sel) setRange(sel);
    },
    [setRange],
  );
}
