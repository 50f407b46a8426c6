// An OTLP/JSON metrics request of one explicit-bounds histogram, as an SDK writes it: what the
// receiver's and the storage's tests send to see points decoded, stored and read back.

/** One data point, with times in epoch milliseconds. */
export interface HistogramPoint {
  attributes: Record<string, string>;
  startMs: number;
  timeMs: number;
  /** One count per bucket: one more than the bounds. */
  counts: number[];
  sum: number;
}

/** Nanoseconds since the epoch as OTLP/JSON writes them, from milliseconds. */
export const ns = (ms: number): string => (BigInt(ms) * 1_000_000n).toString();

/**
 * The JSON body of one export of histogram `name` from `service`: `temporality` 1 is delta, 2 cumulative.
 */
export function histogramRequest(
  service: string,
  name: string,
  bounds: number[],
  temporality: 1 | 2,
  points: HistogramPoint[],
): string {
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeMetrics: [
          {
            scope: { name: 'hand-written' },
            metrics: [
              {
                name,
                unit: 's',
                histogram: {
                  aggregationTemporality: temporality,
                  dataPoints: points.map((p) => ({
                    attributes: Object.entries(p.attributes).map(([key, v]) => ({
                      key,
                      value: { stringValue: v },
                    })),
                    startTimeUnixNano: ns(p.startMs),
                    timeUnixNano: ns(p.timeMs),
                    count: String(p.counts.reduce((a, b) => a + b, 0)),
                    sum: p.sum,
                    bucketCounts: p.counts.map(String),
                    explicitBounds: bounds,
                  })),
                },
              },
            ],
          },
        ],
      },
    ],
  });
}
