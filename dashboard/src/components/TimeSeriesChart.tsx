import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { isolatedIndices } from '../lib/series.js';
import { useTheme } from '../lib/theme.js';
import { TEST_IDS } from '../testIds.js';

/** One line of a chart. */
export interface ChartLine {
  label: string;
  /** A CSS colour, or the name of a CSS variable holding one (`--chart-requests`): themes change it. */
  color: string;
  values: (number | null)[];
  /** Filled area under the line (for counts). Default false. */
  fill?: boolean;
  /** Drawn thin and dashed: a reference such as the previous period. Default false. */
  reference?: boolean;
}

interface Props {
  title: string;
  /** Unix seconds, ascending. */
  x: number[];
  lines: ChartLine[];
  formatValue: (v: number) => string;
  /** Plot height in root `em`s. Default 14.5 (220 px at the normal size, more on a wall screen). */
  heightEm?: number;
  /** Label only whole numbers on the y axis (counts). Default false. */
  integers?: boolean;
  /** Indices of buckets the window cuts: drawn dashed and lighter, not as a fall (see lib/series.ts). */
  partial?: readonly number[];
  /** Called with the x values (unix seconds) under a drag across the plot: zoom to them. */
  onZoom?: (fromSec: number, toSec: number) => void;
}

/** Drags narrower than this many CSS pixels are clicks (uPlot reports those as selections too). */
const MIN_DRAG_PX = 5;

/** A CSS colour, resolving a custom property name against the document (its value follows the theme). */
function cssColor(value: string): string {
  if (!value.startsWith('--')) return value;
  return getComputedStyle(document.documentElement).getPropertyValue(value).trim() || '#888';
}

/**
 * A uPlot time-series chart that follows its container's width. uPlot draws on canvas imperatively, so
 * it lives in an effect and is rebuilt when the data, the theme or the text size change. Partial buckets
 * are taken out of the lines and drawn by a hook as dashed tails; a drag across the plot reports the
 * range under it instead of zooming the chart alone, so the zoom lands in the URL like any range.
 */
export function TimeSeriesChart({
  title,
  x,
  lines,
  formatValue,
  heightEm = 14.5,
  integers = false,
  partial = [],
  onZoom,
}: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const { theme } = useTheme();
  // The latest callback without rebuilding the chart when only the callback's identity changes.
  const zoomRef = useRef(onZoom);
  zoomRef.current = onZoom;
  const zoomable = onZoom !== undefined;

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const rootPx = parseFloat(getComputedStyle(document.documentElement).fontSize) || 15;
    const height = Math.round(heightEm * rootPx);
    const font = `${Math.round(rootPx * 0.8)}px system-ui, sans-serif`;
    const axis = cssColor('--chart-axis');
    const grid = cssColor('--chart-grid');
    const cut = new Set(partial);
    // Lines without their partial buckets; the full values stay for the hook and the legend.
    const solid = lines.map((l) =>
      l.reference ? l.values : l.values.map((v, i) => (cut.has(i) ? null : v)),
    );
    const maxAll = Math.max(0, ...lines.flatMap((l) => l.values.filter((v): v is number => v !== null)));
    const colors = lines.map((l) => cssColor(l.color));

    const drawPartial = (u: uPlot): void => {
      if (cut.size === 0) return;
      const ctx = u.ctx;
      const dpr = uPlot.pxRatio;
      ctx.save();
      ctx.beginPath();
      ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
      ctx.clip();
      lines.forEach((l, s) => {
        if (l.reference) return;
        for (const i of cut) {
          const v = l.values[i];
          if (v === null || v === undefined) continue;
          const px = u.valToPos(x[i] ?? 0, 'x', true);
          const py = u.valToPos(v, 'y', true);
          // The tail starts at the neighbour inside the window: the last whole bucket.
          const j = i === 0 ? 1 : i - 1;
          const w = l.values[j];
          ctx.strokeStyle = colors[s] ?? '#888';
          ctx.fillStyle = colors[s] ?? '#888';
          ctx.globalAlpha = 0.55;
          ctx.lineWidth = 2 * dpr;
          ctx.setLineDash([4 * dpr, 4 * dpr]);
          if (w !== null && w !== undefined && !cut.has(j)) {
            ctx.beginPath();
            ctx.moveTo(u.valToPos(x[j] ?? 0, 'x', true), u.valToPos(w, 'y', true));
            ctx.lineTo(px, py);
            ctx.stroke();
          }
          ctx.setLineDash([]);
          ctx.beginPath();
          ctx.arc(px, py, 3 * dpr, 0, 2 * Math.PI);
          ctx.fill();
        }
      });
      ctx.restore();
    };

    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      // Rates and latencies start at zero: an axis that starts elsewhere exaggerates small changes.
      scales: { x: { time: true }, y: { range: () => [0, maxAll > 0 ? maxAll * 1.1 : 1] } },
      series: [
        {},
        ...lines.map((l, s): uPlot.Series => ({
          label: l.label,
          stroke: colors[s],
          width: l.reference ? 1.5 : 2,
          ...(l.reference ? { dash: [6, 4], alpha: 0.7 } : {}),
          ...(l.fill && !l.reference ? { fill: `${colors[s]}22` } : {}),
          spanGaps: false,
          points: {
            size: 6,
            filter: (_u, _i, show) => (show ? null : isolatedIndices(solid[s] ?? [])),
          },
          value: (_u, v, _si, i) => {
            const full = i === null ? v : (l.values[i] ?? null);
            if (full === null || full === undefined) return '–';
            return i !== null && cut.has(i) && !l.reference
              ? `${formatValue(full)} (partial)`
              : formatValue(full);
          },
        })),
      ],
      axes: [
        // Sizes and label spacing follow the text size, so the wall's larger labels do not collide.
        {
          stroke: axis,
          font,
          grid: { stroke: grid },
          ticks: { stroke: grid },
          size: Math.round(rootPx * 3.4),
          space: Math.round(rootPx * 4.5),
        },
        {
          stroke: axis,
          font,
          grid: { stroke: grid },
          ticks: { stroke: grid },
          size: Math.round(rootPx * 4.8),
          space: Math.round(rootPx * 2),
          values: (_u, splits) => splits.map((v) => (integers && !Number.isInteger(v) ? '' : formatValue(v))),
        },
      ],
      cursor: { drag: { x: zoomable, y: false, setScale: false } },
      hooks: {
        draw: [drawPartial],
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            if (width >= MIN_DRAG_PX) zoomRef.current?.(u.posToVal(left, 'x'), u.posToVal(left + width, 'x'));
            if (width > 0) u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          },
        ],
      },
    };
    const data: uPlot.AlignedData = [x, ...solid];
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
  }, [x, lines, formatValue, heightEm, integers, partial, zoomable, theme]);

  return (
    <figure className={zoomable ? 'chart zoomable' : 'chart'} data-testid={TEST_IDS.chart}>
      <figcaption>{title}</figcaption>
      <div
        ref={ref}
        className="chart-canvas"
        title={zoomable ? 'Drag across the chart to zoom in' : undefined}
      />
    </figure>
  );
}
