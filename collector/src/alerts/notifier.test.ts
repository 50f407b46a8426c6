/**
 * Webhook delivery against real HTTP servers in this process: what is retried, what is not, when it
 * gives up, and what is recorded on the firing after each attempt.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Notifier } from './notifier.js';
import { openFiring, resolveFiring } from './state.js';
import type { Firing, StoredRule } from './store.js';

/** Answers each path with the statuses queued for it (then 200), recording bodies in arrival order. */
const answers = new Map<string, number[]>();
const received: { path: string; status: string }[] = [];
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    received.push({ path: req.url ?? '', status: String((JSON.parse(body) as { status?: string }).status) });
    const status = answers.get(req.url ?? '')?.shift() ?? 200;
    res.writeHead(status).end(status === 200 ? '' : `answer ${status}`);
  });
});
let base = '';
/** A port nothing listens on: connections are refused. */
let closedPort = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function firingTo(url: string): Firing {
  const rule: StoredRule = {
    id: 'r',
    source: 'api',
    name: 'n',
    scope: {},
    metric: 'calls',
    op: '<',
    threshold: 1,
    windowSeconds: 60,
    webhook: { url, format: 'alertmanager' },
    resolveAfterEvaluations: 1,
    mutedUntil: null,
    createdAt: 0,
    updatedAt: 0,
  };
  return openFiring(rule, `f-${url}`, 0, Date.now()).firing;
}

function notifier(saved: string[], maxAttempts = 4) {
  return new Notifier({
    externalUrl: () => 'http://dashboard.example',
    persist: async (f) => {
      saved.push(f.notifications.map((n) => `${n.kind}:${n.status}:${n.attempts}`).join(','));
    },
    maxAttempts,
    baseDelayMs: 5,
    timeoutMs: 2000,
  });
}

describe('Notifier', () => {
  it('retries 5xx and 429 with backoff and records each attempt until delivered', async () => {
    answers.set('/retry', [503, 429]);
    const saved: string[] = [];
    const n = notifier(saved);
    const firing = firingTo(`${base}/retry`);
    n.send(firing, firing.notifications[0]!);
    await n.idle();
    expect(firing.notifications[0]).toMatchObject({ status: 'delivered', attempts: 3, lastError: null });
    expect(firing.notifications[0]?.errors.map((e) => e.error)).toEqual([
      'HTTP 503 Service Unavailable: answer 503',
      'HTTP 429 Too Many Requests: answer 429',
    ]);
    expect(saved).toEqual(['firing:pending:1', 'firing:pending:2', 'firing:delivered:3']);
  });

  it('gives up after the last attempt, and at once on a 4xx that will not change', async () => {
    answers.set('/down', [500, 500, 500, 500, 500]);
    answers.set('/gone', [404]);
    const n = notifier([], 3);
    const down = firingTo(`${base}/down`);
    const gone = firingTo(`${base}/gone`);
    n.send(down, down.notifications[0]!);
    n.send(gone, gone.notifications[0]!);
    await n.idle();
    expect(down.notifications[0]).toMatchObject({ status: 'failed', attempts: 3 });
    expect(gone.notifications[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'HTTP 404 Not Found: answer 404',
    });
  });

  it('says why a connection failed', async () => {
    const n = notifier([], 2);
    const firing = firingTo(`http://127.0.0.1:${closedPort}/`);
    n.send(firing, firing.notifications[0]!);
    await n.idle();
    expect(firing.notifications[0]).toMatchObject({
      status: 'failed',
      attempts: 2,
      lastError: 'connection failed: ECONNREFUSED',
    });
  });

  it('sends the resolved notification only after the firing one is through', async () => {
    answers.set('/order', [500]);
    const n = notifier([]);
    const firing = firingTo(`${base}/order`);
    n.send(firing, firing.notifications[0]!);
    n.send(firing, resolveFiring(firing, Date.now())!);
    await n.idle();
    expect(received.filter((r) => r.path === '/order').map((r) => r.status)).toEqual([
      'firing',
      'firing',
      'resolved',
    ]);
  });

  it('stops on close, leaving the delivery pending for the next start', async () => {
    answers.set('/slow', [500]);
    const n = new Notifier({
      externalUrl: () => '',
      persist: async () => {},
      baseDelayMs: 60_000,
      maxDelayMs: 60_000,
    });
    const firing = firingTo(`${base}/slow`);
    n.send(firing, firing.notifications[0]!);
    const start = Date.now();
    while (firing.notifications[0]!.attempts === 0 && Date.now() - start < 10_000)
      await new Promise((r) => setTimeout(r, 10));
    await n.close();
    expect(firing.notifications[0]).toMatchObject({ status: 'pending', attempts: 1 });
  });
});
