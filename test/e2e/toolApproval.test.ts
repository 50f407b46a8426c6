/**
 * Approving tools on the tool-changes view, in a real browser against a real collector fed by the SDK's
 * own `instrumentClient` + `startTracing` export from a real MCP server over Streamable HTTP (the
 * drifting fixture): approve with the confirm step, change the server, and the change is flagged
 * against the approved set, tool by tool. An approval of a set that moved on after it was shown is
 * refused with the collector's message. Screenshots at 1280×720, light and dark, go to
 * test/artifacts/tool-approval-*.png. Any console error or failed request fails the test.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { instrumentClient, startTracing } from '@mcpscope/sdk';
import { parsePinFile } from '@mcpscope/sdk/pins';
import type { ToolChangesResponse } from '../../collector/src/api/types.js';
import { TEST_IDS } from '../../dashboard/src/testIds.js';
import { ADDED_TOOL, DRIFTED, DROPPED_TOOL } from '../../sdk/src/pins/testing/driftingServer.js';
import {
  startDriftingHttpServer,
  type DriftingHttpServer,
} from '../../sdk/src/pins/testing/driftingHttpServer.js';
import { startCollector, waitFor, type TestCollector } from '../helpers/collector.js';
import { launchDashboardBrowser, requireDashboardBuild, type TestBrowser } from './browser.js';
import { appliedTheme, ARTIFACTS, byTestId, settle } from './onCallHelpers.js';

/** Waits on what the page shows after a round trip: generous, the machine is shared. */
const POLL = { timeout: 30_000 };
const SCHEMES = ['light', 'dark'] as const;

let collector: TestCollector;
let tracing: ReturnType<typeof startTracing>;
let upstream: DriftingHttpServer;
let client: Client;
let identity: string;
let testBrowser: TestBrowser;
let page: Page;
let problems: string[] = [];
const stage: { current: 'v1' | 'v2' } = { current: 'v1' };

async function toolChanges(): Promise<ToolChangesResponse> {
  const res = await fetch(`${collector.url}/api/tool-changes?server=${encodeURIComponent(identity)}`);
  return (await res.json()) as ToolChangesResponse;
}

/** Lists the tools through the instrumented client, then waits until the collector has them (or a change). */
async function listAndWait(until: 'seen' | 'changed'): Promise<ToolChangesResponse> {
  await client.listTools();
  await tracing.forceFlush();
  return waitFor(
    async () => {
      const view = await toolChanges();
      const seen = view.servers.some((s) => s.server === identity);
      return seen && (until === 'seen' || view.changes.length > 0) ? view : undefined;
    },
    60_000,
    'the tools/list spans to be stored',
  );
}

/** Screenshots of the page in both schemes at 1280×720; returns the themes the page showed. */
async function screenshots(name: string): Promise<string[]> {
  const seen: string[] = [];
  for (const scheme of SCHEMES) {
    await page.emulateMedia({ colorScheme: scheme });
    await settle(page);
    seen.push(`${scheme}:${await appliedTheme(page)}`);
    await page.screenshot({
      path: path.join(ARTIFACTS, `tool-approval-${name}-1280x720-${scheme}.png`),
      fullPage: true,
    });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return seen;
}

const card = () => page.locator(`${byTestId(TEST_IDS.toolServer)}[data-server="${identity}"]`);
const standing = (tool: string) =>
  card().locator(`${byTestId(TEST_IDS.approvalStanding)} li[data-tool="${tool}"]`);

beforeAll(async () => {
  requireDashboardBuild();
  collector = await startCollector();
  tracing = startTracing({ serviceName: 'approval-e2e-agent', endpoint: collector.url });
  upstream = await startDriftingHttpServer({ stage });
  identity = `drifting@127.0.0.1:${upstream.url.port}`;
  client = instrumentClient(new Client({ name: 'approval-e2e-agent', version: '1.0.0' }));
  await client.connect(new StreamableHTTPClientTransport(upstream.url));
  await listAndWait('seen');
  testBrowser = await launchDashboardBrowser({ width: 1280, height: 720 });
  ({ page, problems } = testBrowser);
}, 240_000);

afterAll(async () => {
  await testBrowser?.close();
  await client?.close();
  await upstream?.close();
  await tracing?.shutdown();
  await collector?.stop();
});

describe('approving on the tool-changes view', { timeout: 120_000 }, () => {
  it('approves the current tools after a confirm step, and shows who approved it', async () => {
    await page.goto(new URL(`/tool-changes?server=${encodeURIComponent(identity)}`, collector.url).href);
    await expect.poll(() => card().getAttribute('data-status'), POLL).toBe('unapproved');
    await card().locator(byTestId(TEST_IDS.approveButton)).click();
    const confirm = card().locator(byTestId(TEST_IDS.approveConfirm));
    await confirm.waitFor();
    await expect(confirm.textContent()).resolves.toContain('Approve the 6 tools');
    await confirm.locator('input').nth(0).fill('e2e reviewer');
    await confirm.locator('input').nth(1).fill('v1 reviewed');
    expect(await screenshots('confirm')).toEqual(['light:light', 'dark:dark']);
    await confirm.locator(byTestId(TEST_IDS.approveSubmit)).click();
    await expect.poll(() => card().getAttribute('data-status'), POLL).toBe('approved');
    const info = await card().locator(byTestId(TEST_IDS.approvalInfo)).textContent();
    expect(info).toContain('by e2e reviewer');
    expect(info).toContain('“v1 reviewed”');
    await expect(standing('echo').getAttribute('data-status')).resolves.toBe('match');
    // The approve button rests while the current tools are the approved set.
    await expect(card().locator(byTestId(TEST_IDS.approveButton)).isDisabled()).resolves.toBe(true);
  });

  it('shows the pin URL, which serves the approved set, and the proxy command that uses it', async () => {
    const url = await card().locator(byTestId(TEST_IDS.pinUrl)).textContent();
    expect(url).toBe(`${collector.url}/api/tool-pins/${encodeURIComponent(identity)}`);
    const res = await fetch(url!);
    expect(res.status).toBe(200);
    const file = parsePinFile(await res.text(), url!);
    expect(file.tools.map((t) => t.name)).toContain(DROPPED_TOOL);
    const command = await card().locator(byTestId(TEST_IDS.proxyCommand)).textContent();
    expect(command).toBe(`mcpscope proxy --pins ${url} --upstream http://127.0.0.1:${upstream.url.port}/mcp`);
  });

  it('flags the change against the approved set once the server changes its tools', async () => {
    stage.current = 'v2';
    await listAndWait('changed');
    await page.reload();
    await expect.poll(() => card().getAttribute('data-status'), POLL).toBe('drift');
    const statuses = Object.fromEntries(
      await Promise.all(
        [DRIFTED.description, DRIFTED.inputSchema, DRIFTED.annotations, ADDED_TOOL, DROPPED_TOOL, 'echo'].map(
          async (tool) => [tool, await standing(tool).getAttribute('data-status')] as const,
        ),
      ),
    );
    expect(statuses).toEqual({
      [DRIFTED.description]: 'drift',
      [DRIFTED.inputSchema]: 'drift',
      [DRIFTED.annotations]: 'drift',
      [ADDED_TOOL]: 'unpinned',
      [DROPPED_TOOL]: 'missing',
      echo: 'match',
    });
    await expect(standing(DRIFTED.description).textContent()).resolves.toContain('changed since approval');
    await expect(standing(ADDED_TOOL).textContent()).resolves.toContain('new since approval');
    await expect(standing(DROPPED_TOOL).textContent()).resolves.toContain('missing since approval');
    // Each change says how it stands against the approved set; none is "as approved".
    const changes = page.locator(byTestId(TEST_IDS.toolChange));
    await expect.poll(() => changes.count(), POLL).toBe(5);
    const marks = await page
      .locator(byTestId(TEST_IDS.changeApproval))
      .evaluateAll((els) => els.map((el) => [el.textContent, el.getAttribute('data-status')]));
    expect(marks).toHaveLength(5);
    expect(marks).toContainEqual(['unapproved: changed since approval', 'drift']);
    expect(marks).toContainEqual(['unapproved: new since approval', 'unpinned']);
    expect(marks).toContainEqual(['unapproved: missing since approval', 'missing']);
    // The navigation's alert counts them.
    await expect
      .poll(() => page.locator(byTestId(TEST_IDS.toolChangeAlert)).textContent(), POLL)
      .toContain('⚠ 5');
    expect(await screenshots('drift')).toEqual(['light:light', 'dark:dark']);
    expect(problems).toEqual([]);
  });

  it('refuses to approve a set that moved on after it was shown, with the collector’s message', async () => {
    await card().locator(byTestId(TEST_IDS.approveButton)).click();
    await card().locator(byTestId(TEST_IDS.approveConfirm)).waitFor();
    // The server goes back to v1 while the reviewer reads v2 on the page.
    stage.current = 'v1';
    await client.listTools();
    await tracing.forceFlush();
    await waitFor(
      async () => (await toolChanges()).servers.find((s) => s.server === identity)?.status === 'approved',
      60_000,
      'the server to list the approved set again',
    );
    await card().locator(byTestId(TEST_IDS.approveSubmit)).click();
    const error = card().locator(byTestId(TEST_IDS.approveError));
    await error.waitFor(POLL);
    await expect(error.textContent()).resolves.toMatch(/changed since that set was shown/);
    // The refusal was the 409 the page expected (the browser also logs it), and nothing else went wrong.
    expect(problems.filter((p) => !/^HTTP 409: .*\/approve$|status of 409/.test(p))).toEqual([]);
    expect(problems.some((p) => p.startsWith('HTTP 409'))).toBe(true);
    const approvals = await fetch(
      `${collector.url}/api/tool-pins/${encodeURIComponent(identity)}/approvals`,
    ).then((r) => r.json() as Promise<{ approvals: unknown[] }>);
    expect(approvals.approvals).toHaveLength(1);
  });
});
