import { Link, useSearchParams } from 'react-router-dom';
import { parseToolSort, sortToolStats, type ToolSortKey } from './sortToolStats.js';
import type { ToolStats } from '../../api/types.js';
import { LayerBadge } from '../../components/Badge.js';
import { Sparkline } from '../../components/Sparkline.js';
import { formatMs, formatPercent } from '../../lib/format.js';
import { toolHref, tracesHref } from '../../lib/links.js';
import { TEST_IDS } from '../../testIds.js';

const COLUMNS: { key: ToolSortKey | null; label: string; numeric: boolean }[] = [
  { key: 'server', label: 'Server', numeric: false },
  { key: 'tool', label: 'Tool / method', numeric: false },
  { key: null, label: 'Layer', numeric: false },
  { key: 'count', label: 'Calls', numeric: true },
  { key: 'errorRate', label: 'Error rate', numeric: true },
  { key: 'p50Ms', label: 'p50', numeric: true },
  { key: 'p95Ms', label: 'p95', numeric: true },
  { key: 'p99Ms', label: 'p99', numeric: true },
];

/**
 * Per server, method and tool (and the layer that measured it), worst error rate first; a column header
 * sorts by that column (`?sort=p99Ms`, again for the other direction), so a sorted view is a link too.
 */
export function ToolStatsTable({
  rows,
  trendBucketSeconds,
}: {
  rows: ToolStats[];
  trendBucketSeconds: number;
}) {
  const [params, setParams] = useSearchParams();
  const sort = parseToolSort(params.get('sort'));
  const sorted = sortToolStats(rows, sort.key, sort.ascending);
  const sortBy = (key: ToolSortKey): void =>
    setParams(
      (p) => {
        const next = new URLSearchParams(p);
        next.set('sort', key === sort.key && !sort.ascending ? `-${key}` : key);
        return next;
      },
      { replace: true },
    );
  return (
    <table className="table" data-testid={TEST_IDS.toolStatsTable}>
      <thead>
        <tr>
          {COLUMNS.map((c) => {
            const active = c.key !== null && c.key === sort.key;
            return (
              <th
                key={c.label}
                className={c.numeric ? 'num' : undefined}
                aria-sort={active ? (sort.ascending ? 'ascending' : 'descending') : undefined}
              >
                {c.key === null ? (
                  c.label
                ) : (
                  <button type="button" className="sort-button" onClick={() => c.key && sortBy(c.key)}>
                    {c.label}
                    {active ? (sort.ascending ? ' ▲' : ' ▼') : ''}
                  </button>
                )}
              </th>
            );
          })}
          <th>Trend</th>
          <th className="wall-hidden" />
        </tr>
      </thead>
      <tbody>
        {sorted.map((r) => (
          <tr
            key={`${r.service}|${r.server}|${r.method}|${r.tool}|${r.layer}`}
            className={r.errors > 0 ? 'has-error' : undefined}
          >
            <td>{r.server || <span className="muted">{r.service}</span>}</td>
            <td>
              {r.tool ? (
                <Link to={toolHref(r.server, r.tool, params)}>{r.tool}</Link>
              ) : (
                <span>{r.method}</span>
              )}
              {r.tool && <span className="muted small"> {r.method}</span>}
            </td>
            <td>
              <LayerBadge layer={r.layer || 'downstream'} />
            </td>
            <td className="num">{r.count}</td>
            <td className={r.errors > 0 ? 'num error-text' : 'num'}>{formatPercent(r.errorRate)}</td>
            <td className="num">{formatMs(r.p50Ms)}</td>
            <td className="num">{formatMs(r.p95Ms)}</td>
            <td className="num">{formatMs(r.p99Ms)}</td>
            <td>
              {r.trend && (
                <Sparkline
                  values={r.trend.calls}
                  failures={r.trend.errors}
                  bucketSeconds={trendBucketSeconds}
                  noun="call"
                  tone="accent"
                />
              )}
            </td>
            <td className="wall-hidden">
              <Link
                to={tracesHref({ server: r.server, tool: r.tool, method: r.tool ? '' : r.method }, params)}
              >
                traces →
              </Link>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
