import { Link, useNavigate } from 'react-router-dom';
import type { TraceSummary } from '../api/types.js';
import { formatDateTime, formatMs } from '../lib/format.js';
import { RootCauseBadge } from './Badge.js';
import { traceHref } from '../lib/links.js';
import { TEST_IDS } from '../testIds.js';

/** A list of traces, newest first as the API returns them; a row opens the trace. */
export function TraceTable({ traces }: { traces: TraceSummary[] }) {
  const navigate = useNavigate();
  const maxMs = Math.max(0, ...traces.map((t) => t.durationMs));
  return (
    <table className="table clickable" data-testid={TEST_IDS.traceList}>
      <thead>
        <tr>
          <th>Started</th>
          <th>Root span</th>
          <th>Service</th>
          <th className="num">Duration</th>
          <th className="num">Spans</th>
          <th className="num">Errors</th>
          <th>Root cause</th>
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
