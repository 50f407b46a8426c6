/**
 * The dashboard against a collector that requires a read token (`MCPSCOPE_READ_TOKEN`), in a real
 * browser: the API's 401 brings up the token form, the token is kept in localStorage and sent as a
 * Bearer header, and a reload goes straight to the data.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_IDS } from '../../dashboard/src/testIds.js';
import { startCollector, type TestCollector } from '../helpers/collector.js';
import { launchBrowser, requireDashboardBuild, type TestBrowser } from './browser.js';
import { ARTIFACTS, byTestId } from './onCallHelpers.js';

const TOKEN = 'e2e-read-token-0123456789';

let collector: TestCollector;
let testBrowser: TestBrowser;
let page: Page;
let problems: string[] = [];
const apiAuthHeaders: (string | undefined)[] = [];

beforeAll(async () => {
  requireDashboardBuild();
  collector = await startCollector({ env: { MCPSCOPE_READ_TOKEN: TOKEN } });
  testBrowser = await launchBrowser({ width: 1280, height: 800 });
  ({ page, problems } = testBrowser);
  page.on('request', (req) => {
    if (new URL(req.url()).pathname.startsWith('/api/')) apiAuthHeaders.push(req.headers()['authorization']);
  });
}, 180_000);

afterAll(async () => {
  await testBrowser?.close();
  await collector?.stop();
});

describe('dashboard with a read token', () => {
  it('asks for the token on 401, stores it, and sends it from then on', async () => {
    await page.goto(`${collector.url}/traces`);
    const form = page.locator(byTestId(TEST_IDS.tokenForm));
    await form.waitFor({ timeout: 20_000 });
    // Every request of the first load (the view's and the navigation's tool-change alert) has settled.
    await page.waitForLoadState('networkidle');
    // The refused request is the one error the browser is expected to log; nothing else may appear.
    expect(problems.every((p) => p.includes('401'))).toBe(true);
    expect(apiAuthHeaders[0]).toBeUndefined();
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-token-form.png') });
    problems.length = 0;
    apiAuthHeaders.length = 0;

    await page.locator(byTestId(TEST_IDS.tokenInput)).fill(TOKEN);
    await form.getByRole('button', { name: 'Save' }).click();
    await page.locator(byTestId(TEST_IDS.emptyState)).waitFor({ timeout: 20_000 });
    await expect(form.count()).resolves.toBe(0);
    expect(apiAuthHeaders.length).toBeGreaterThan(0);
    expect(apiAuthHeaders.every((h) => h === `Bearer ${TOKEN}`)).toBe(true);

    await page.reload();
    await page.locator(byTestId(TEST_IDS.emptyState)).waitFor({ timeout: 20_000 });
    await expect(page.locator(byTestId(TEST_IDS.tokenForm)).count()).resolves.toBe(0);
    // The hint is the command that works here: this collector runs from a clone.
    await expect(page.locator(byTestId(TEST_IDS.demoCommand)).first().textContent()).resolves.toBe(
      'npm run demo',
    );
    expect(problems).toEqual([]);
  });

  it('says at start that the dashboard needs the read token, and how to start the demo here', () => {
    expect(collector.output()).toContain('The dashboard and /api need the read token (MCPSCOPE_READ_TOKEN)');
    expect(collector.output()).toMatch(/see it populated in a minute: {2}npm run demo -- --endpoint http/);
  });
});
