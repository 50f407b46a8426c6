/**
 * The dashboard under the collector's Content-Security-Policy, in Chromium: every view renders and its
 * charts draw, and the browser reports no policy violation (`securitypolicyviolation` events, recorded
 * from before the page's own scripts run) and no console error. The policy forbids inline scripts and
 * styles; React and uPlot style elements through the CSSOM, which the policy allows.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TraceResponse } from '../../collector/src/api/types.js';
import { TEST_IDS } from '../../dashboard/src/testIds.js';
import { startCollector, waitFor, type TestCollector } from '../helpers/collector.js';
import type { SentTrace } from './sendDemoTrace.js';
import { launchBrowser, requireDashboardBuild, type TestBrowser } from './browser.js';
import { byTestId } from './onCallHelpers.js';
import { runSender } from './runSender.js';

let collector: TestCollector;
let sent: SentTrace;
let testBrowser: TestBrowser;
let page: Page;
let problems: string[] = [];

beforeAll(async () => {
  requireDashboardBuild();
  collector = await startCollector();
  sent = await runSender<SentTrace>('sendDemoTrace.ts', [collector.url]);
  await waitFor(
    async () => {
      const res = await fetch(`${collector.url}/api/traces/${sent.traceId}`);
      return res.ok && ((await res.json()) as TraceResponse).spans.length === sent.spanCount;
    },
    30_000,
    'the demo trace to be stored',
  );
  testBrowser = await launchBrowser({ width: 1280, height: 900 });
  ({ page, problems } = testBrowser);
  // Recorded from before the page's own scripts run. (Scripts for the page are strings here: the
  // test project compiles without the DOM library.)
  await page.addInitScript(`
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.cspViolations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') +
        ' (' + e.sourceFile + ':' + e.lineNumber + ')');
    });
  `);
}, 180_000);

afterAll(async () => {
  await testBrowser?.close();
  await collector?.stop();
});

const violations = (p: Page): Promise<string[]> => p.evaluate('window.cspViolations') as Promise<string[]>;

/** Pixels of the first chart's canvas that are not transparent: uPlot drew something. */
const INKED_PIXELS = `(() => {
  const c = document.querySelector('[data-testid="${TEST_IDS.chart}"] canvas');
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
  return n;
})()`;

describe('dashboard under the Content-Security-Policy', () => {
  it('is served with the policy', async () => {
    const res = await page.goto(`${collector.url}/`);
    await page.waitForLoadState('networkidle');
    const headers = res?.headers() ?? {};
    expect(headers['content-security-policy']).toMatch(/script-src 'self'; style-src 'self'/);
    expect(headers['x-frame-options']).toBe('DENY');
  });

  it('renders every view, charts drawn, without a violation', async () => {
    const views: [string, string, () => Promise<void>][] = [
      [
        '/',
        TEST_IDS.overviewTotals,
        async () => {
          // uPlot sizes its canvas through element styles: drawn at a real size, styles applied.
          const canvas = page.locator(`${byTestId(TEST_IDS.chart)} canvas`).first();
          await canvas.waitFor();
          const box = await canvas.boundingBox();
          expect(box?.width).toBeGreaterThan(100);
          expect(box?.height).toBeGreaterThan(50);
          const inked = (await page.evaluate(INKED_PIXELS)) as number;
          expect(inked).toBeGreaterThan(100);
        },
      ],
      ['/traces', TEST_IDS.traceRow, async () => {}],
      [
        `/traces/${sent.traceId}`,
        TEST_IDS.spanRow,
        async () => {
          // The waterfall indents nested rows with inline styles set by React.
          const cell = `${byTestId(TEST_IDS.spanRow)}[data-span-id="${sent.spans.weatherServer}"] [role="gridcell"]`;
          const indent = (await page.evaluate(
            `getComputedStyle(document.querySelector('${cell}')).paddingLeft`,
          )) as string;
          expect(parseFloat(indent)).toBeGreaterThan(10);
        },
      ],
      ['/errors', TEST_IDS.errorGroupRow, async () => {}],
      ['/tool-changes', TEST_IDS.toolChange, async () => {}],
      ['/tools/weather/get_weather', TEST_IDS.histogram, async () => {}],
      ['/alerts', TEST_IDS.alertRuleForm, async () => {}],
    ];
    for (const [url, testId, check] of views) {
      await page.goto(collector.url + url);
      await page.locator(byTestId(testId)).first().waitFor({ timeout: 20_000 });
      await check();
      await page.waitForLoadState('networkidle');
      expect(await violations(page), url).toEqual([]);
    }
    expect(problems).toEqual([]);
  });
});
