/**
 * The dashboard in a real browser against a real collector: a trace sent with the OpenTelemetry JS SDK
 * is found in trace search, opened as a waterfall, and its spans inspected; every other view renders.
 * Any console error or failed request fails the test. Screenshots go to test/artifacts/.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceResponse } from '../../collector/src/api/types.js';
import { TEST_IDS } from '../../dashboard/src/testIds.js';
import { startCollector, waitFor, type TestCollector } from '../helpers/collector.js';
import type { SentTrace } from './sendDemoTrace.js';
import type { LargeTrace } from './sendLargeTrace.js';
import { launchDashboardBrowser, requireDashboardBuild, type TestBrowser } from './browser.js';
import { ARTIFACTS, byTestId } from './onCallHelpers.js';
import { runSender } from './runSender.js';

let collector: TestCollector;
let sent: SentTrace;
let testBrowser: TestBrowser;
let page: Page;
/** Problems the page reported: console errors, uncaught exceptions, failed or refused requests. */
let problems: string[] = [];

beforeAll(async () => {
  requireDashboardBuild();
  collector = await startCollector();
  sent = await runSender<SentTrace>('sendDemoTrace.ts', [collector.url]);
  await waitForTrace(sent.traceId, sent.spanCount);

  testBrowser = await launchDashboardBrowser({ width: 1440, height: 900 });
  ({ page, problems } = testBrowser);
}, 180_000);

afterAll(async () => {
  await testBrowser?.close();
  await collector?.stop();
});

/** Waits until the collector returns every span of the trace. */
function waitForTrace(traceId: string, spanCount: number): Promise<boolean> {
  return waitFor(
    async () => {
      const res = await fetch(`${collector.url}/api/traces/${traceId}`);
      return res.ok && ((await res.json()) as TraceResponse).spans.length === spanCount;
    },
    30_000,
    `trace ${traceId} to be stored`,
  );
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true });
}

describe('dashboard in a real browser', () => {
  it('finds the trace, draws its waterfall and shows a span’s attributes', async () => {
    await page.goto(`${collector.url}/traces`);
    const row = page.locator(`${byTestId(TEST_IDS.traceRow)}[data-trace-id="${sent.traceId}"]`);
    await row.waitFor({ timeout: 20_000 });
    await expect(row.textContent()).resolves.toContain('agent turn');
    await expect(row.textContent()).resolves.toContain('e2e-agent');
    await shot('traces');

    await row.click();
    // The trace opens with the verdict on its failed call on top, and the span that decided it selected.
    const verdict = page.locator(byTestId(TEST_IDS.verdictBanner));
    await verdict.waitFor();
    await expect(verdict.getAttribute('data-layer')).resolves.toBe('tool');
    await page.waitForURL(`**/traces/${sent.traceId}?span=${sent.spans.chargeServer}`);
    const rows = page.locator(byTestId(TEST_IDS.spanRow));
    await rows.first().waitFor();
    await expect.poll(() => rows.count()).toBe(sent.spanCount);
    // Nested by parent: the server span sits under the transport span under the client span.
    const depthOf = async (spanId: string): Promise<number> => {
      const style = await page
        .locator(`${byTestId(TEST_IDS.spanRow)}[data-span-id="${spanId}"] [role="gridcell"]`)
        .first()
        .getAttribute('style');
      return Number(/padding-left:\s*([\d.]+)px/.exec(style ?? '')?.[1] ?? Number.NaN);
    };
    expect(await depthOf(sent.spans.weatherServer)).toBeGreaterThan(await depthOf(sent.spans.weatherClient));
    // Coloured by layer, and the failing spans are marked.
    await expect(
      page
        .locator(`${byTestId(TEST_IDS.spanRow)}[data-span-id="${sent.spans.weatherServer}"]`)
        .getAttribute('data-layer'),
    ).resolves.toBe('server');
    await expect(page.locator(`${byTestId(TEST_IDS.spanRow)}.error`).count()).resolves.toBe(2);
    await page.locator(byTestId(TEST_IDS.layerBreakdown)).waitFor();
    // The span whose parent never arrived is drawn at the root, marked.
    await expect(
      page.locator(`${byTestId(TEST_IDS.spanRow)}[data-span-id="${sent.spans.orphan}"]`).textContent(),
    ).resolves.toContain('orphan');
    await shot('trace');

    await page.locator(`${byTestId(TEST_IDS.spanRow)}[data-span-id="${sent.spans.weatherServer}"]`).click();
    await page.waitForURL(`**/traces/${sent.traceId}?span=${sent.spans.weatherServer}`);
    const attributes = page.locator(byTestId(TEST_IDS.spanAttributes));
    await attributes.waitFor();
    const text = (await attributes.textContent()) ?? '';
    expect(text).toContain('mcp.method.name');
    expect(text).toContain('tools/call');
    expect(text).toContain('gen_ai.tool.name');
    expect(text).toContain('get_weather');
    await expect(page.locator(byTestId(TEST_IDS.spanEvents)).textContent()).resolves.toContain(
      'mcp.progress',
    );
    const panelOfServer = (await page.locator(byTestId(TEST_IDS.spanPanel)).textContent()) ?? '';
    expect(panelOfServer).toContain('Captured payloads');
    expect(panelOfServer).toContain('Lisbon: 21°C, sunny');
    expect(panelOfServer).toContain('mcpscope.link.reason=tools/list');
    await page.locator(byTestId(TEST_IDS.attributeFilter)).fill('jsonrpc');
    await expect.poll(() => attributes.locator('tr').count()).toBe(1);
    await shot('trace-span');

    // The failing server span: the exception with its stack, and the layer at fault.
    await page.locator(`${byTestId(TEST_IDS.spanRow)}[data-span-id="${sent.spans.chargeServer}"]`).click();
    const panel = page.locator(byTestId(TEST_IDS.spanPanel));
    await expect.poll(async () => (await panel.textContent()) ?? '').toContain('card declined');
    const panelText = (await panel.textContent()) ?? '';
    expect(panelText).toContain('CardDeclinedError');
    expect(panelText).toContain('fault: tool');
    await shot('trace-error-span');
  });

  it('opens a span straight from its link', async () => {
    await page.goto(`${collector.url}/traces/${sent.traceId}?span=${sent.spans.chargeClient}`);
    await page.locator(byTestId(TEST_IDS.spanPanel)).waitFor();
    await expect(page.locator(byTestId(TEST_IDS.spanPanel)).textContent()).resolves.toContain(
      'tools/call charge_card',
    );
  });

  it('moves through the waterfall with the keyboard, the focus following the selection', async () => {
    await page.goto(`${collector.url}/traces/${sent.traceId}`);
    const row = (spanId: string) => page.locator(`${byTestId(TEST_IDS.spanRow)}[data-span-id="${spanId}"]`);
    const atSpan = (spanId: string) => page.waitForURL(`**/traces/${sent.traceId}?span=${spanId}`);
    const focusedAttribute = async (name: string) =>
      (await page.evaluate(`document.activeElement?.getAttribute('${name}') ?? null`)) as string | null;
    const focused = () => focusedAttribute('data-span-id');
    await row(sent.spans.weatherClient).click();
    await atSpan(sent.spans.weatherClient);
    // Client → its transport span → the server span: two presses, each from the row the last one focused.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await atSpan(sent.spans.weatherServer);
    await expect.poll(focused).toBe(sent.spans.weatherServer);
    // ← collapses the server span (it has a downstream child), a second ← goes up to its parent.
    await page.keyboard.press('ArrowLeft');
    await expect(row(sent.spans.weatherServer).getAttribute('aria-expanded')).resolves.toBe('false');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(focused).not.toBe(sent.spans.weatherServer);
    const parentLevel = await focusedAttribute('aria-level');
    const serverLevel = await row(sent.spans.weatherServer).getAttribute('aria-level');
    expect(Number(parentLevel)).toBe(Number(serverLevel) - 1);
    // ↓ back to the collapsed server span, → expands it; End and Home jump to the last and first rows.
    await page.keyboard.press('ArrowDown');
    await atSpan(sent.spans.weatherServer);
    await page.keyboard.press('ArrowRight');
    await expect(row(sent.spans.weatherServer).getAttribute('aria-expanded')).resolves.toBe('true');
    await page.keyboard.press('End');
    await atSpan(sent.spans.orphan);
    await page.keyboard.press('Home');
    await atSpan(sent.spans.root);
    await expect.poll(focused).toBe(sent.spans.root);
  });

  it('keeps a 2,000-span waterfall virtualized and scrolls to its last span', async () => {
    const large = await runSender<LargeTrace>('sendLargeTrace.ts', [collector.url, '50', '37']);
    await waitForTrace(large.traceId, large.spanCount);
    await page.goto(`${collector.url}/traces/${large.traceId}`);
    const rows = page.locator(byTestId(TEST_IDS.spanRow));
    await rows.first().waitFor();
    const rendered = await rows.count();
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(150);
    await page.locator(byTestId(TEST_IDS.waterfallScroll)).evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    const last = page.locator(`${byTestId(TEST_IDS.spanRow)}[data-span-id="${large.lastSpanId}"]`);
    await last.waitFor();
    await last.click();
    await expect
      .poll(async () => (await page.locator(byTestId(TEST_IDS.spanPanel)).textContent()) ?? '')
      .toContain('SELECT shard_36');
    expect(await rows.count()).toBeLessThan(150);
    await shot('trace-large');

    // A link to a span far down the trace opens scrolled to it.
    await page.goto(`${collector.url}/traces/${large.traceId}?span=${large.lastSpanId}`);
    await last.waitFor();
    await expect(last.getAttribute('aria-selected')).resolves.toBe('true');
  });

  it('renders the overview with totals, charts and the per-tool table', async () => {
    await page.goto(`${collector.url}/`);
    await page.locator(byTestId(TEST_IDS.overviewTotals)).waitFor({ timeout: 20_000 });
    await expect(page.locator(`${byTestId(TEST_IDS.chart)} canvas`).count()).resolves.toBe(3);
    const table = page.locator(byTestId(TEST_IDS.toolStatsTable));
    await expect(table.textContent()).resolves.toContain('get_weather');
    await expect(table.textContent()).resolves.toContain('charge_card');
    await shot('overview');

    await table.getByRole('link', { name: 'get_weather' }).first().click();
    await page.waitForURL('**/tools/weather/get_weather**');
    await page.locator(byTestId(TEST_IDS.histogram)).waitFor({ timeout: 20_000 });
    await shot('tool-detail');
  });

  it('renders the errors page with the failed call and its root cause', async () => {
    await page.goto(`${collector.url}/errors`);
    const table = page.locator(byTestId(TEST_IDS.errorGroupsTable));
    await table.waitFor({ timeout: 20_000 });
    const text = (await table.textContent()) ?? '';
    expect(text).toContain('charge_card');
    expect(text).toContain('tool_error');
    const charge = table.locator(`${byTestId(TEST_IDS.errorGroupRow)}[data-tool="charge_card"]`);
    await expect(charge.getAttribute('data-fault')).resolves.toBe('tool');
    await shot('errors');
  });

  it('renders the tool changes with flags and a diff', async () => {
    // Every page carries the alert: the demo's rug pull (no version bump) is a flagged change of today.
    await page.goto(`${collector.url}/errors`);
    const alert = page.locator(byTestId(TEST_IDS.toolChangeAlert));
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.textContent()).toMatch(/⚠ [1-9]\d*/);
    expect(await alert.getAttribute('title')).toMatch(
      /^[1-9]\d* flagged tool definition changes? in the last 24 hours$/,
    );
    await page.getByRole('link', { name: /Tool changes/ }).click();
    await page.waitForURL('**/tool-changes');
    const change = page.locator(byTestId(TEST_IDS.toolChange)).first();
    await change.waitFor({ timeout: 20_000 });
    const text = (await change.textContent()) ?? '';
    expect(text).toContain('get_weather');
    expect(text).toContain('no_version_bump');
    await expect(change.locator(`${byTestId(TEST_IDS.diff)} tr.add`).count()).resolves.toBeGreaterThan(0);
    await shot('tool-changes');
    await page.getByRole('button', { name: 'side by side' }).click();
    await page.waitForURL('**/tool-changes?diff=split');
    await change.locator(`${byTestId(TEST_IDS.diff)}.split`).waitFor();
    await shot('tool-changes-split');
  });

  it('reported no console errors and no failed requests', () => {
    expect(problems).toEqual([]);
  });
});
