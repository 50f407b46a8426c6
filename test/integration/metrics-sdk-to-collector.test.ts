/**
 * Issue #11, part 2, end to end on real parts: the SDK's own `startTracing` exports the MCP histograms
 * (OTLP/HTTP protobuf, cumulative temporality, the SDK's defaults) to `POST /v1/metrics` of a real
 * collector (child process, embedded ClickHouse); an instrumented client in this process calls an
 * instrumented server in a child process over stdio; the stored histograms are read back through the
 * query API: the client's and the server's, per tool, with failed calls counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { instrumentClient, startTracing } from '@mcpscope/sdk';
import type { MetricHistogramResponse, MetricsResponse } from '@mcpscope/collector';
import { startCollector, waitFor, type TestCollector } from '../helpers/collector.js';
import { fixtureEnv, fixtureLaunch, WEATHER_SERVER } from '../helpers/fixtureServer.js';

const CLIENT_HISTOGRAM = 'mcp.client.operation.duration';
const SERVER_HISTOGRAM = 'mcp.server.operation.duration';

let collector: TestCollector;
let tracing: ReturnType<typeof startTracing>;
let client: Client;
const started = Date.now();

beforeAll(async () => {
  collector = await startCollector();
  // A long interval: this test decides when the client's metrics are exported (forceFlush).
  tracing = startTracing({
    serviceName: 'metrics-agent',
    endpoint: collector.url,
    exportIntervalMs: 600_000,
  });
  client = instrumentClient(new Client({ name: 'metrics-agent', version: '1.0.0' }));
  await client.connect(
    new StdioClientTransport(
      fixtureLaunch(
        WEATHER_SERVER,
        [],
        // The server exports on its own schedule, every half second.
        fixtureEnv(collector.url, 'metrics-weather-server', { OTEL_METRIC_EXPORT_INTERVAL: '500' }),
      ),
    ),
  );
});

afterAll(async () => {
  await client?.close();
  await tracing?.shutdown();
  await collector?.stop();
});

async function api<T>(pathAndQuery: string): Promise<T> {
  const res = await fetch(`${collector.url}${pathAndQuery}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as T;
}

const histogram = (name: string, query: string) =>
  api<MetricHistogramResponse>(
    `/api/metrics/histogram?name=${name}&from=${started - 60_000}&to=${Date.now() + 60_000}&${query}`,
  );

async function calls(tool: string, n: number, args: Record<string, unknown> = {}): Promise<void> {
  for (let i = 0; i < n; i++) await client.callTool({ name: tool, arguments: args });
}

describe("the SDK's metrics in the collector", () => {
  it('stores the client histogram startTracing exports and answers per-tool counts and percentiles', async () => {
    await calls('get_weather', 5, { city: 'Lisbon' });
    await calls('explode', 1);
    await tracing.forceFlush();

    const { metrics } = await api<MetricsResponse>(
      `/api/metrics?from=${started - 60_000}&to=${Date.now() + 60_000}&service=metrics-agent`,
    );
    expect(metrics.find((m) => m.name === CLIENT_HISTOGRAM)).toMatchObject({
      type: 'histogram',
      unit: 's',
      services: ['metrics-agent'],
    });

    const weather = await histogram(CLIENT_HISTOGRAM, 'service=metrics-agent&tool=get_weather');
    expect(weather.series).toBe(1);
    expect(weather.total).toMatchObject({ count: 5, errors: 0 });
    const { p50, p95, p99 } = weather.total;
    expect(p50).not.toBeNull();
    expect(p50! > 0 && p50! <= p95! && p95! <= p99!).toBe(true);
    const exploded = await histogram(CLIENT_HISTOGRAM, 'service=metrics-agent&tool=explode');
    expect(exploded.total).toMatchObject({ count: 1, errors: 1 });
  });

  it('counts the calls since the previous export from the next cumulative point, once each', async () => {
    await calls('get_weather', 3, { city: 'Porto' });
    await tracing.forceFlush();
    const weather = await histogram(CLIENT_HISTOGRAM, 'service=metrics-agent&tool=get_weather');
    // Two cumulative points of one series (5, then 8 calls since the client started): 5 + 3.
    expect(weather.total.count).toBe(8);
    expect(weather.points.reduce((sum, p) => sum + p.count, 0)).toBe(8);
  });

  it("stores the server's histogram, exported from its own process", async () => {
    const server = await waitFor(
      async () => {
        const h = await histogram(SERVER_HISTOGRAM, 'service=metrics-weather-server&tool=get_weather');
        return h.total.count === 8 ? h : undefined;
      },
      30_000,
      'the server histogram to count 8 get_weather calls',
    );
    expect(server.unit).toBe('s');
    expect(server.total.p50).not.toBeNull();
  });
});
