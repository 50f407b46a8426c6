/**
 * Real metric data from the real OpenTelemetry metrics SDK: an MCP operation histogram recorded under
 * `series` distinct attribute sets (one data point each), collected on demand as the SDK's periodic
 * reader would before exporting.
 */
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

class CollectingReader extends MetricReader {
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}

/** One histogram point per series `i` (attribute `series.index`), each with one observation, as `service`. */
export async function recordSeries(service: string, series: number): Promise<ResourceMetrics> {
  const reader = new CollectingReader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    readers: [reader],
  });
  const histogram = provider
    .getMeter('@mcpscope/sdk', '0.1.0')
    .createHistogram('mcp.client.operation.duration', {
      unit: 's',
    });
  for (let i = 0; i < series; i++) {
    histogram.record(0.001 * (i + 1), { 'mcp.method.name': 'tools/call', 'series.index': String(i) });
  }
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}
