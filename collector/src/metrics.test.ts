import { describe, expect, it } from 'vitest';
import { register } from 'prom-client';
import { createMetrics } from './metrics.js';

describe('createMetrics', () => {
  it('gives each collector its own registry with process and ingest metrics', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.spansRejected.inc({ reason: 'missing_name' }, 2);
    a.requests.inc({ code: '429' });
    a.queueSpans.set(7);
    a.ackSeconds.observe(0.004);
    const textA = await a.registry.metrics();
    const textB = await b.registry.metrics();
    expect(textA).toMatch(/mcpscope_spans_rejected_total\{reason="missing_name"\} 2/);
    expect(textA).toMatch(/mcpscope_otlp_requests_total\{code="429"\} 1/);
    expect(textA).toMatch(/mcpscope_queue_spans 7/);
    expect(textA).toMatch(/mcpscope_ack_duration_seconds_bucket\{le="0.005"\} 1/);
    expect(textA).toMatch(/nodejs_eventloop_lag_seconds/);
    expect(textB).not.toMatch(/reason="missing_name"/);
    expect(await register.getSingleMetric('mcpscope_spans_received_total')).toBeUndefined();
  });
});
