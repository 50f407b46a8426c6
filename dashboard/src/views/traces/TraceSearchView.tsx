import { useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useTraces } from '../../api/queries.js';
import { EmptyState } from '../../components/EmptyState.js';
import { QueryState } from '../../components/QueryState.js';
import { RangeToolbar } from '../../components/RangeToolbar.js';
import { TraceTable } from '../../components/TraceTable.js';
import { useRangeState } from '../../lib/useUrlState.js';
import { TEST_IDS } from '../../testIds.js';
import {
  MAX_TRACE_LIST,
  TRACE_PAGE,
  nextTraceLimit,
  readAttributeFilters,
  readTraceFilters,
  readTraceSort,
  toggleTraceSort,
  traceCountText,
  traceSortParams,
  writeAttributeFilters,
  writeTraceFilters,
  writeTraceSort,
  type TraceFilters,
} from './traceFilters.js';
import { TraceFiltersForm } from './TraceFiltersForm.js';

/**
 * Find traces by service, server, tool, method, status, duration and any span or resource attribute;
 * ordered by start, duration or span count; fifty at a time, saying how many match.
 */
export function TraceSearchView() {
  const [params, setParams] = useSearchParams();
  const { range, refresh } = useRangeState();
  const key = params.toString();
  const filters = useMemo(() => readTraceFilters(new URLSearchParams(key)), [key]);
  const attributes = useMemo(() => readAttributeFilters(new URLSearchParams(key)), [key]);
  const sort = useMemo(() => readTraceSort(new URLSearchParams(key)), [key]);
  const apiParams = useMemo(
    () => ({ ...filters, ...traceSortParams(sort), attr: attributes }),
    [filters, sort, attributes],
  );
  const q = useTraces(range, refresh, apiParams);
  // The order of the rows on screen: while another order loads, the last answer stays up (no empty
  // table in between), and so must the words that describe it.
  const [shownSort, setShownSort] = useState(sort);
  useEffect(() => {
    if (q.data && !q.isPlaceholderData)
      setShownSort((prev) => (prev.key === sort.key && prev.order === sort.order ? prev : sort));
  }, [q.data, q.isPlaceholderData, sort]);
  const traces = q.data?.traces ?? [];
  const total = q.data?.total ?? traces.length;
  const filtered = Object.values(filters).some((v) => v !== '') || attributes.length > 0;

  return (
    <section data-testid={TEST_IDS.traceSearch}>
      <header className="view-header">
        <h1>Traces</h1>
        <RangeToolbar fetching={q.isFetching} />
      </header>
      <TraceFiltersForm
        value={filters}
        attributes={attributes}
        onSubmit={(f: TraceFilters, attrs: string[]) =>
          setParams((p) => writeAttributeFilters(writeTraceFilters(p, f), attrs))
        }
      />
      <QueryState isPending={q.isPending} error={q.error}>
        {traces.length === 0 ? (
          filtered ? (
            <EmptyState title="No traces match these filters">
              <p>Clear a filter or widen the time range.</p>
            </EmptyState>
          ) : (
            <EmptyState title="No traces yet" />
          )
        ) : (
          <>
            <p className="muted small" data-testid={TEST_IDS.traceCount} aria-live="polite">
              {traceCountText(traces.length, total, shownSort)}
            </p>
            <TraceTable
              traces={traces}
              sort={sort}
              onSort={(k) => setParams((p) => writeTraceSort(p, toggleTraceSort(sort, k)), { replace: true })}
            />
            {traces.length < total && (
              <p className="load-more">
                {traces.length < MAX_TRACE_LIST ? (
                  <button
                    type="button"
                    data-testid={TEST_IDS.loadMore}
                    disabled={q.isFetching}
                    onClick={() =>
                      setParams(
                        (p) => {
                          const next = new URLSearchParams(p);
                          next.set('limit', String(nextTraceLimit(traces.length)));
                          return next;
                        },
                        { replace: true },
                      )
                    }
                  >
                    {q.isFetching ? 'Loading…' : `Load ${Math.min(TRACE_PAGE, total - traces.length)} more`}
                  </button>
                ) : (
                  <span className="muted">
                    A list stops at {MAX_TRACE_LIST}: narrow the filters or the time range to see the rest.
                  </span>
                )}
              </p>
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}
