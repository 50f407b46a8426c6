/**
 * Debian's Chromium under playwright-core for the end-to-end tests: headless, a fresh profile, the flags
 * this machine's closed network needs, and the page's console errors, uncaught exceptions and failed
 * requests collected in `problems` (tests assert it stays empty, or holds only what they expect).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers/collector.js';
import { ARTIFACTS } from './onCallHelpers.js';

export const CHROMIUM = '/usr/bin/chromium';

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Problems the page reported so far. */
  problems: string[];
  close(): Promise<void>;
}

export async function launchBrowser(viewport: { width: number; height: number }): Promise<TestBrowser> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'mcpscope-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    const error = req.failure()?.errorText ?? '';
    // A request the page cancelled itself — it navigated on, or a newer query replaced the one in
    // flight (a slow answer on a busy machine) — is not a failure of the app.
    if (error === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${req.url()} ${error}`);
  });
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Fails fast unless the dashboard is built (the collector serves dashboard/dist; the tests do not build
 * it), and makes the folder the screenshots go to.
 */
export function requireDashboardBuild(): void {
  if (!existsSync(path.join(REPO_ROOT, 'dashboard/dist/index.html'))) {
    throw new Error('dashboard/dist is missing: run `npm run build -w @mcpscope/dashboard` first');
  }
  mkdirSync(ARTIFACTS, { recursive: true });
}

/** {@link launchBrowser} for the dashboard's pages: an HTTP answer of 400 or above is a problem too. */
export async function launchDashboardBrowser(viewport: {
  width: number;
  height: number;
}): Promise<TestBrowser> {
  const browser = await launchBrowser(viewport);
  browser.page.on('response', (res) => {
    if (res.status() >= 400) browser.problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return browser;
}
