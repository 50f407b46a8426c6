import { useMemo } from 'react';
import type { SeriesPoint, TimeRange } from '../api/types.js';
import { formatCount, formatMs } from '../lib/format.js';
import { toChartSeries } from '../lib/series.js';
import { TEST_IDS } from '../testIds.js';
import { TimeSeriesChart, type ChartLine } from './TimeSeriesChart.js';

const fmtCount = (v: number): string => formatCount(v);
const fmtMs = (v: number): string => formatMs(v);

/** The two standard panels: requests and errors per minute, and p50/p95/p99 latency. */
export function SeriesCharts({ points, range }: { points: SeriesPoint[]; range?: TimeRange }) {
  const fromMs = range ? Date.parse(range.from) : Number.NaN;
  const toMs = range ? Date.parse(range.to) : Number.NaN;
  const series = useMemo(
    () =>
      toChartSeries(points, Number.isFinite(fromMs) && Number.isFinite(toMs) ? { fromMs, toMs } : undefined),
    [points, fromMs, toMs],
  );
  const traffic = useMemo<ChartLine[]>(
    () => [
      { label: 'requests', color: '#1d4ed8', values: series.count, fill: true },
      { label: 'errors', color: '#dc2626', values: series.errors, fill: true },
    ],
    [series],
  );
  const latency = useMemo<ChartLine[]>(
    () => [
      { label: 'p50', color: '#15803d', values: series.p50 },
      { label: 'p95', color: '#b45309', values: series.p95 },
      { label: 'p99', color: '#b91c1c', values: series.p99 },
    ],
    [series],
  );
  return (
    <div className="chart-grid" data-testid={TEST_IDS.overviewCharts}>
      <TimeSeriesChart
        title="Requests and errors per minute"
        x={series.x}
        lines={traffic}
        formatValue={fmtCount}
        integers
      />
      <TimeSeriesChart title="Latency p50 / p95 / p99" x={series.x} lines={latency} formatValue={fmtMs} />
    </div>
  );
}
