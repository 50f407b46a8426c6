import { useId } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { formatPercent } from '../../lib/format.js';
import { errorsHref } from '../../lib/links.js';
import { TEST_IDS } from '../../testIds.js';
import { rootCauseShares } from './rootCauseShares.js';

/**
 * "Failed calls by root cause": each failed call of the window counted once, by the layer the
 * collector's verdict names; a layer opens the errors of that root cause.
 */
export function RootCausePanel({
  rootCauses,
  sourceNote,
}: {
  rootCauses: readonly { layer: string; count: number }[];
  /** What the counts cover when the rest of the overview is not read from traces. */
  sourceNote?: string | undefined;
}) {
  const [params] = useSearchParams();
  const headingId = useId();
  const shares = rootCauseShares(rootCauses);
  return (
    <section className="root-causes" data-testid={TEST_IDS.overviewRootCauses} aria-labelledby={headingId}>
      <h2 id={headingId}>Failed calls by root cause</h2>
      {sourceNote && (
        <p className="muted small" data-testid={TEST_IDS.rootCauseSourceNote}>
          {sourceNote}
        </p>
      )}
      {shares.length === 0 ? (
        <p className="muted">
          {sourceNote ? 'No failed call among the traced calls.' : 'No failed calls in this time range.'}
        </p>
      ) : (
        <>
          <div className="breakdown-bar" role="img" aria-label="Share of failed calls per root cause">
            {shares.map((s) => (
              <div
                key={s.layer}
                className={`layer-${s.layer}`}
                style={{ width: `${s.share * 100}%` }}
                title={`${s.layer}: ${s.count}`}
              />
            ))}
          </div>
          <ul className="breakdown-legend">
            {shares.map((s) => (
              <li key={s.layer}>
                <Link
                  to={errorsHref({ fault: s.layer }, params)}
                  data-layer={s.layer}
                  title={`Errors whose root cause is ${s.layer}`}
                >
                  <span className={`layer-dot layer-${s.layer}`} aria-hidden="true" /> {s.layer}{' '}
                  <strong>{s.count}</strong> <span className="muted">{formatPercent(s.share)}</span>
                </Link>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
