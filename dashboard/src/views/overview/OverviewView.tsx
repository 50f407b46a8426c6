import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useOverview, useToolList } from '../../api/queries.js';
import { EmptyState } from '../../components/EmptyState.js';
import { QueryState } from '../../components/QueryState.js';
import { RangeToolbar } from '../../components/RangeToolbar.js';
import { SeriesCharts } from '../../components/SeriesCharts.js';
import { formatMs, formatPercent, formatRate } from '../../lib/format.js';
import { useRangeState, useZoomToRange } from '../../lib/useUrlState.js';
import { isWall } from '../../lib/wall.js';
import { SPAN_LAYERS, toSpanLayer } from '../../telemetry.js';
import { TEST_IDS } from '../../testIds.js';
import { OverviewFilterBar } from './OverviewFilterBar.js';
import {
  filterOptions,
  overviewQueryParams,
  readOverviewFilters,
  withOverviewFilter,
} from './overviewFilters.js';
import { RootCausePanel } from './RootCausePanel.js';
import { sourceNote } from './sourceNote.js';
import { ToolStatsTable } from './ToolStatsTable.js';

/** Landing page: is anything on fire right now, and where. */
export function OverviewView() {
  const { range, refresh } = useRangeState();
  const [params, setParams] = useSearchParams();
  const key = params.toString();
  const filters = useMemo(() => readOverviewFilters(new URLSearchParams(key)), [key]);
  const apiParams = useMemo(() => overviewQueryParams(filters), [filters]);
  const q = useOverview(range, refresh, apiParams);
  const data = q.data;
  const filtered = filters.server !== '' || filters.tool !== '' || filters.service !== '';
  // A filtered overview lists only what matches: the selects take their choices from the whole range.
  const all = useToolList(range, refresh, filtered);
  const options = filterOptions(filtered ? (all.data?.tools ?? []) : (data?.servers ?? []), filters);
  const zoom = useZoomToRange();
  const wall = isWall(params);
  // One call has a span per instrumented layer: by default the table shows the layer the totals count,
  // so each call appears once; `?layer=all` shows every layer side by side.
  const layers = SPAN_LAYERS.filter((l) => data?.servers.some((r) => toSpanLayer(r.layer) === l));
  const layer =
    params.get('layer') ??
    (data?.layer && layers.includes(toSpanLayer(data.layer)) ? toSpanLayer(data.layer) : 'all');
  const setParam = (name: string, value: string | null): void =>
    setParams((p) => {
      const next = new URLSearchParams(p);
      if (value === null) next.delete(name);
      else next.set(name, value);
      return next;
    });
  const windowMs = data ? Date.parse(data.range.to) - Date.parse(data.range.from) : 0;
  const prev = data?.previous?.totals;
  const note = data && sourceNote(data.source);

  return (
    <section data-testid={TEST_IDS.overview}>
      <header className="view-header">
        <h1>Overview</h1>
        <RangeToolbar fetching={q.isFetching} />
      </header>
      <OverviewFilterBar
        value={filters}
        options={options}
        onChange={(k, v) => setParams((p) => withOverviewFilter(p, k, v))}
        onCompare={(on) => setParam('compare', on ? 'previous' : null)}
      />
      {note && (
        <p
          className="muted small source-note"
          data-testid={TEST_IDS.overviewSource}
          data-source={data.source.used}
        >
          {note.text}
          {note.switchTo && (
            <>
              {' · '}
              <Link to={{ search: withSource(params, note.switchTo.source) }} replace>
                {note.switchTo.label}
              </Link>
            </>
          )}
        </p>
      )}
      <QueryState isPending={q.isPending} error={q.error}>
        {data && data.totals.count === 0 ? (
          <EmptyState
            title={
              filtered
                ? 'No MCP requests match these filters in this time range'
                : 'No MCP requests in this time range'
            }
          />
        ) : (
          data && (
            <>
              <div className="tiles" data-testid={TEST_IDS.overviewTotals}>
                <Tile
                  label="Requests"
                  value={String(data.totals.count)}
                  sub={formatRate(data.totals.count, windowMs)}
                  previous={prev && String(prev.count)}
                />
                <Tile
                  label="Error rate"
                  value={formatPercent(data.totals.errorRate)}
                  sub={`${data.totals.errors} failed`}
                  alarm={data.totals.errors > 0}
                  previous={prev && formatPercent(prev.errorRate)}
                />
                <Tile
                  label="p50"
                  value={formatMs(data.totals.p50Ms)}
                  previous={prev && formatMs(prev.p50Ms)}
                />
                <Tile
                  label="p95"
                  value={formatMs(data.totals.p95Ms)}
                  previous={prev && formatMs(prev.p95Ms)}
                />
                <Tile
                  label="p99"
                  value={formatMs(data.totals.p99Ms)}
                  previous={prev && formatMs(prev.p99Ms)}
                />
              </div>
              {data.layer && !wall && (
                <p className="muted small">
                  Totals and charts count each call once,{' '}
                  {data.source.used === 'metrics' ? (
                    <>
                      in the <strong>{data.layer}</strong>&apos;s operation histogram
                    </>
                  ) : (
                    <>
                      at its <strong>{data.layer}</strong> span
                    </>
                  )}
                  ; the table lists every layer. Drag across a chart to zoom in.
                </p>
              )}
              <RootCausePanel rootCauses={data.rootCauses} sourceNote={note?.rootCauseNote} />
              <SeriesCharts
                points={data.series}
                range={data.range}
                bucketSeconds={data.bucketSeconds}
                {...(data.previous ? { previous: data.previous } : {})}
                onZoom={zoom}
                tall={wall}
              />
              <div className="table-heading">
                <h2>By server and tool</h2>
                <label className="wall-hidden">
                  Layer{' '}
                  <select value={layer} onChange={(e) => setParam('layer', e.target.value)}>
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
                trendBucketSeconds={data.trendBucketSeconds}
              />
            </>
          )
        )}
      </QueryState>
    </section>
  );
}

/** The search string with `source` set (`auto`, the default, is left out of the URL). */
function withSource(params: URLSearchParams, source: 'auto' | 'spans' | 'metrics'): string {
  const next = new URLSearchParams(params);
  if (source === 'auto') next.delete('source');
  else next.set('source', source);
  return `?${next.toString()}`;
}

interface TileProps {
  label: string;
  value: string;
  sub?: string;
  alarm?: boolean;
  /** The same figure over the previous period, when comparing. */
  previous?: string | undefined;
}

function Tile({ label, value, sub, alarm, previous }: TileProps) {
  return (
    <div className={alarm ? 'tile alarm' : 'tile'}>
      <div className="tile-label">{label}</div>
      <div className="tile-value">{value}</div>
      {sub && <div className="tile-sub">{sub}</div>}
      {previous !== undefined && <div className="tile-sub tile-previous">previous period: {previous}</div>}
    </div>
  );
}
