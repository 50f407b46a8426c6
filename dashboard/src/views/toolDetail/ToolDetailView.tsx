import { Link, useParams, useSearchParams } from 'react-router-dom';
import { useTool } from '../../api/queries.js';
import { RootCauseBadge } from '../../components/Badge.js';
import { EmptyState } from '../../components/EmptyState.js';
import { Histogram } from '../../components/Histogram.js';
import { QueryState } from '../../components/QueryState.js';
import { RangeToolbar } from '../../components/RangeToolbar.js';
import { SeriesCharts } from '../../components/SeriesCharts.js';
import { TraceTable } from '../../components/TraceTable.js';
import { formatMs, formatPercent } from '../../lib/format.js';
import { useRangeState, useZoomToRange } from '../../lib/useUrlState.js';
import { TEST_IDS } from '../../testIds.js';
import { errorsHref, NO_SERVER_SEGMENT, tracesHref } from '../../lib/links.js';

const fromPathSegment = (s: string | undefined): string =>
  s === undefined || s === NO_SERVER_SEGMENT ? '' : s;

/** One tool: how slow, how it fails and at which root cause, with traces to open. */
export function ToolDetailView() {
  const params = useParams();
  const server = fromPathSegment(params['server']);
  const tool = params['tool'] ?? '';
  const [search] = useSearchParams();
  const { range, refresh } = useRangeState();
  const q = useTool(range, refresh, server, tool);
  const zoom = useZoomToRange();
  const detail = q.data?.detail;
  const stats = q.data?.tools.filter((t) => t.tool === tool && (server === '' || t.server === server)) ?? [];

  return (
    <section data-testid={TEST_IDS.toolDetail}>
      <header className="view-header">
        <h1>
          <span className="muted">{server || 'any server'} /</span> {tool}
        </h1>
        <RangeToolbar fetching={q.isFetching} />
      </header>
      <p>
        <Link to={tracesHref({ server, tool }, search)}>All traces of this tool →</Link>
        {' · '}
        <Link to={errorsHref({ server, tool }, search)}>Errors of this tool →</Link>
      </p>
      <QueryState isPending={q.isPending} error={q.error}>
        {stats.length === 0 && !detail?.series.length ? (
          <EmptyState title={`No calls to ${tool} in this time range`} />
        ) : (
          <>
            {stats.length > 0 && (
              <div className="tiles">
                {stats.map((s) => (
                  <div className="tile" key={`${s.layer}|${s.method}|${s.server}`}>
                    <div className="tile-label">
                      {s.layer || 'span'} · {s.count} call{s.count === 1 ? '' : 's'}
                    </div>
                    <div className="tile-value">{formatMs(s.p95Ms)}</div>
                    <div className="tile-sub">
                      p95 · p50 {formatMs(s.p50Ms)} · p99 {formatMs(s.p99Ms)} ·{' '}
                      <span className={s.errors > 0 ? 'error-text' : undefined}>
                        {formatPercent(s.errorRate)} errors
                      </span>
                    </div>
                  </div>
                ))}
              </div>
            )}
            {detail && (
              <>
                {detail.layer && (
                  <p className="muted small">
                    Charts and distribution count each call at its <strong>{detail.layer}</strong> span.
                  </p>
                )}
                <SeriesCharts
                  points={detail.series}
                  range={q.data?.range}
                  bucketSeconds={detail.bucketSeconds}
                  onZoom={zoom}
                />
                <div className="two-col">
                  <div>
                    <h2>Latency distribution</h2>
                    {detail.histogram.length > 0 ? (
                      <Histogram buckets={detail.histogram} />
                    ) : (
                      <p className="muted">No data.</p>
                    )}
                  </div>
                  <div>
                    <h2>Errors by type and root cause</h2>
                    {detail.errorsByType.length === 0 ? (
                      <p className="muted">No failures in this time range.</p>
                    ) : (
                      <table className="table" data-testid={TEST_IDS.errorsByType}>
                        <thead>
                          <tr>
                            <th>error.type</th>
                            <th>Root cause</th>
                            <th className="num">Failed calls</th>
                          </tr>
                        </thead>
                        <tbody>
                          {detail.errorsByType.map((e) => (
                            <tr key={`${e.errorType}|${e.fault}`}>
                              <td>
                                <code>{e.errorType || '(none)'}</code>
                              </td>
                              <td>
                                <RootCauseBadge layer={e.fault} />
                              </td>
                              <td className="num">
                                <Link
                                  to={errorsHref({ server, tool, fault: e.fault }, search)}
                                  title="These errors, grouped by message"
                                >
                                  {e.count}
                                </Link>
                              </td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    )}
                  </div>
                </div>
                <h2>Example traces</h2>
                {detail.exampleTraces.length > 0 ? (
                  <TraceTable traces={detail.exampleTraces} />
                ) : (
                  <p className="muted">No example traces in this time range.</p>
                )}
              </>
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}
