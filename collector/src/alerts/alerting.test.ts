/**
 * Alerting in-process over the embedded engine and a real HTTP receiver, with cycles run by hand (the
 * loop's first cycle would come after an hour), so each step is one evaluation: a delivery left pending by a stop is sent by
 * the next start; a deleted rule's firing resolves; a mute holds the firing notification until it ends.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolCall } from '../storage/fixtures.js';
import { openTempStorage, type TempStorage } from '../storage/tempStorage.js';
import { Alerting, type AlertingOptions } from './alerting.js';

let temp: TempStorage;
const statuses = new Map<string, number[]>();
const received: { path: string; status: string; alertname: string }[] = [];
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    const b = JSON.parse(body) as { status: string; commonLabels: { alertname: string } };
    received.push({ path: req.url ?? '', status: b.status, alertname: b.commonLabels.alertname });
    res.writeHead(statuses.get(req.url ?? '')?.shift() ?? 200).end();
  });
});
let base = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  temp = await openTempStorage('alerting');
  const now = Date.now();
  const calls = [];
  for (let i = 0; i < 10; i++)
    calls.push(
      ...toolCall({
        startMs: now - 5_000 + i,
        durationMs: 4,
        tool: 'lookup',
        server: 'inproc',
        error: i < 5 ? { type: 'tool_error', fault: 'tool', message: 'no' } : undefined,
      }),
    );
  await temp.storage.insert(calls);
});

afterAll(async () => {
  await temp?.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

function open(delivery: AlertingOptions['delivery'] = { baseDelayMs: 5 }): Promise<Alerting> {
  const { client, config } = temp;
  return Alerting.create(client, config.clickhouseDatabase, {
    intervalSeconds: 3600,
    externalUrl: () => 'http://dashboard.example',
    delivery,
  });
}

const rule = (name: string, path: string) => ({
  name,
  scope: { server: 'inproc' },
  metric: 'error_rate',
  op: '>',
  threshold: 0.1,
  windowSeconds: 300,
  webhook: { url: `${base}${path}`, format: 'alertmanager' },
});

const at = (path: string) => received.filter((r) => r.path === path).map((r) => r.status);

describe('Alerting', () => {
  it('sends at the next start a delivery that a stop left pending, and does not fire again', async () => {
    statuses.set('/resume', [503]);
    // A long backoff: the second attempt would come in a minute, after this collector stopped.
    const first = await open({ baseDelayMs: 60_000 });
    await first.start();
    const id = await first.createRule(rule('resume', '/resume'));
    expect((await first.evaluator.runCycle()).fired).toBe(1);
    let pending;
    const deadline = Date.now() + 20_000;
    while (!pending && Date.now() < deadline) {
      const n = (await first.alerts()).firing.find((f) => f.ruleId === id)?.notifications[0];
      if (n?.attempts === 1) pending = n;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(pending).toMatchObject({ status: 'pending', lastError: 'HTTP 503 Service Unavailable' });
    const firingId = (await first.alerts()).firing.find((f) => f.ruleId === id)?.id;
    await first.close();

    const second = await open();
    await second.start();
    await second.notifier.idle();
    const now = await second.alerts();
    const firing = now.firing.find((f) => f.ruleId === id);
    expect(firing?.id).toBe(firingId);
    expect(firing?.notifications[0]).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(at('/resume')).toEqual(['firing', 'firing']);
    expect((await second.evaluator.runCycle()).fired).toBe(0);
    await second.close();
  });

  it('resolves the firing of a deleted rule and notifies it', async () => {
    const alerting = await open();
    await alerting.start();
    const id = await alerting.createRule(rule('deleted', '/deleted'));
    await alerting.evaluator.runCycle();
    await alerting.deleteRule(id);
    expect((await alerting.evaluator.runCycle()).resolved).toBe(1);
    await alerting.notifier.idle();
    expect(at('/deleted')).toEqual(['firing', 'resolved']);
    const past = (await alerting.alerts()).history.find((f) => f.ruleId === id);
    expect(past).toMatchObject({ status: 'resolved', ruleDeleted: true });
    await alerting.close();
  });

  it('holds the firing notification of a muted rule until the mute is lifted', async () => {
    const alerting = await open();
    await alerting.start();
    const id = await alerting.createRule(rule('muted', '/muted'));
    await alerting.muteRule(id, Date.now() + 3_600_000);
    await alerting.evaluator.runCycle();
    await alerting.notifier.idle();
    expect(at('/muted')).toEqual([]);
    const held = (await alerting.alerts()).firing.find((f) => f.ruleId === id);
    expect(held?.notifications.map((n) => n.status)).toEqual(['muted']);
    expect((await alerting.listRules()).find((r) => r.id === id)).toMatchObject({ muted: true });

    await alerting.muteRule(id, null);
    await alerting.evaluator.runCycle();
    await alerting.notifier.idle();
    expect(at('/muted')).toEqual(['firing']);
    await alerting.close();
  });
});
