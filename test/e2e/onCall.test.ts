/**
 * The dashboard for the on-call engineer, in a real browser against a real collector fed with real
 * OpenTelemetry spans (sendDemoTrace, sendManyTraces, sendFailedCalls) and evaluating alert rules every
 * second: charts that zoom into the URL, the trace-id box, sorted and paged trace search by attribute,
 * an alert that fires and shows on the alerts page and in the navigation, the waterfall without
 * overlapping labels at 1280×720, the wall layout at 2560×1440, and the dark theme. Screenshots at
 * 1280×720 and 2560×1440, light and dark, go to test/artifacts/oncall-*.png. Any console error or failed
 * request fails the test.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertsResponse } from '@mcpscope/collector';
import type { TraceResponse, TracesResponse } from '../../collector/src/api/types.js';
import { TEST_IDS } from '../../dashboard/src/testIds.js';
import { startCollector, waitFor, type TestCollector } from '../helpers/collector.js';
import { launchDashboardBrowser, requireDashboardBuild, type TestBrowser } from './browser.js';
import {
  appliedTheme,
  ARTIFACTS,
  byTestId,
  intersects,
  screenshots,
  settle,
  waterfallGeometry,
  WebhookReceiver,
} from './onCallHelpers.js';
import { runSender } from './runSender.js';
import type { SentTrace } from './sendDemoTrace.js';
import type { FailedCalls } from './sendFailedCalls.js';
import type { ManyTraces } from './sendManyTraces.js';

const BATCH = 70;
/** Each test drives several pages and screenshots; the alerts test waits for an evaluation too. */
const TEST_TIMEOUT_MS = 120_000;
/** Waits on what the page shows after a round trip: generous, the machine is shared. */
const POLL = { timeout: 30_000 };

let collector: TestCollector;
let demo: SentTrace;
let batch: ManyTraces;
let failed: FailedCalls;
let testBrowser: TestBrowser;
let page: Page;
let problems: string[] = [];
let receiver: WebhookReceiver;
let brokenReceiver: WebhookReceiver;
/** A fixed window holding every trace sent, for lists that must not slide while the test runs. */
let windowQs: string;

async function api<T>(p: string, init?: RequestInit): Promise<T> {
  const res = await fetch(collector.url + p, init);
  if (!res.ok) throw new Error(`${p}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

beforeAll(async () => {
  requireDashboardBuild();
  collector = await startCollector({ env: { MCPSCOPE_ALERT_INTERVAL_S: '1' } });
  [demo, batch, failed] = await Promise.all([
    runSender<SentTrace>('sendDemoTrace.ts', [collector.url]),
    runSender<ManyTraces>('sendManyTraces.ts', [collector.url, String(BATCH)]),
    runSender<FailedCalls>('sendFailedCalls.ts', [collector.url]),
  ]);
  const now = Date.now();
  windowQs = `from=${new Date(now - 2 * 3_600_000).toISOString()}&to=${new Date(now + 600_000).toISOString()}`;
  await waitFor(
    async () => {
      const all = await api<TracesResponse>(
        `/api/traces?${windowQs}&attr=deployment.environment=${batch.environment}`,
      );
      const trace = await api<TraceResponse>(`/api/traces/${demo.traceId}`);
      return all.total === BATCH && trace.spans.length === demo.spanCount;
    },
    30_000,
    'the traces to be stored',
  );
  [receiver, brokenReceiver] = await Promise.all([
    new WebhookReceiver(200).start(),
    new WebhookReceiver(503).start(),
  ]);
  testBrowser = await launchDashboardBrowser({ width: 1280, height: 720 });
  ({ page, problems } = testBrowser);
}, 240_000);

afterAll(async () => {
  await testBrowser?.close();
  await collector?.stop();
  await Promise.all([receiver?.close(), brokenReceiver?.close()]);
});

const url = (p: string): URL => new URL(p, collector.url);
/** The trace list's rows, in a page script. */
const ROWS = `[...document.querySelectorAll('${byTestId(TEST_IDS.traceRow)}')]`;
const currentParams = (): URLSearchParams => new URL(page.url()).searchParams;

describe('charts that answer', () => {
  it(
    'labels buckets by their width, draws the error rate, trends per row, and zooms into the URL',
    async () => {
      await page.goto(url('/?range=1h').href);
      const charts = page.locator(byTestId(TEST_IDS.chart));
      await page
        .locator(`${byTestId(TEST_IDS.chart)} canvas`)
        .first()
        .waitFor({ timeout: 20_000 });
      await expect(charts.count()).resolves.toBe(3);
      const captions = await page.locator(`${byTestId(TEST_IDS.chart)} figcaption`).allTextContents();
      expect(captions).toEqual([
        'Requests per minute',
        'Error rate per minute, % of requests',
        'Latency p50 / p95 / p99 per minute',
      ]);
      // A sparkline in each row of the tools table.
      const table = page.locator(byTestId(TEST_IDS.toolStatsTable));
      const rows = await table.locator('tbody tr').count();
      expect(rows).toBeGreaterThan(0);
      await expect(table.locator(byTestId(TEST_IDS.sparkline)).count()).resolves.toBe(rows);
      await screenshots(page, 'overview');

      // Drag across the middle of the requests chart: the URL gets a fixed range inside the hour shown.
      const before = Date.now();
      const over = page.locator(`${byTestId(TEST_IDS.chart)} .u-over`).first();
      // The screenshots switched the theme back and forth: the charts were redrawn; take the new one.
      await settle(page);
      const box = await waitFor(() => over.boundingBox(), 20_000, 'the plot area');
      await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2, { steps: 8 });
      await page.mouse.up();
      await page.waitForURL((u) => u.searchParams.has('from') && u.searchParams.has('to'));
      const fromMs = Date.parse(currentParams().get('from') ?? '');
      const toMs = Date.parse(currentParams().get('to') ?? '');
      expect(currentParams().get('range')).toBeNull();
      // 40 % of an hour, give or take the plot's edges.
      expect(toMs - fromMs).toBeGreaterThan(15 * 60_000);
      expect(toMs - fromMs).toBeLessThan(30 * 60_000);
      expect(fromMs).toBeGreaterThan(before - 3_600_000 - 120_000);
      expect(toMs).toBeLessThan(Date.now());
      await page.locator(byTestId(TEST_IDS.overviewTotals)).waitFor();
      // Back undoes the zoom: the range was a URL change like any other.
      await page.goBack();
      await page.waitForURL((u) => u.searchParams.get('range') === '1h');

      await page.goto(url('/?range=7d').href);
      await expect
        .poll(
          () =>
            page
              .locator(`${byTestId(TEST_IDS.chart)} figcaption`)
              .first()
              .textContent(),
          POLL,
        )
        .toBe('Requests per hour');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'filters by server and tool from selects filled with the data, and overlays the previous period',
    async () => {
      await page.goto(url('/?range=1h').href);
      const server = page.locator(byTestId(TEST_IDS.serverFilter));
      await server.waitFor();
      await expect.poll(() => server.locator('option').allTextContents(), POLL).toContain('inventory');
      await server.selectOption('inventory');
      await page.waitForURL((u) => u.searchParams.get('server') === 'inventory');
      const tool = page.locator(byTestId(TEST_IDS.toolFilter));
      await expect
        .poll(() => tool.locator('option').allTextContents(), POLL)
        .toEqual(['all tools', 'get_item', 'list_items']);
      await tool.selectOption('get_item');
      await page.waitForURL((u) => u.searchParams.get('tool') === 'get_item');
      const table = page.locator(byTestId(TEST_IDS.toolStatsTable));
      await expect
        .poll(
          async () =>
            new Set(
              (await table.locator('tbody tr td:nth-child(2) a').allTextContents()).map((t) => t.trim()),
            ),
          POLL,
        )
        .toEqual(new Set(['get_item']));
      // The other server is still offered while this one is chosen.
      await expect.poll(() => server.locator('option').allTextContents(), POLL).toContain('weather');

      await page.locator(byTestId(TEST_IDS.compareToggle)).check();
      await page.waitForURL((u) => u.searchParams.get('compare') === 'previous');
      await expect
        .poll(() => page.locator('.u-legend').first().textContent(), POLL)
        .toContain('requests, previous');
      await expect(page.locator('.tile-previous').count()).resolves.toBe(5);
      await screenshots(page, 'overview-compare');
    },
    TEST_TIMEOUT_MS,
  );
});

describe('search that finds', () => {
  it(
    'opens a pasted trace id from the box on any page, and says what is wrong with a bad one',
    async () => {
      await page.goto(url('/errors').href);
      const input = page.locator(byTestId(TEST_IDS.traceIdInput));
      await input.fill('not-a-trace');
      await input.press('Enter');
      await expect(page.locator(byTestId(TEST_IDS.traceIdError)).textContent()).resolves.toMatch(
        /0–9 and a–f/,
      );
      expect(new URL(page.url()).pathname).toBe('/errors');
      await input.fill('');
      // A paste opens the trace at once, as an engineer does with an id from a log line.
      await input.focus();
      await page.evaluate(`(() => {
      const dt = new DataTransfer();
      dt.setData('text/plain', ' ${demo.traceId.toUpperCase()} ');
      document.activeElement.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    })()`);
      await page.waitForURL(`**/traces/${demo.traceId}**`);
      await page.locator(byTestId(TEST_IDS.spanRow)).first().waitFor();
      await expect(page.locator(byTestId(TEST_IDS.traceIdError)).count()).resolves.toBe(0);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'sorts the list by duration and span count, both ways',
    async () => {
      await page.goto(url(`/traces?${windowQs}`).href);
      const rows = page.locator(byTestId(TEST_IDS.traceRow));
      await rows.first().waitFor({ timeout: 20_000 });
      const column = (attr: string) =>
        page.evaluate(`${ROWS}.map((e) => Number(e.dataset.${attr}))`) as Promise<number[]>;
      await page.locator('button[data-sort="duration"]').click();
      await page.waitForURL((u) => u.searchParams.get('sort') === 'duration' && !u.searchParams.has('order'));
      await expect
        .poll(() => page.locator(byTestId(TEST_IDS.traceCount)).textContent(), POLL)
        .toContain('slowest first');
      const desc = await column('durationMs');
      expect(desc).toEqual([...desc].sort((a, b) => b - a));
      expect(desc[0]).toBeGreaterThan(desc[desc.length - 1] ?? Infinity);
      await page.locator('button[data-sort="duration"]').click();
      await page.waitForURL((u) => u.searchParams.get('order') === 'asc');
      await expect
        .poll(() => page.locator(byTestId(TEST_IDS.traceCount)).textContent(), POLL)
        .toContain('fastest first');
      const asc = await column('durationMs');
      expect(asc).toEqual([...asc].sort((a, b) => a - b));
      await page.locator('button[data-sort="spans"]').click();
      await expect
        .poll(() => page.locator(byTestId(TEST_IDS.traceCount)).textContent(), POLL)
        .toContain('most spans first');
      const spans = await column('spanCount');
      expect(spans).toEqual([...spans].sort((a, b) => b - a));
      expect(spans[0]).toBe(demo.spanCount);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'says "showing 50 of N" and loads more on demand',
    async () => {
      await page.goto(url(`/traces?${windowQs}`).href);
      const { total } = await api<TracesResponse>(`/api/traces?${windowQs}`);
      expect(total).toBeGreaterThan(BATCH);
      const count = page.locator(byTestId(TEST_IDS.traceCount));
      await expect.poll(() => count.textContent(), POLL).toBe(`Showing 50 of ${total} traces, newest first`);
      await expect(page.locator(byTestId(TEST_IDS.traceRow)).count()).resolves.toBe(50);
      await screenshots(page, 'traces');
      await page.locator(byTestId(TEST_IDS.loadMore)).click();
      const shown = Math.min(100, total);
      await expect.poll(() => page.locator(byTestId(TEST_IDS.traceRow)).count(), POLL).toBe(shown);
      await expect(count.textContent()).resolves.toBe(
        shown < total ? `Showing ${shown} of ${total} traces, newest first` : `${total} traces, newest first`,
      );
      expect(currentParams().get('limit')).toBe('100');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'finds a trace by a span attribute and narrows by a resource attribute',
    async () => {
      await page.goto(url(`/traces?${windowQs}`).href);
      const input = page.locator(byTestId(TEST_IDS.attributeInput));
      await input.fill('no value here');
      await input.press('Enter');
      await expect(page.locator(byTestId(TEST_IDS.attributeError)).textContent()).resolves.toMatch(
        /key=value/,
      );
      await input.fill('e2e.batch.index=17');
      await input.press('Enter');
      await page.waitForURL((u) => u.searchParams.getAll('attr').includes('e2e.batch.index=17'));
      await expect
        .poll(() => page.evaluate(`${ROWS}.map((e) => e.dataset.traceId)`), POLL)
        .toEqual([batch.traceIds[17]]);
      await expect(page.locator(byTestId(TEST_IDS.attributeChip)).textContent()).resolves.toContain(
        'e2e.batch.index=17',
      );
      // Swap it for the process's resource attribute: every trace of the batch, and nothing else.
      await page.locator(byTestId(TEST_IDS.attributeChip)).click();
      await input.fill(`deployment.environment=${batch.environment}`);
      await input.press('Enter');
      await expect
        .poll(() => page.locator(byTestId(TEST_IDS.traceCount)).textContent(), POLL)
        .toBe(`Showing 50 of ${BATCH} traces, newest first`);
      const shownIds = (await page.evaluate(`${ROWS}.map((e) => e.dataset.traceId)`)) as string[];
      expect(shownIds.every((id) => batch.traceIds.includes(id))).toBe(true);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('the trace page at 1280×720', () => {
  it(
    'keeps span names and durations apart with the span panel open',
    async () => {
      for (const [traceId, spanId] of [
        [demo.traceId, demo.spans.weatherServer],
        [failed.twoFailures.traceId, failed.twoFailures.chargeServer],
      ] as const) {
        await page.setViewportSize({ width: 1280, height: 720 });
        await page.goto(url(`/traces/${traceId}?span=${spanId}`).href);
        await page.locator(byTestId(TEST_IDS.spanPanel)).waitFor({ timeout: 20_000 });
        await page.locator(byTestId(TEST_IDS.spanRow)).first().waitFor();
        await settle(page);
        const rows = await waterfallGeometry(page);
        expect(rows.length).toBeGreaterThan(3);
        for (const r of rows) {
          if (!r.name || !r.duration || !r.timeline)
            throw new Error(`row ${r.spanId} lacks a name or a duration`);
          expect(intersects(r.name, r.duration), `span ${r.spanId}: name and duration overlap`).toBe(false);
          // The label lies wholly inside the timeline column: nothing of it is clipped or over the names.
          expect(r.duration.left, `span ${r.spanId}`).toBeGreaterThanOrEqual(r.timeline.left - 0.5);
          expect(r.duration.right, `span ${r.spanId}`).toBeLessThanOrEqual(r.timeline.right + 0.5);
        }
      }
      await screenshots(page, 'trace-panel', { fullPage: false });
    },
    TEST_TIMEOUT_MS,
  );
});

describe('alerts', () => {
  it(
    'lists a firing error-rate rule, counts it in the navigation, and shows failed deliveries',
    async () => {
      const rule = (name: string, hook: string) => ({
        name,
        scope: {},
        metric: 'error_rate',
        op: '>',
        threshold: 0.001,
        windowSeconds: 900,
        webhook: { url: hook, format: 'alertmanager' },
        severity: 'critical',
      });
      const post = (body: unknown) =>
        api<{ id: string }>('/api/alert-rules', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
      const firing = await post(rule('MCP calls failing', receiver.url));
      const broken = await post(rule('Failing to a broken pager', brokenReceiver.url));
      await waitFor(
        async () => {
          const a = await api<AlertsResponse>('/api/alerts');
          const ids = new Set(a.firing.map((f) => f.ruleId));
          return ids.has(firing.id) && ids.has(broken.id);
        },
        60_000,
        'both rules to fire',
      );

      await page.goto(url('/alerts').href);
      const firingRow = page.locator(`${byTestId(TEST_IDS.alertFiring)}[data-rule-id="${firing.id}"]`);
      await firingRow.waitFor({ timeout: 20_000 });
      await expect(firingRow.textContent()).resolves.toContain('error rate > 0.1 % over 15 minutes');
      const badge = page.locator(byTestId(TEST_IDS.firingAlerts));
      await expect.poll(() => badge.textContent(), POLL).toMatch(/^[2-9]\d* firing/);
      const rules = page.locator(byTestId(TEST_IDS.alertRule));
      await expect(
        page
          .locator(`${byTestId(TEST_IDS.alertRule)}[data-rule-id="${firing.id}"]`)
          .getAttribute('data-status'),
      ).resolves.toBe('firing');
      await page.locator(byTestId(TEST_IDS.failedDeliveries)).waitFor({ timeout: 30_000 });
      await expect(page.locator(byTestId(TEST_IDS.failedDeliveries)).textContent()).resolves.toContain(
        'Failing to a broken pager',
      );
      expect(receiver.bodies.length).toBeGreaterThan(0);

      // Mute from the page: notifications held back, the rule marked.
      const row = page.locator(`${byTestId(TEST_IDS.alertRule)}[data-rule-id="${broken.id}"]`);
      await row.getByRole('button', { name: 'Mute 1 h' }).click();
      await expect.poll(() => row.textContent(), POLL).toContain('muted');
      await screenshots(page, 'alerts');

      // A rule made with the form, then deleted with the two-step button.
      const form = page.locator(byTestId(TEST_IDS.alertRuleForm));
      await form.locator('input[name="name"]').fill('p95 of inventory');
      await form.locator('select[name="metric"]').selectOption('p95_ms');
      await form.locator('input[name="threshold"]').fill('2000');
      await form.locator('input[name="server"]').fill('inventory');
      await form.locator('input[name="webhookUrl"]').fill(receiver.url);
      const before = await rules.count();
      await form.getByRole('button', { name: 'Create rule' }).click();
      await expect.poll(() => rules.count(), POLL).toBe(before + 1);
      const made = rules.filter({ hasText: 'p95 of inventory' });
      await expect(made.textContent()).resolves.toContain('p95 latency > 2 s over 5 minutes');
      await made.getByRole('button', { name: 'Delete' }).click();
      await made.getByRole('button', { name: 'Delete for good' }).click();
      await expect.poll(() => rules.count(), POLL).toBe(before);
    },
    TEST_TIMEOUT_MS,
  );
});

describe('a screen for the wall', () => {
  it(
    'fills 2560×1440 with larger type, no hand controls, auto-refresh on, the toolbar at the right edge',
    async () => {
      await page.setViewportSize({ width: 2560, height: 1440 });
      await page.goto(url('/?wall=1&range=1h').href);
      await page
        .locator(`${byTestId(TEST_IDS.chart)} canvas`)
        .first()
        .waitFor({ timeout: 20_000 });
      // The page's width less a scrollbar, if one shows; the wall's padding is 32 px a side.
      const inner = (await page.evaluate('document.documentElement.clientWidth')) as number;
      const view = await page.locator(byTestId(TEST_IDS.overview)).boundingBox();
      expect(view?.width).toBeGreaterThanOrEqual(inner - 2 * 32 - 1);
      const toolbar = await page.locator('.view-header .toolbar').boundingBox();
      expect((toolbar?.x ?? 0) + (toolbar?.width ?? 0)).toBeGreaterThan(inner - 32 - 2);
      expect(await page.evaluate('getComputedStyle(document.documentElement).fontSize')).toBe('22px');
      const tileFont = (await page.evaluate(
        `parseFloat(getComputedStyle(document.querySelector('.tile-value')).fontSize)`,
      )) as number;
      expect(tileFont).toBeGreaterThanOrEqual(60);
      await expect(page.locator(byTestId(TEST_IDS.traceIdBox)).isVisible()).resolves.toBe(false);
      await expect(page.locator(byTestId(TEST_IDS.refreshPicker)).count()).resolves.toBe(0);
      await expect(page.locator('.view-header .toolbar').textContent()).resolves.toContain(
        'refreshes every 30s',
      );
      // Navigation keeps the wall.
      await expect(page.getByRole('link', { name: /^Traces/ }).getAttribute('href')).resolves.toContain(
        'wall=1',
      );
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await settle(page);
        expect(await appliedTheme(page)).toBe(scheme);
        await page.screenshot({ path: path.join(ARTIFACTS, `oncall-wall-2560x1440-${scheme}.png`) });
      }
      await page.emulateMedia({ colorScheme: 'light' });
      // Without the wall, at the same size, the toolbar reaches the right edge too (no fixed max-width).
      await page.goto(url('/?range=1h').href);
      await page.locator(byTestId(TEST_IDS.overviewTotals)).waitFor();
      const plainInner = (await page.evaluate('document.documentElement.clientWidth')) as number;
      const plain = await page.locator('.view-header .toolbar').boundingBox();
      expect((plain?.x ?? 0) + (plain?.width ?? 0)).toBeGreaterThan(plainInner - 24 - 2);
      await page.setViewportSize({ width: 1280, height: 720 });
    },
    TEST_TIMEOUT_MS,
  );
});

describe('themes', () => {
  it(
    'follows prefers-color-scheme, and the toggle overrides it and is remembered',
    async () => {
      await page.goto(url('/errors').href);
      await page.emulateMedia({ colorScheme: 'dark' });
      await expect.poll(() => appliedTheme(page), POLL).toBe('dark');
      await page.emulateMedia({ colorScheme: 'light' });
      await expect.poll(() => appliedTheme(page), POLL).toBe('light');
      const toggle = page.locator(byTestId(TEST_IDS.themeToggle));
      await toggle.click();
      await expect.poll(() => appliedTheme(page), POLL).toBe('dark');
      await expect(toggle.getAttribute('data-choice')).resolves.toBe('dark');
      await page.reload();
      await expect.poll(() => appliedTheme(page), POLL).toBe('dark');
      expect(await page.evaluate(`localStorage.getItem('mcpscope.theme')`)).toBe('dark');
      // Back to following the system.
      while ((await toggle.getAttribute('data-choice')) !== 'system') await toggle.click();
      expect(await page.evaluate(`localStorage.getItem('mcpscope.theme')`)).toBeNull();
      expect(problems).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});
