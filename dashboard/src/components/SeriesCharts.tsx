import { useMemo } from 'react';
import type { SeriesPoint, TimeRange } from '../api/types.js';
import { perBucket } from '../lib/bucketWording.js';
import { formatCount, formatMs, formatPercent } from '../lib/format.js';
import { alignPrevious, toChartSeries } from '../lib/series.js';
import { TEST_IDS } from '../testIds.js';
import { TimeSeriesChart, type ChartLine } from './TimeSeriesChart.js';

const fmtCount = (v: number): string => formatCount(v);
const fmtMs = (v: number): string => formatMs(v);
const fmtPct = (v: number): string => formatPercent(v / 100);

interface Props {
  points: SeriesPoint[];
  range?: TimeRange;
  /** Width of a bucket (the API's `bucketSeconds`). Default a minute. */
  bucketSeconds?: number;
  /** The previous window's points, drawn dashed over the current ones. */
  previous?: { range: TimeRange; series: SeriesPoint[] };
  /** Drag-to-zoom: the selected x values (unix seconds). */
  onZoom?: (fromSec: number, toSec: number) => void;
  /** Taller charts (the wall layout). */
  tall?: boolean;
}

/**
 * The three standard panels, each labelled with the bucket it counts: requests, the error rate in
 * percent of requests, and p50/p95/p99 latency; with `previous`, the window before drawn dashed.
 */
export function SeriesCharts({ points, range, bucketSeconds = 60, previous, onZoom, tall }: Props) {
  const fromMs = range ? Date.parse(range.from) : Number.NaN;
  const toMs = range ? Date.parse(range.to) : Number.NaN;
  const stepMs = bucketSeconds * 1000;
  const series = useMemo(
    () =>
      toChartSeries(points, {
        stepMs,
        ...(Number.isFinite(fromMs) && Number.isFinite(toMs) ? { range: { fromMs, toMs } } : {}),
      }),
    [points, fromMs, toMs, stepMs],
  );
  const before = useMemo(() => {
    if (!previous) return undefined;
    // The previous window ends where this one starts: shifting by its length lays it over this one.
    const shift = fromMs - Date.parse(previous.range.from);
    return alignPrevious(series.x, previous.series, shift, stepMs);
  }, [previous, series, fromMs, stepMs]);

  const traffic = useMemo<ChartLine[]>(
    () => [
      { label: 'requests', color: '--chart-requests', values: series.count, fill: true },
      { label: 'failed', color: '--chart-errors', values: series.errors, fill: true },
      ...(before
        ? [{ label: 'requests, previous', color: '--chart-previous', values: before.count, reference: true }]
        : []),
    ],
    [series, before],
  );
  const errorRate = useMemo<ChartLine[]>(
    () => [
      { label: 'error rate', color: '--chart-errors', values: series.errorPct },
      ...(before
        ? [
            {
              label: 'error rate, previous',
              color: '--chart-previous',
              values: before.errorPct,
              reference: true,
            },
          ]
        : []),
    ],
    [series, before],
  );
  const latency = useMemo<ChartLine[]>(
    () => [
      { label: 'p50', color: '--chart-p50', values: series.p50 },
      { label: 'p95', color: '--chart-p95', values: series.p95 },
      { label: 'p99', color: '--chart-p99', values: series.p99 },
      ...(before
        ? [{ label: 'p95, previous', color: '--chart-previous', values: before.p95, reference: true }]
        : []),
    ],
    [series, before],
  );
  const per = perBucket(bucketSeconds);
  const heightEm = tall ? 16 : 14.5;
  const common = { x: series.x, partial: series.partial, heightEm, ...(onZoom ? { onZoom } : {}) };
  return (
    <div className="chart-grid" data-testid={TEST_IDS.overviewCharts} data-bucket-seconds={bucketSeconds}>
      <TimeSeriesChart
        {...common}
        title={`Requests ${per}`}
        lines={traffic}
        formatValue={fmtCount}
        integers
      />
      <TimeSeriesChart
        {...common}
        title={`Error rate ${per}, % of requests`}
        lines={errorRate}
        formatValue={fmtPct}
      />
      <TimeSeriesChart
        {...common}
        title={`Latency p50 / p95 / p99 ${per}`}
        lines={latency}
        formatValue={fmtMs}
      />
    </div>
  );
}
