import { sparklineLabel, sparklinePoints } from '../lib/sparkline.js';
import { TEST_IDS } from '../testIds.js';

const BOX = { width: 96, height: 22, pad: 1.5 };

interface Props {
  values: readonly number[];
  bucketSeconds: number;
  /** What a value counts, for the label ("failed call" by default). */
  noun?: string;
  /** 'error' (red, the default: failures) or 'accent' (traffic). */
  tone?: 'error' | 'accent';
  /** Failed calls drawn in red over `values` on the same scale (a traffic line with its failures). */
  failures?: readonly number[];
}

/**
 * A row-sized trend as an inline SVG line (a table of fifty rows would not want fifty uPlot instances),
 * its numbers in the title for the pointer and the label for screen readers.
 */
export function Sparkline({ values, bucketSeconds, noun, tone = 'error', failures }: Props) {
  if (values.length === 0) return <span className="muted">–</span>;
  const failed = failures?.some((v) => v > 0) ? failures : undefined;
  const failedTotal = failed?.reduce((n, v) => n + v, 0) ?? 0;
  const label = sparklineLabel(values, bucketSeconds, noun) + (failed ? `; ${failedTotal} failed` : '');
  const max = Math.max(0, ...values);
  return (
    <svg
      className={`sparkline ${tone}`}
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
      {failed && <polyline className="sparkline-line failures" points={sparklinePoints(failed, BOX, max)} />}
    </svg>
  );
}
