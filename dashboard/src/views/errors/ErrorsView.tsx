import { Link, useSearchParams } from 'react-router-dom';
import { useErrors } from '../../api/queries.js';
import { FaultBadge, LayerBadge } from '../../components/Badge.js';
import { EmptyState } from '../../components/EmptyState.js';
import { QueryState } from '../../components/QueryState.js';
import { RangeToolbar } from '../../components/RangeToolbar.js';
import { formatAgo, formatDateTime } from '../../lib/format.js';
import { useRangeState } from '../../lib/useUrlState.js';
import { toSpanLayer } from '../../telemetry.js';
import { TEST_IDS } from '../../testIds.js';
import { toolHref, traceHref } from '../../lib/links.js';

/** Failed calls grouped by what failed and who is at fault, most frequent first. */
export function ErrorsView() {
  const [params, setParams] = useSearchParams();
  const { range, refresh } = useRangeState();
  const server = params.get('server') ?? '';
  const tool = params.get('tool') ?? '';
  const q = useErrors(range, refresh, { server, tool });
  const groups = [...(q.data?.errors ?? [])].sort((a, b) => b.count - a.count);
  const now = Date.now();

  const clearFilter = (key: string): void =>
    setParams((p) => {
      const next = new URLSearchParams(p);
      next.delete(key);
      return next;
    });

  return (
    <section data-testid={TEST_IDS.errors}>
      <header className="view-header">
        <h1>Errors</h1>
        <RangeToolbar fetching={q.isFetching} />
      </header>
      {(server || tool) && (
        <p className="filters-applied">
          Filtered on{' '}
          {server && (
            <button type="button" className="chip" onClick={() => clearFilter('server')}>
              server: {server} ✕
            </button>
          )}{' '}
          {tool && (
            <button type="button" className="chip" onClick={() => clearFilter('tool')}>
              tool: {tool} ✕
            </button>
          )}
        </p>
      )}
      <QueryState isPending={q.isPending} error={q.error}>
        {groups.length === 0 ? (
          <EmptyState title="No failed calls in this time range">
            <p>
              Nothing failed — or nothing was sent. Widen the time range, or check the overview for traffic.
            </p>
          </EmptyState>
        ) : (
          <table className="table" data-testid={TEST_IDS.errorGroupsTable}>
            <thead>
              <tr>
                <th>Server</th>
                <th>Tool / method</th>
                <th>error.type</th>
                <th>At fault</th>
                <th>Seen by</th>
                <th>Message</th>
                <th className="num">Count</th>
                <th>First seen</th>
                <th>Last seen</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => (
                <tr key={`${g.server}|${g.method}|${g.tool}|${g.errorType}|${g.fault}|${g.message}`}>
                  <td>{g.server || <span className="muted">–</span>}</td>
                  <td>
                    {g.tool ? <Link to={toolHref(g.server, g.tool, params)}>{g.tool}</Link> : g.method}
                    {g.tool && <span className="muted small"> {g.method}</span>}
                  </td>
                  <td>
                    <code>{g.errorType || '(none)'}</code>
                  </td>
                  <td>
                    <FaultBadge fault={g.fault} />
                  </td>
                  <td>
                    {(g.layers ?? []).map((l) => (
                      <LayerBadge key={l} layer={toSpanLayer(l)} />
                    ))}
                  </td>
                  <td className="message">{g.message || <span className="muted">–</span>}</td>
                  <td className="num">{g.count}</td>
                  <td className="nowrap" title={formatDateTime(g.firstSeen)}>
                    {formatAgo(g.firstSeen, now)}
                  </td>
                  <td className="nowrap" title={formatDateTime(g.lastSeen)}>
                    {formatAgo(g.lastSeen, now)}
                  </td>
                  <td className="nowrap">
                    {g.exampleTraceId && <Link to={traceHref(g.exampleTraceId)}>example trace →</Link>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </QueryState>
    </section>
  );
}
