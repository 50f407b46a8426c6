/**
 * Helpers of the on-call browser test (onCall.test.ts): screenshots in both sizes and themes, the
 * geometry of the waterfall's labels, and webhook receivers for the alerts. Page scripts are strings:
 * the test project compiles without the DOM library.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers/collector.js';

export const ARTIFACTS = path.join(REPO_ROOT, 'test/artifacts');
export const byTestId = (id: string): string => `[data-testid="${id}"]`;

export const SIZES = [
  { width: 1280, height: 720 },
  { width: 2560, height: 1440 },
] as const;
export const SCHEMES = ['light', 'dark'] as const;

/** Two animation frames: what a layout or theme change draws has been painted. */
export function settle(page: Page): Promise<unknown> {
  return page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
}

/** The theme the page applied (`data-theme` on <html>). */
export function appliedTheme(page: Page): Promise<string | null> {
  return page.evaluate('document.documentElement.dataset.theme ?? null') as Promise<string | null>;
}

/**
 * Screenshots of the current page at 1280×720 and 2560×1440, in the light and the dark scheme of the
 * system (the page follows `prefers-color-scheme`), as test/artifacts/oncall-<name>-<w>x<h>-<scheme>.png.
 * Returns the themes the page showed, in order, so the caller can check it followed the system.
 */
export async function screenshots(
  page: Page,
  name: string,
  opts: { fullPage?: boolean } = {},
): Promise<string[]> {
  const seen: string[] = [];
  for (const size of SIZES) {
    await page.setViewportSize(size);
    for (const scheme of SCHEMES) {
      await page.emulateMedia({ colorScheme: scheme });
      await settle(page);
      seen.push(`${scheme}:${await appliedTheme(page)}`);
      await page.screenshot({
        path: path.join(ARTIFACTS, `oncall-${name}-${size.width}x${size.height}-${scheme}.png`),
        fullPage: opts.fullPage ?? true,
      });
    }
  }
  await page.setViewportSize(SIZES[0]);
  await page.emulateMedia({ colorScheme: 'light' });
  return seen;
}

export interface Box {
  left: number;
  right: number;
  top: number;
  bottom: number;
}
export interface RowGeometry {
  spanId: string;
  name: Box | null;
  duration: Box | null;
  timeline: Box | null;
}

/** The boxes of each waterfall row's span name, duration label and timeline column. */
export function waterfallGeometry(page: Page): Promise<RowGeometry[]> {
  return page.evaluate(`(() => {
    const box = (row, sel) => {
      const el = row.querySelector(sel);
      if (!el) return null;
      const b = el.getBoundingClientRect();
      return { left: b.left, right: b.right, top: b.top, bottom: b.bottom };
    };
    return [...document.querySelectorAll('[data-testid="span-row"]')].map((row) => ({
      spanId: row.dataset.spanId,
      name: box(row, '.wf-name'),
      duration: box(row, '.wf-duration'),
      timeline: box(row, '.wf-timeline-col'),
    }));
  })()`) as Promise<RowGeometry[]>;
}

/** Whether two boxes share any area. */
export function intersects(a: Box, b: Box): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

/** A webhook receiver on 127.0.0.1 that records each POST body and answers `status`. */
export class WebhookReceiver {
  readonly bodies: unknown[] = [];
  private readonly server: http.Server;
  url = '';

  constructor(private readonly status: number) {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          this.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch {
          this.bodies.push(null);
        }
        res.writeHead(this.status, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
