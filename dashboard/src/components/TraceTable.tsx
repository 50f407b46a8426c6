import { Link, useNavigate } from 'react-router-dom';
import type { TraceSummary } from '../api/types.js';
import { formatDateTime, formatMs } from '../lib/format.js';
import { RootCauseBadge } from './Badge.js';
import { traceHref } from '../lib/links.js';
import { TEST_IDS } from '../testIds.js';

/** The orders a trace list can offer (the trace search's; see views/traces/traceFilters.ts). */
export type TraceTableSortKey = 'start' | 'duration' | 'spans';

interface Props {
  traces: TraceSummary[];
  /** With it, the Started, Duration and Spans headers sort the list (the caller fetches in that order). */
  sort?: { key: TraceTableSortKey; order: 'asc' | 'desc' };
  onSort?: (key: TraceTableSortKey) => void;
}

const COLUMNS: { label: string; key?: TraceTableSortKey; numeric?: boolean }[] = [
  { label: 'Started', key: 'start' },
  { label: 'Root span' },
  { label: 'Service' },
  { label: 'Duration', key: 'duration', numeric: true },
  { label: 'Spans', key: 'spans', numeric: true },
  { label: 'Errors', numeric: true },
  { label: 'Root cause' },
];

/** A list of traces in the order given; a row opens the trace. */
export function TraceTable({ traces, sort, onSort }: Props) {
  const navigate = useNavigate();
  const maxMs = Math.max(0, ...traces.map((t) => t.durationMs));
  return (
    <table className="table clickable" data-testid={TEST_IDS.traceList}>
      <thead>
        <tr>
          {COLUMNS.map((c) => {
            const active = sort !== undefined && c.key === sort.key;
            return (
              <th
                key={c.label}
                className={c.numeric ? 'num' : undefined}
                aria-sort={active ? (sort.order === 'asc' ? 'ascending' : 'descending') : undefined}
              >
                {c.key && onSort ? (
                  <button
                    type="button"
                    className="sort-button"
                    data-sort={c.key}
                    onClick={() => c.key && onSort(c.key)}
                  >
                    {c.label}
                    {active ? (sort.order === 'asc' ? ' ▲' : ' ▼') : ''}
                  </button>
                ) : (
                  c.label
                )}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {traces.map((t) => {
          const href = traceHref(t.traceId);
          return (
            <tr
              key={t.traceId}
              className={t.errorCount > 0 ? 'has-error' : undefined}
              data-testid={TEST_IDS.traceRow}
              data-trace-id={t.traceId}
              data-duration-ms={t.durationMs}
              data-span-count={t.spanCount}
              onClick={(e) => {
                if (!(e.target instanceof HTMLAnchorElement)) void navigate(href);
              }}
            >
              <td className="nowrap">{formatDateTime(t.startTime)}</td>
              <td>
                <Link to={href}>{t.rootName || <em>(unnamed)</em>}</Link>
              </td>
              <td>{t.service}</td>
              <td className="num">
                <span className="duration-cell">
                  <span
                    className="duration-bar"
                    style={{ width: `${maxMs > 0 ? (t.durationMs / maxMs) * 100 : 0}%` }}
                  />
                  {formatMs(t.durationMs)}
                </span>
              </td>
              <td className="num">{t.spanCount}</td>
              <td className="num">
                {t.errorCount > 0 ? (
                  <span className="badge danger" aria-label={`${t.errorCount} errors`}>
                    ⚠ {t.errorCount}
                  </span>
                ) : (
                  <span className="muted">0</span>
                )}
              </td>
              <td>
                <RootCauseBadge layer={t.rootCauseLayer} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
