import { useId } from 'react';
import { TEST_IDS } from '../../testIds.js';
import { callLabel, verdictMessage, type Verdict } from './verdict.js';

interface Props {
  /** Every failed call's verdict, in start order (at least one). */
  verdicts: readonly Verdict[];
  /** The verdict to show. */
  index: number;
  /** The selected span, to tell whether the verdict's span already is. */
  selectedSpanId: string | null;
  /** Whether a span is among the loaded ones (drawn in the waterfall). */
  isLoaded: (spanId: string) => boolean;
  onSelect: (spanId: string) => void;
}

/**
 * The collector's verdict on top of the trace: which layer failed and how, for which call, in the
 * layer's colour. With several failed calls, a button per call shows its verdict and selects its span.
 */
export function VerdictBanner({ verdicts, index, selectedSpanId, isLoaded, onSelect }: Props) {
  const headingId = useId();
  const v = verdicts[index] ?? verdicts[0];
  if (!v) return null;
  const loaded = isLoaded(v.spanId);
  return (
    <section
      className={`verdict layer-${v.layer}`}
      data-testid={TEST_IDS.verdictBanner}
      data-layer={v.layer}
      data-span-id={v.spanId}
      aria-labelledby={headingId}
    >
      <h2 id={headingId} className="verdict-headline">
        Failed in: <span className={`badge layer layer-${v.layer}`}>{v.layer}</span> —{' '}
        <span className="verdict-message">{verdictMessage(v)}</span>
      </h2>
      <p className="verdict-facts">
        <span>
          error.type <code>{v.errorType || '(none)'}</code>
        </span>
        <span>
          call <strong>{callLabel(v.call)}</strong>
          {v.call.service && <span className="muted"> from {v.call.service}</span>}
        </span>
        <span className="muted" title="The collector's rule that decided this verdict">
          rule <code>{v.rule}</code>
        </span>
        {loaded && selectedSpanId !== v.spanId && (
          <button type="button" onClick={() => onSelect(v.spanId)}>
            Select the failing span
          </button>
        )}
        {!loaded && (
          <span className="muted">
            The span that explains it (<code>{v.spanId}</code>) has not arrived: its process may not have
            exported it yet.
          </span>
        )}
      </p>
      {verdicts.length > 1 && (
        <div className="verdict-calls" role="group" aria-label="Failed calls of this trace">
          <span className="muted">{verdicts.length} failed calls:</span>
          {verdicts.map((other, i) => (
            <button
              key={`${other.call.spanId}|${other.spanId}`}
              type="button"
              className="verdict-call"
              data-testid={TEST_IDS.verdictCall}
              aria-pressed={i === index}
              title={`${callLabel(other.call)} — failed in ${other.layer}: ${verdictMessage(other)}`}
              onClick={() => onSelect(other.spanId)}
            >
              <span className={`layer-dot layer-${other.layer}`} aria-hidden="true" /> {i + 1}.{' '}
              {callLabel(other.call)} <span className="muted">{other.layer}</span>
            </button>
          ))}
        </div>
      )}
    </section>
  );
}
