/**
 * The overview says where its figures come from, in a real browser against a real collector: an
 * instrumented agent that keeps one trace in ten (its own OpenTelemetry SDK, spans and histograms over
 * OTLP) calls the weather server; the overview reads its histograms and says so ("from metrics — traces
 * are sampled (≈1 in N)"), the root-cause panel says it counts the sampled traces only, and the switch
 * puts `source=spans` in the URL, after which the page says it reads traces. Screenshot:
 * test/artifacts/overview-source-metrics.png. Any console error or failed request fails the test.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OverviewResponse } from '@mcpscope/collector';
import { TEST_IDS } from '../../dashboard/src/testIds.js';
import { startCollector, waitFor, type TestCollector } from '../helpers/collector.js';
import { startSampledAgent, type SampledAgent } from '../helpers/sampledAgent.js';
import { launchDashboardBrowser, requireDashboardBuild, type TestBrowser } from './browser.js';
import { ARTIFACTS, byTestId } from './onCallHelpers.js';

const CALLS = 120;
const SERVICE = 'sampled-agent';
/** Waits on what the page shows after a round trip: generous, the machine is shared. */
const POLL = { timeout: 30_000 };

let collector: TestCollector;
let agent: SampledAgent;
let testBrowser: TestBrowser;
let page: Page;
let problems: string[] = [];
/** The calls the histograms count: every tool call and the handshake. */
let metricCalls = 0;

beforeAll(async () => {
  requireDashboardBuild();
  collector = await startCollector();
  agent = await startSampledAgent({
    collectorUrl: collector.url,
    service: SERVICE,
    serverService: 'sampled-weather',
    ratio: 0.1,
  });
  const started = Date.now();
  for (let i = 0; i < CALLS; i++)
    await agent.client.callTool(
      i % 6 === 5
        ? { name: 'explode', arguments: {} }
        : { name: 'get_weather', arguments: { city: 'Lisbon' } },
    );
  await agent.flush();
  await waitFor(
    async () => {
      const res = await fetch(
        `${collector.url}/api/overview?from=${started - 60_000}&to=${Date.now() + 60_000}&service=${SERVICE}`,
      );
      const o = (await res.json()) as OverviewResponse;
      metricCalls = o.source.metricCalls;
      return o.source.used === 'metrics' && o.source.spanCalls === agent.tracedCalls() && metricCalls > CALLS;
    },
    60_000,
    'the overview to read the sampled agent from its histograms',
  );
  testBrowser = await launchDashboardBrowser({ width: 1280, height: 720 });
  ({ page, problems } = testBrowser);
}, 240_000);

afterAll(async () => {
  await testBrowser?.close();
  await agent?.close();
  await collector?.stop();
});

describe('the overview source', () => {
  it('says the figures come from metrics because traces are sampled, and switches to traces', async () => {
    await page.goto(new URL(`/?range=1h&service=${SERVICE}`, collector.url).href);
    const note = page.locator(byTestId(TEST_IDS.overviewSource));
    await expect.poll(async () => note.getAttribute('data-source').catch(() => null), POLL).toBe('metrics');
    const text = await note.innerText();
    expect(text).toMatch(/^From metrics — traces are sampled \(≈1 in \d+\)/);
    // Every call counted: the requests tile shows the histograms' count, not the traced calls'.
    expect(agent.tracedCalls()).toBeLessThan(CALLS / 2);
    await expect
      .poll(
        async () =>
          page
            .locator(`${byTestId(TEST_IDS.overviewTotals)} .tile-value`)
            .first()
            .innerText(),
        POLL,
      )
      .toBe(String(metricCalls));
    await expect(page.locator(byTestId(TEST_IDS.rootCauseSourceNote)).innerText()).resolves.toMatch(
      /sampled traces/,
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'overview-source-metrics.png'), fullPage: true });

    await note.getByRole('link', { name: 'show traced calls only' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('source'), POLL).toBe('spans');
    await expect.poll(async () => note.getAttribute('data-source'), POLL).toBe('spans');
    await expect(note.innerText()).resolves.toMatch(/^From traces \(chosen\) — sampled/);
    await expect(page.locator(byTestId(TEST_IDS.rootCauseSourceNote)).count()).resolves.toBe(0);

    await note.getByRole('link', { name: 'choose automatically' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('source'), POLL).toBeNull();
    await expect.poll(async () => note.getAttribute('data-source'), POLL).toBe('metrics');
    expect(problems).toEqual([]);
  });
});
