/**
 * One verdict per failed call, the right one, on every view — in a real browser against a real collector
 * fed by `mcpscope demo` (a real instrumented client and stdio server) and by a sender of traces with
 * several failed calls and a failing span that never arrives.
 *
 * The errors view groups the demo's card declines (a different customer id each time) as one message
 * template; the trace page of a downstream failure opens with the verdict on top and the failing span
 * selected; the overview, the trace list and the filters speak of the same root causes.
 * Any console error or failed request fails the test. Screenshots go to test/artifacts/.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorsResponse, TraceResponse, TracesResponse } from '../../collector/src/api/types.js';
import { TEST_IDS } from '../../dashboard/src/testIds.js';
import {
  COLLECTOR_CLI,
  REPO_ROOT,
  TS_NODE_ARGS,
  startCollector,
  waitFor,
  type TestCollector,
} from '../helpers/collector.js';
import { launchDashboardBrowser, requireDashboardBuild, type TestBrowser } from './browser.js';
import { ARTIFACTS, byTestId } from './onCallHelpers.js';
import { runSender } from './runSender.js';
import type { FailedCalls } from './sendFailedCalls.js';

const DECLINE_TEMPLATE = 'card declined for cus_{id}: amount over limit';
const DECLINE_MESSAGE = /^card declined for cus_\d+: amount over limit$/;

let collector: TestCollector;
let sent: FailedCalls;
let testBrowser: TestBrowser;
let page: Page;
let problems: string[] = [];

const api = async <T>(p: string): Promise<T> => {
  const res = await fetch(`${collector.url}${p}`);
  if (!res.ok) throw new Error(`${p}: HTTP ${res.status}`);
  return (await res.json()) as T;
};

/** `mcpscope demo` for a few seconds, as a newcomer runs it (see test/integration/demo.test.ts). */
async function runDemo(): Promise<void> {
  const child = spawn(
    process.execPath,
    [...TS_NODE_ARGS, COLLECTOR_CLI, 'demo', '--endpoint', collector.url, '--duration', '10', '--rate', '20'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, OTEL_BSP_SCHEDULE_DELAY: '100' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`mcpscope demo exited with ${code}:\n${output}`);
}

/** The demo's card declines as the errors API groups them, once at least two calls declined. */
const declineGroups = async (): Promise<ErrorsResponse['errors'] | undefined> => {
  const { errors } = await api<ErrorsResponse>('/api/errors?tool=charge_card');
  const groups = errors.filter((g) => g.message.startsWith('card declined'));
  return groups.reduce((n, g) => n + g.count, 0) >= 2 ? groups : undefined;
};

beforeAll(async () => {
  requireDashboardBuild();
  collector = await startCollector();
  await runDemo();
  sent = await runSender<FailedCalls>('sendFailedCalls.ts', [collector.url]);
  // Verdicts are decided after ingest: wait until every view can have them.
  await waitFor(declineGroups, 30_000, 'the card declines to be grouped');
  await waitFor(
    async () =>
      (await api<TracesResponse>('/api/traces?tool=get_alerts&fault=downstream&service=demo-agent')).traces
        .length > 0,
    30_000,
    'a downstream failure of get_alerts',
  );
  for (const t of [sent.twoFailures, sent.lostSpan]) {
    await waitFor(
      async () => {
        const r = await api<TraceResponse>(`/api/traces/${t.traceId}`);
        return r.spans.length === t.spanCount && r.rootCause !== null;
      },
      30_000,
      `trace ${t.traceId} and its verdict`,
    );
  }

  testBrowser = await launchDashboardBrowser({ width: 1280, height: 900 });
  ({ page, problems } = testBrowser);
}, 240_000);

afterAll(async () => {
  await testBrowser?.close();
  await collector?.stop();
});

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `rootcause-${name}.png`), fullPage: true });
}

/** The root-cause layers of the error-group rows. */
const faultsOf = async (rows: Locator): Promise<Set<string | null>> =>
  new Set(await rows.evaluateAll((els) => els.map((el) => el.getAttribute('data-fault'))));

const spanRow = (spanId: string): Locator =>
  page.locator(`${byTestId(TEST_IDS.spanRow)}[data-span-id="${spanId}"]`);

/** The failed downstream HTTP span of a trace: the demo's `GET /v1/alerts` that answered 503. */
function failedAlertsSpan(t: TraceResponse): string | undefined {
  return t.spans.find(
    (s) =>
      s.name === 'GET /v1/alerts' &&
      s.statusCode === 'Error' &&
      s.attributes['http.response.status_code'] === '503',
  )?.spanId;
}

describe('root cause in the dashboard', () => {
  it('groups the card declines of different customers as one error, its template shown', async () => {
    await page.goto(`${collector.url}/errors`);
    const table = page.locator(byTestId(TEST_IDS.errorGroupsTable));
    await table.waitFor({ timeout: 20_000 });
    const declines = table
      .locator(`${byTestId(TEST_IDS.errorGroupRow)}[data-tool="charge_card"]`)
      .filter({ hasText: 'card declined' });
    await expect.poll(() => declines.count()).toBe(1);
    const template = declines.locator(byTestId(TEST_IDS.errorTemplate));
    await expect(template.textContent()).resolves.toBe(DECLINE_TEMPLATE);
    // The full message of the latest decline is the template's tooltip.
    expect(await template.getAttribute('title')).toMatch(DECLINE_MESSAGE);
    await expect(declines.getAttribute('data-fault')).resolves.toBe('tool');
    // The count cell holds every decline, of more than one customer id.
    const counted = Number((await declines.locator('td.num').textContent())?.trim());
    const groups = (await declineGroups()) ?? [];
    expect(groups.map((g) => g.template)).toEqual([DECLINE_TEMPLATE]);
    expect(counted).toBe(groups[0]?.count);
    expect(counted).toBeGreaterThanOrEqual(2);
    // A sparkline of one point per bucket, drawn as a line.
    const points = await declines.locator(`${byTestId(TEST_IDS.sparkline)} polyline`).getAttribute('points');
    expect(points?.trim().split(/\s+/).length).toBeGreaterThanOrEqual(2);
    // Everything the demo did is inside the window: each group's first failure is new.
    await expect(declines.locator('.badge', { hasText: /^new$/ }).count()).resolves.toBe(1);
    await shot('errors');

    // The example trace opens with the span that explains the failure selected, and its verdict.
    const example = declines.locator(byTestId(TEST_IDS.errorExampleLink));
    const href = (await example.getAttribute('href')) ?? '';
    const spanId = new URL(href, collector.url).searchParams.get('span');
    expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    await example.click();
    await page.waitForURL(`**/traces/*?span=${spanId}`);
    const verdict = page.locator(byTestId(TEST_IDS.verdictBanner));
    await verdict.waitFor();
    await expect(verdict.getAttribute('data-layer')).resolves.toBe('tool');
    await expect.poll(() => spanRow(spanId ?? '').getAttribute('aria-selected')).toBe('true');
  });

  it('filters the errors by root cause, the filter kept in the URL', async () => {
    await page.goto(`${collector.url}/errors`);
    await page.locator(byTestId(TEST_IDS.errorGroupsTable)).waitFor({ timeout: 20_000 });
    await page.locator(byTestId(TEST_IDS.rootCauseFilter)).selectOption('downstream');
    await page.waitForURL('**/errors?fault=downstream');
    const rows = page.locator(byTestId(TEST_IDS.errorGroupRow));
    await expect.poll(async () => faultsOf(rows)).toEqual(new Set(['downstream']));
    await expect(rows.filter({ hasText: 'get_alerts' }).count()).resolves.toBeGreaterThan(0);

    // A reload keeps it: the URL is the state.
    await page.reload();
    await expect(page.locator(byTestId(TEST_IDS.rootCauseFilter)).inputValue()).resolves.toBe('downstream');
    await expect.poll(async () => faultsOf(rows)).toEqual(new Set(['downstream']));
  });

  it('opens a downstream failure with the verdict on top and the failing span selected', async () => {
    const { traces } = await api<TracesResponse>(
      '/api/traces?tool=get_alerts&fault=downstream&service=demo-agent',
    );
    const traceId = traces[0]?.traceId ?? '';
    const full = await api<TraceResponse>(`/api/traces/${traceId}`);
    const httpSpan = failedAlertsSpan(full);
    expect(httpSpan, 'a failed GET /v1/alerts span with status 503').toBeDefined();

    await page.goto(`${collector.url}/traces/${traceId}`);
    const verdict = page.locator(byTestId(TEST_IDS.verdictBanner));
    await verdict.waitFor({ timeout: 20_000 });
    await expect(verdict.getAttribute('data-layer')).resolves.toBe('downstream');
    const heading = ((await verdict.getByRole('heading').textContent()) ?? '').replace(/\s+/g, ' ');
    expect(heading).toBe('Failed in: downstream — GET /v1/alerts → 503');
    const text = (await verdict.textContent()) ?? '';
    expect(text).toContain('tools/call get_alerts on weather');
    expect(text).toContain('503');
    // The span is selected, its details open, and the URL says so.
    await page.waitForURL(`**/traces/${traceId}?span=${httpSpan}`);
    await expect.poll(() => spanRow(httpSpan ?? '').getAttribute('aria-selected')).toBe('true');
    const panel = page.locator(byTestId(TEST_IDS.spanPanel));
    await expect(panel.textContent()).resolves.toContain('GET /v1/alerts');
    await shot('trace-downstream');

    // A link that names another span keeps it: the verdict is still on top, the named span selected.
    const clientSpan = full.spans.find((s) => s.attributes['mcpscope.layer'] === 'client')?.spanId ?? '';
    await page.goto(`${collector.url}/traces/${traceId}?span=${clientSpan}`);
    await verdict.waitFor();
    await expect.poll(() => spanRow(clientSpan).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => spanRow(httpSpan ?? '').getAttribute('aria-selected')).toBe('false');
    expect(new URL(page.url()).searchParams.get('span')).toBe(clientSpan);
    // The banner brings the failing span back.
    await verdict.getByRole('button', { name: 'Select the failing span' }).click();
    await page.waitForURL(`**/traces/${traceId}?span=${httpSpan}`);
  });

  it('lets the user pick each failed call of a trace, with the keyboard too', async () => {
    const t = sent.twoFailures;
    await page.goto(`${collector.url}/traces/${t.traceId}`);
    const verdict = page.locator(byTestId(TEST_IDS.verdictBanner));
    await verdict.waitFor({ timeout: 20_000 });
    // The first failed call: the tool's own error, at its server span.
    await expect(verdict.getAttribute('data-layer')).resolves.toBe('tool');
    await page.waitForURL(`**/traces/${t.traceId}?span=${t.chargeServer}`);
    await expect(verdict.textContent()).resolves.toContain('2 failed calls');
    const calls = verdict.locator(byTestId(TEST_IDS.verdictCall));
    await expect(calls.count()).resolves.toBe(2);
    await expect(calls.nth(0).getAttribute('aria-pressed')).resolves.toBe('true');

    await calls.nth(1).click();
    await page.waitForURL(`**/traces/${t.traceId}?span=${t.alertsHttp}`);
    await expect.poll(() => verdict.getAttribute('data-layer')).toBe('downstream');
    await expect(verdict.getByRole('heading').textContent()).resolves.toContain('GET /v1/alerts → 503');
    await expect.poll(() => calls.nth(1).getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => spanRow(t.alertsHttp).getAttribute('aria-selected')).toBe('true');
    await shot('trace-two-failures');

    await calls.nth(0).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/traces/${t.traceId}?span=${t.chargeServer}`);
    await expect.poll(() => verdict.getAttribute('data-layer')).toBe('tool');
    await expect.poll(() => calls.nth(0).getAttribute('aria-pressed')).toBe('true');
  });

  it('shows the verdict but selects nothing when the failing span never arrived', async () => {
    const t = sent.lostSpan;
    await page.goto(`${collector.url}/traces/${t.traceId}`);
    const verdict = page.locator(byTestId(TEST_IDS.verdictBanner));
    await verdict.waitFor({ timeout: 20_000 });
    await expect(verdict.getAttribute('data-span-id')).resolves.toBe(t.lostSpanId);
    await expect(verdict.textContent()).resolves.toContain('has not arrived');
    await expect.poll(() => page.locator(byTestId(TEST_IDS.spanRow)).count()).toBe(t.spanCount);
    await expect(page.locator(`${byTestId(TEST_IDS.spanRow)}[aria-selected="true"]`).count()).resolves.toBe(
      0,
    );
    await expect(page.locator(byTestId(TEST_IDS.spanPanel)).count()).resolves.toBe(0);
    expect(new URL(page.url()).searchParams.has('span')).toBe(false);
  });

  it('shows no verdict on a trace where nothing failed', async () => {
    const { traces } = await api<TracesResponse>('/api/traces?tool=get_weather&status=ok&service=demo-agent');
    const ok = traces.find((t) => t.errorCount === 0 && !t.rootCauseLayer);
    expect(ok).toBeDefined();
    await page.goto(`${collector.url}/traces/${ok?.traceId ?? ''}`);
    await page.locator(byTestId(TEST_IDS.spanRow)).first().waitFor({ timeout: 20_000 });
    await expect(page.locator(byTestId(TEST_IDS.verdictBanner)).count()).resolves.toBe(0);
    expect(new URL(page.url()).searchParams.has('span')).toBe(false);
  });

  it('counts failed calls by root cause on the overview, each layer linking to its errors', async () => {
    await page.goto(`${collector.url}/`);
    const panel = page.locator(byTestId(TEST_IDS.overviewRootCauses));
    await panel.waitFor({ timeout: 20_000 });
    const layers = await panel
      .locator('a[data-layer]')
      .evaluateAll((els) => els.map((el) => el.getAttribute('data-layer')));
    expect(layers).toContain('tool');
    expect(layers).toContain('downstream');
    expect(layers).toContain('caller');
    await expect(panel.textContent()).resolves.toMatch(/downstream\s*\d+\s*[\d.<]+ %/);
    await shot('overview');

    await panel.locator('a[data-layer="downstream"]').click();
    await page.waitForURL('**/errors?fault=downstream');
    const rows = page.locator(byTestId(TEST_IDS.errorGroupRow));
    await rows.first().waitFor({ timeout: 20_000 });
    await expect.poll(async () => faultsOf(rows)).toEqual(new Set(['downstream']));
  });

  it('shows and filters the root cause in the trace list', async () => {
    // The demo's traces: one call each, so the trace's root cause is that call's. (A trace with several
    // failed calls matches a filter on any of them, and shows the first one's root cause.)
    await page.goto(`${collector.url}/traces?service=demo-agent&tool=get_alerts`);
    const rows = page.locator(byTestId(TEST_IDS.traceRow));
    // The first list has loaded (a new search would cancel its request, which counts as a failed one).
    await rows.first().waitFor({ timeout: 20_000 });
    const form = page.locator(byTestId(TEST_IDS.traceFilters));
    await form.locator('select[name="fault"]').selectOption('downstream');
    await form.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL('**/traces?service=demo-agent&tool=get_alerts&fault=downstream');
    // The column names each trace's root cause; once the filtered answer is in, only downstream is left.
    const causes = page.locator(`${byTestId(TEST_IDS.traceList)} tbody tr td:last-child`);
    await expect
      .poll(async () => new Set(await causes.evaluateAll((cells) => cells.map((c) => c.textContent?.trim()))))
      .toEqual(new Set(['downstream']));
    await shot('traces');
  });

  it('reported no console errors and no failed requests', () => {
    expect(problems).toEqual([]);
  });
});
