import { useSearchParams } from 'react-router-dom';
import { useOverview } from '../../api/queries.js';
import { EmptyState } from '../../components/EmptyState.js';
import { QueryState } from '../../components/QueryState.js';
import { RangeToolbar } from '../../components/RangeToolbar.js';
import { SeriesCharts } from '../../components/SeriesCharts.js';
import { formatMs, formatPercent, formatRate } from '../../lib/format.js';
import { useRangeState } from '../../lib/useUrlState.js';
import { SPAN_LAYERS, toSpanLayer } from '../../telemetry.js';
import { TEST_IDS } from '../../testIds.js';
import { RootCausePanel } from './RootCausePanel.js';
import { ToolStatsTable } from './ToolStatsTable.js';

/** Landing page: is anything on fire right now, and where. */
export function OverviewView() {
  const { range, refresh } = useRangeState();
  const q = useOverview(range, refresh);
  const data = q.data;
  const [params, setParams] = useSearchParams();
  // One call has a span per instrumented layer: by default the table shows the layer the totals count,
  // so each call appears once; `?layer=all` shows every layer side by side.
  const layers = SPAN_LAYERS.filter((l) => data?.servers.some((r) => toSpanLayer(r.layer) === l));
  const layer =
    params.get('layer') ??
    (data?.layer && layers.includes(toSpanLayer(data.layer)) ? toSpanLayer(data.layer) : 'all');
  const setLayer = (value: string): void =>
    setParams((p) => {
      const next = new URLSearchParams(p);
      next.set('layer', value);
      return next;
    });
  const windowMs = data ? Date.parse(data.range.to) - Date.parse(data.range.from) : 0;

  return (
    <section data-testid={TEST_IDS.overview}>
      <header className="view-header">
        <h1>Overview</h1>
        <RangeToolbar fetching={q.isFetching} />
      </header>
      <QueryState isPending={q.isPending} error={q.error}>
        {data && data.totals.count === 0 ? (
          <EmptyState title="No MCP requests in this time range" />
        ) : (
          data && (
            <>
              <div className="tiles" data-testid={TEST_IDS.overviewTotals}>
                <Tile
                  label="Requests"
                  value={String(data.totals.count)}
                  sub={formatRate(data.totals.count, windowMs)}
                />
                <Tile
                  label="Error rate"
                  value={formatPercent(data.totals.errorRate)}
                  sub={`${data.totals.errors} error${data.totals.errors === 1 ? '' : 's'}`}
                  alarm={data.totals.errors > 0}
                />
                <Tile label="p50" value={formatMs(data.totals.p50Ms)} />
                <Tile label="p95" value={formatMs(data.totals.p95Ms)} />
                <Tile label="p99" value={formatMs(data.totals.p99Ms)} />
              </div>
              {data.layer && (
                <p className="muted small">
                  Totals and charts count each call once, at its <strong>{data.layer}</strong> span; the table
                  lists every layer.
                </p>
              )}
              <RootCausePanel rootCauses={data.rootCauses} />
              <SeriesCharts points={data.series} range={data.range} />
              <div className="table-heading">
                <h2>By server and tool</h2>
                <label>
                  Layer{' '}
                  <select value={layer} onChange={(e) => setLayer(e.target.value)}>
                    {layers.map((l) => (
                      <option key={l} value={l}>
                        {l}
                      </option>
                    ))}
                    <option value="all">all layers</option>
                  </select>
                </label>
              </div>
              <ToolStatsTable
                rows={
                  layer === 'all' ? data.servers : data.servers.filter((r) => toSpanLayer(r.layer) === layer)
                }
              />
            </>
          )
        )}
      </QueryState>
    </section>
  );
}

function Tile({ label, value, sub, alarm }: { label: string; value: string; sub?: string; alarm?: boolean }) {
  return (
    <div className={alarm ? 'tile alarm' : 'tile'}>
      <div className="tile-label">{label}</div>
      <div className="tile-value">{value}</div>
      {sub && <div className="tile-sub">{sub}</div>}
    </div>
  );
}
