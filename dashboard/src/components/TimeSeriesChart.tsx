import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { isolatedIndices } from '../lib/series.js';
import { TEST_IDS } from '../testIds.js';

/** One line of a chart. */
export interface ChartLine {
  label: string;
  color: string;
  values: (number | null)[];
  /** Filled area under the line (for counts). Default false. */
  fill?: boolean;
}

interface Props {
  title: string;
  /** Unix seconds, ascending. */
  x: number[];
  lines: ChartLine[];
  formatValue: (v: number) => string;
  /** Plot height in CSS pixels. Default 220: two charts side by side stay readable on a laptop. */
  height?: number;
  /** Label only whole numbers on the y axis (counts). Default false. */
  integers?: boolean;
}

/**
 * A uPlot time-series chart that follows its container's width. uPlot draws on canvas imperatively, so
 * it lives in an effect and is rebuilt when the data changes (at most every refresh interval).
 */
export function TimeSeriesChart({ title, x, lines, formatValue, height = 220, integers = false }: Props) {
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      // Rates and latencies start at zero: an axis that starts elsewhere exaggerates small changes.
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      series: [
        {},
        ...lines.map((l): uPlot.Series => ({
          label: l.label,
          stroke: l.color,
          width: 2,
          ...(l.fill ? { fill: `${l.color}22` } : {}),
          spanGaps: false,
          points: {
            size: 6,
            filter: (_u, _i, show) => (show ? null : isolatedIndices(l.values)),
          },
          value: (_u, v) => (v === null || v === undefined ? '–' : formatValue(v)),
        })),
      ],
      axes: [
        { stroke: '#333', grid: { stroke: '#e5e7eb' } },
        {
          stroke: '#333',
          grid: { stroke: '#e5e7eb' },
          size: 72,
          values: (_u, splits) => splits.map((v) => (integers && !Number.isInteger(v) ? '' : formatValue(v))),
        },
      ],
      cursor: { drag: { x: false, y: false } },
    };
    const data: uPlot.AlignedData = [x, ...lines.map((l) => l.values)];
    const plot = new uPlot(opts, data, el);
    const observer = new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (width !== plot.width) plot.setSize({ width, height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [x, lines, formatValue, height, integers]);

  return (
    <figure className="chart" data-testid={TEST_IDS.chart}>
      <figcaption>{title}</figcaption>
      <div ref={ref} className="chart-canvas" />
    </figure>
  );
}
