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
export function RootCausePanel({ rootCauses }: { rootCauses: readonly { layer: string; count: number }[] }) {
  const [params] = useSearchParams();
  const headingId = useId();
  const shares = rootCauseShares(rootCauses);
  return (
    <section className="root-causes" data-testid={TEST_IDS.overviewRootCauses} aria-labelledby={headingId}>
      <h2 id={headingId}>Failed calls by root cause</h2>
      {shares.length === 0 ? (
        <p className="muted">No failed calls in this time range.</p>
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
