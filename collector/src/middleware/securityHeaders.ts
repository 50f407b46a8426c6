import type { RequestHandler } from 'express';

/**
 * The Content-Security-Policy of everything the collector serves. The built dashboard (Vite) is one
 * module script and stylesheets from /assets, no inline script or `<style>`, and talks only to its own
 * origin; React and uPlot set styles through the CSSOM (`element.style.x = …`), which `style-src` does
 * not govern, so no `'unsafe-inline'` is needed. The only `data:` URL is the empty favicon in
 * index.html. test/e2e/cspDashboard.test.ts loads every view under this policy in Chromium and fails
 * on any violation.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  // For browsers that predate CSP's frame-ancestors.
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  // Dashboard URLs carry the state (trace ids, filters): keep them out of other sites' logs.
  'Referrer-Policy': 'no-referrer',
};

/**
 * Sets the security headers on every response. Four fixed headers are a few lines; `helmet` would
 * bring defaults to switch off rather than add: `upgrade-insecure-requests` in its CSP breaks a
 * dashboard served over plain HTTP from any host but localhost, HSTS means nothing over HTTP, and its
 * `style-src` allows `'unsafe-inline'`, which we do not need.
 */
export function securityHeaders(): RequestHandler {
  return (_req, res, next) => {
    for (const [name, value] of Object.entries(HEADERS)) res.setHeader(name, value);
    next();
  };
}
