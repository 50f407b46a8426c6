import { Link, useSearchParams } from 'react-router-dom';
import { useErrors } from '../../api/queries.js';
import { RootCauseBadge } from '../../components/Badge.js';
import { EmptyState } from '../../components/EmptyState.js';
import { QueryState } from '../../components/QueryState.js';
import { RangeToolbar } from '../../components/RangeToolbar.js';
import { Sparkline } from '../../components/Sparkline.js';
import { formatAgo, formatDateTime } from '../../lib/format.js';
import { toolHref, traceHref } from '../../lib/links.js';
import { useRangeState } from '../../lib/useUrlState.js';
import { FAULT_LAYERS, toFaultLayer } from '../../telemetry.js';
import { TEST_IDS } from '../../testIds.js';

/**
 * Failed calls grouped by server, tool, root cause, error type and message template, most frequent
 * first: each failed call counted once, by the collector's verdict on it.
 */
export function ErrorsView() {
  const [params, setParams] = useSearchParams();
  const { range, refresh } = useRangeState();
  const server = params.get('server') ?? '';
  const tool = params.get('tool') ?? '';
  const fault = toFaultLayer(params.get('fault')) ?? '';
  const q = useErrors(range, refresh, { server, tool, fault });
  const groups = [...(q.data?.errors ?? [])].sort((a, b) => b.count - a.count);
  const bucketSeconds = q.data?.bucketSeconds ?? 0;
  const now = Date.now();

  const setFilter = (key: string, value: string): void =>
    setParams((p) => {
      const next = new URLSearchParams(p);
      if (value) next.set(key, value);
      else next.delete(key);
      return next;
    });

  return (
    <section data-testid={TEST_IDS.errors}>
      <header className="view-header">
        <h1>Errors</h1>
        <RangeToolbar fetching={q.isFetching} />
      </header>
      <div className="filters">
        <label>
          Root cause
          <select
            name="fault"
            value={fault}
            data-testid={TEST_IDS.rootCauseFilter}
            onChange={(e) => setFilter('fault', e.target.value)}
          >
            <option value="">any layer</option>
            {FAULT_LAYERS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        {server && (
          <button type="button" className="chip" onClick={() => setFilter('server', '')}>
            server: {server} ✕
          </button>
        )}
        {tool && (
          <button type="button" className="chip" onClick={() => setFilter('tool', '')}>
            tool: {tool} ✕
          </button>
        )}
      </div>
      <QueryState isPending={q.isPending} error={q.error}>
        {groups.length === 0 ? (
          <EmptyState
            title={
              server || tool || fault
                ? 'No failed calls match these filters'
                : 'No failed calls in this time range'
            }
          >
            <p>
              Nothing failed — or nothing was sent. Clear a filter, widen the time range, or check the
              overview for traffic.
            </p>
          </EmptyState>
        ) : (
          <table className="table" data-testid={TEST_IDS.errorGroupsTable}>
            <thead>
              <tr>
                <th>Server</th>
                <th>Tool / method</th>
                <th>Root cause</th>
                <th>error.type</th>
                <th>Message</th>
                <th>Trend</th>
                <th className="num">Count</th>
                <th className="nowrap">Last seen</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => (
                <tr
                  key={`${g.server}|${g.method}|${g.tool}|${g.fault}|${g.errorType}|${g.template}`}
                  data-testid={TEST_IDS.errorGroupRow}
                  data-tool={g.tool}
                  data-fault={g.fault}
                >
                  <td>{g.server || <span className="muted">–</span>}</td>
                  <td>
                    {g.tool ? <Link to={toolHref(g.server, g.tool, params)}>{g.tool}</Link> : g.method}
                    {g.tool && <span className="muted small"> {g.method}</span>}
                  </td>
                  <td>
                    <RootCauseBadge layer={g.fault} />
                  </td>
                  <td>
                    <code>{g.errorType || '(none)'}</code>
                  </td>
                  <td className="message">
                    {g.isNew && (
                      <span
                        className="badge info small"
                        title={`First failed this way ${formatDateTime(g.firstSeen)}, inside this time range`}
                      >
                        new
                      </span>
                    )}
                    <span data-testid={TEST_IDS.errorTemplate} title={g.message || undefined}>
                      {g.template || g.message || <span className="muted">–</span>}
                    </span>
                  </td>
                  <td>
                    <Sparkline values={g.sparkline} bucketSeconds={bucketSeconds} />
                  </td>
                  <td className="num">{g.count}</td>
                  <td
                    className="nowrap"
                    title={`last ${formatDateTime(g.lastSeen)}, first ${formatDateTime(g.firstSeen)}`}
                  >
                    {formatAgo(g.lastSeen, now)}
                  </td>
                  <td className="nowrap">
                    {g.exampleTraceId && (
                      <Link
                        to={traceHref(g.exampleTraceId, g.exampleSpanId || undefined)}
                        data-testid={TEST_IDS.errorExampleLink}
                      >
                        example trace →
                      </Link>
                    )}
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
