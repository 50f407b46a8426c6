import { formatCount } from '../lib/format.js';
import { histogramLabel } from '../lib/histogramLabel.js';
import { TEST_IDS } from '../testIds.js';

interface Props {
  /** Upper bound in ms and count; a negative bound marks the open last bucket. */
  buckets: { leMs: number; count: number }[];
}

/** Latency distribution as bars per bucket; plain HTML so each bar has a label and a tooltip. */
export function Histogram({ buckets }: Props) {
  const max = Math.max(1, ...buckets.map((b) => b.count));
  return (
    <div className="histogram" data-testid={TEST_IDS.histogram} role="img" aria-label="Latency distribution">
      {buckets.map((b, i) => {
        const label = histogramLabel(b.leMs, buckets[i - 1]?.leMs);
        // Bound and unit on two lines ("≤250" / "ms"): narrow columns still show the whole label.
        const [, bound, unit] = /^([^a-zµ]*)(.*)$/.exec(label) ?? [];
        return (
          <div className="hist-col" key={`${b.leMs}-${i}`} title={`${formatCount(b.count)} calls ${label}`}>
            <span className="hist-count">{b.count > 0 ? formatCount(b.count) : ''}</span>
            <div className="hist-bar" style={{ height: `${(b.count / max) * 100}%` }} />
            <span className="hist-label">
              {bound}
              <br />
              {unit}
            </span>
          </div>
        );
      })}
    </div>
  );
}
