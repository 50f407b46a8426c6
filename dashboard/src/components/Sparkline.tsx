import { sparklineLabel, sparklinePoints } from '../lib/sparkline.js';
import { TEST_IDS } from '../testIds.js';

const BOX = { width: 96, height: 22, pad: 1.5 };

/**
 * A row-sized trend: failed calls per bucket as an inline SVG line (a table of fifty rows would not
 * want fifty uPlot instances), its numbers in the title for the pointer and the label for screen readers.
 */
export function Sparkline({ values, bucketSeconds }: { values: readonly number[]; bucketSeconds: number }) {
  if (values.length === 0) return <span className="muted">–</span>;
  const label = sparklineLabel(values, bucketSeconds);
  return (
    <svg
      className="sparkline"
      data-testid={TEST_IDS.sparkline}
      role="img"
      aria-label={label}
      width={BOX.width}
      height={BOX.height}
      viewBox={`0 0 ${BOX.width} ${BOX.height}`}
    >
      <title>{label}</title>
      <line
        className="sparkline-base"
        x1={BOX.pad}
        x2={BOX.width - BOX.pad}
        y1={BOX.height - BOX.pad}
        y2={BOX.height - BOX.pad}
      />
      <polyline className="sparkline-line" points={sparklinePoints(values, BOX)} />
    </svg>
  );
}
