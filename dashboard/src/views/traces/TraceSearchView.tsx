import { useMemo } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useTraces } from '../../api/queries.js';
import { EmptyState } from '../../components/EmptyState.js';
import { QueryState } from '../../components/QueryState.js';
import { RangeToolbar } from '../../components/RangeToolbar.js';
import { TraceTable } from '../../components/TraceTable.js';
import { useRangeState } from '../../lib/useUrlState.js';
import { TEST_IDS } from '../../testIds.js';
import { readTraceFilters, writeTraceFilters, type TraceFilters } from './traceFilters.js';
import { TraceFiltersForm } from './TraceFiltersForm.js';

/** Find traces by service, server, tool, method, status and duration; newest first. */
export function TraceSearchView() {
  const [params, setParams] = useSearchParams();
  const { range, refresh } = useRangeState();
  const key = params.toString();
  const filters = useMemo(() => readTraceFilters(new URLSearchParams(key)), [key]);
  const q = useTraces(range, refresh, filters);
  const traces = q.data?.traces ?? [];
  const filtered = Object.values(filters).some((v) => v !== '');

  return (
    <section data-testid={TEST_IDS.traceSearch}>
      <header className="view-header">
        <h1>Traces</h1>
        <RangeToolbar fetching={q.isFetching} />
      </header>
      <TraceFiltersForm
        value={filters}
        onSubmit={(f: TraceFilters) => setParams((p) => writeTraceFilters(p, f))}
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
            <p className="muted small">
              {traces.length} trace{traces.length === 1 ? '' : 's'}, newest first
            </p>
            <TraceTable traces={traces} />
          </>
        )}
      </QueryState>
    </section>
  );
}
