/**
 * Alerting end to end on real parts: a real collector (`mcpscope start` in a child process, embedded
 * ClickHouse) evaluating every second, fed OTLP/JSON spans over HTTP, notifying a real HTTP receiver
 * in this process. In order, one collector's life:
 *
 * 1. the API refuses bad rules and requests with messages naming the field, and wants the read token;
 * 2. a rule from the YAML rules file fires ("calls dropped to zero");
 * 3. an error-rate rule fires through the receiver in both formats (Alertmanager, Slack); a receiver that
 *    answers 500 twice gets the notification on the third attempt, and the failures show in /api/alerts;
 * 4. a restart on the same data directory keeps the rules (the file rule updated in place, not doubled)
 *    and the firing state: the same firings, and nothing notified again;
 * 5. the error rate falls and the alerts resolve (after two calm evaluations), in both formats;
 * 6. mute, delete and the rules file's protection.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertFiringView, AlertRulesResponse, AlertsResponse } from '@mcpscope/collector';
import { startCollector, waitFor, type TestCollector } from '../helpers/collector.js';

const TOKEN = 'alerts-test-token';
const PUBLIC_URL = 'https://mcpscope.example.test';
const SERVER = 'alerts-it';

/** The Alertmanager webhook body, as far as the test reads it. */
interface AmAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}
interface AmPayload {
  status: string;
  alerts: AmAlert[];
}

/** A JSON answer of the API: tests read into it what the endpoint documents. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of several shapes, asserted field by field
type Json = any;

interface Received {
  path: string;
  body: Record<string, unknown>;
  status: number;
}

/** A webhook receiver: records every POST; `/flaky` answers 500 to its first two. */
class Receiver {
  readonly received: Received[] = [];
  private flakyFailures = 2;
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = req.url === '/flaky' && this.flakyFailures-- > 0 ? 500 : 200;
      this.received.push({
        path: req.url ?? '',
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        status,
      });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'receiver down');
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  at(p: string): Received[] {
    return this.received.filter((r) => r.path === p);
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const receiver = new Receiver();
const dir = mkdtempSync(path.join(tmpdir(), 'mcpscope-alerts-it-'));
const dataDir = path.join(dir, 'data');
const rulesFile = path.join(dir, 'rules.yaml');
let collector: TestCollector;

function writeRulesFile(windowSeconds: number): void {
  writeFileSync(
    rulesFile,
    [
      '# Rules kept in git',
      'rules:',
      '  - name: it file rule',
      '    scope: { server: never-seen }',
      '    metric: calls',
      "    op: '<'",
      '    threshold: 1',
      `    windowSeconds: ${windowSeconds}`,
      '    webhook:',
      `      url: ${receiver.url}/file`,
      '      format: slack',
      '',
    ].join('\n'),
  );
}

async function start(): Promise<TestCollector> {
  return startCollector({
    dataDir,
    env: {
      MCPSCOPE_ALERT_INTERVAL_S: '1',
      MCPSCOPE_ALERT_RULES: rulesFile,
      MCPSCOPE_READ_TOKEN: TOKEN,
      MCPSCOPE_PUBLIC_URL: PUBLIC_URL,
      MCPSCOPE_GRPC_PORT: '0',
    },
  });
}

async function api(
  urlPath: string,
  init: { method?: string; body?: unknown; token?: string | null; contentType?: string } = {},
): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = {};
  if (init.token !== null) headers['authorization'] = `Bearer ${init.token ?? TOKEN}`;
  if (init.body !== undefined) headers['content-type'] = init.contentType ?? 'application/json';
  const res = await fetch(`${collector.url}${urlPath}`, {
    method: init.method ?? 'GET',
    headers,
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

const alerts = async (): Promise<AlertsResponse> => (await api('/api/alerts')).body as AlertsResponse;
const firingOf = (a: AlertsResponse, ruleId: string): AlertFiringView | undefined =>
  a.firing.find((f) => f.ruleId === ruleId);

/** OTLP/JSON: one client span per tools/call, `failed` of them with an error status. */
async function sendCalls(total: number, failed: number): Promise<void> {
  const now = Date.now();
  const spans = Array.from({ length: total }, (_, i) => {
    const start = BigInt(now - 1000 + i) * 1_000_000n;
    const attrs: Record<string, string> = {
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'get_alerts',
      'mcpscope.layer': 'client',
      'mcpscope.server.name': SERVER,
      ...(i < failed ? { 'error.type': 'tool_error' } : {}),
    };
    return {
      traceId: randomBytes(16).toString('hex'),
      spanId: randomBytes(8).toString('hex'),
      name: 'tools/call get_alerts',
      kind: 3,
      startTimeUnixNano: start.toString(),
      endTimeUnixNano: (start + 5_000_000n).toString(),
      attributes: Object.entries(attrs).map(([key, v]) => ({ key, value: { stringValue: v } })),
      status: i < failed ? { code: 2, message: 'alerts backend answered 502' } : { code: 0 },
    };
  });
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'alerts-it-agent' } }] },
        scopeSpans: [{ scope: { name: 'alerts-it' }, spans }],
      },
    ],
  };
  const res = await fetch(`${collector.url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

const rule = (name: string, webhookPath: string, format: 'alertmanager' | 'slack') => ({
  name,
  scope: { server: SERVER },
  metric: 'error_rate',
  op: '>',
  threshold: 0.2,
  windowSeconds: 120,
  resolveAfterEvaluations: 2,
  severity: 'critical',
  webhook: { url: `${receiver.url}${webhookPath}`, format },
});

const ids = { am: '', slack: '', flaky: '', file: '' };
let firedBeforeRestart: AlertFiringView[] = [];

beforeAll(async () => {
  await receiver.start();
  writeRulesFile(60);
  collector = await start();
}, 120_000);

afterAll(async () => {
  await collector?.stop();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('alerts', () => {
  it('needs the read token, and refuses bad rules with a message naming the field', async () => {
    expect((await api('/api/alert-rules', { token: null })).status).toBe(401);
    expect((await api('/api/alerts', { token: 'wrong' })).status).toBe(401);
    const post = { method: 'POST' };
    const bad = async (body: unknown, contentType?: string) => {
      const r = await api('/api/alert-rules', { ...post, body, contentType });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      return String((r.body as { error: string }).error);
    };
    expect(await bad({ ...rule('x', '/am', 'alertmanager'), threshold: 20 })).toMatch(
      /threshold: error_rate is a fraction from 0 to 1, got 20/,
    );
    expect(await bad({ ...rule('x', '/am', 'alertmanager'), metric: 'p50' })).toMatch(/metric/);
    expect(await bad({ ...rule('x', '/am', 'alertmanager'), windowSeconds: 5 })).toMatch(/windowSeconds/);
    expect(
      await bad({ ...rule('x', '/am', 'alertmanager'), webhook: { url: 'x', format: 'slack' } }),
    ).toMatch(/webhook.url/);
    expect(await bad({ ...rule('x', '/am', 'alertmanager'), scope: { srever: 'a' } })).toMatch(
      /unknown field "srever"/,
    );
    expect(await bad('{"name": ')).toMatch(/JSON|Unexpected|Expected/i);
    expect(await bad('name=x', 'application/x-www-form-urlencoded')).toMatch(
      /Content-Type: application\/json/,
    );
    expect((await api('/api/alert-rules/nope', { method: 'DELETE' })).status).toBe(404);
    const mute = await api(`/api/alert-rules/nope/mute`, { method: 'POST', body: { until: null } });
    expect(mute.status).toBe(404);
    expect((await api('/api/alerts?limit=0')).status).toBe(400);
  });

  it('loads the rules file, whose rule fires: calls dropped to zero', async () => {
    const { rules } = (await api('/api/alert-rules')).body as AlertRulesResponse;
    const file = rules.filter((r) => r.source === 'file');
    expect(file).toHaveLength(1);
    expect(file[0]).toMatchObject({ name: 'it file rule', metric: 'calls', op: '<', threshold: 1 });
    expect(file[0]?.id).toMatch(/^file-[0-9a-f]{16}$/);
    // Webhook URLs are credentials: readers see the origin only.
    expect(file[0]?.webhook.url).toBe(`${receiver.url}/…`);
    ids.file = file[0]!.id;
    const msg = await waitFor(async () => receiver.at('/file')[0], 30_000, 'the file rule to notify');
    expect(String(msg.body['text'])).toMatch(/FIRING\* it file rule: calls 0 &lt; 1 over 1 min\n/);
  }, 60_000);

  it('fires an error-rate rule through the receiver in both formats, retrying a failing one', async () => {
    for (const [key, p, format] of [
      ['am', '/am', 'alertmanager'],
      ['slack', '/slack', 'slack'],
      ['flaky', '/flaky', 'alertmanager'],
    ] as const) {
      const r = await api('/api/alert-rules', { method: 'POST', body: rule(`it errors ${key}`, p, format) });
      expect(r.status).toBe(201);
      ids[key] = String((r.body as { id: string }).id);
    }
    await sendCalls(10, 5);

    const am = await waitFor(async () => receiver.at('/am')[0], 30_000, 'the alertmanager notification');
    const body = am.body as unknown as AmPayload;
    expect(body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'mcpscope',
      externalURL: PUBLIC_URL,
      groupLabels: { alertname: 'it errors am', rule_id: ids.am },
    });
    expect(body.alerts).toHaveLength(1);
    const alert = body.alerts[0]!;
    expect(alert.labels).toEqual({
      alertname: 'it errors am',
      metric: 'error_rate',
      rule_id: ids.am,
      server: SERVER,
      severity: 'critical',
    });
    expect(alert.endsAt).toBe('0001-01-01T00:00:00Z');
    expect(alert.annotations['summary']).toBe('it errors am: error rate 50.0 % > 20.0 % over 2 min');
    expect(Number(alert.annotations['value'])).toBeCloseTo(0.5, 10);
    expect(alert.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(alert.generatorURL).toBe(`${PUBLIC_URL}/errors?server=${SERVER}&range=15m`);

    const slack = await waitFor(async () => receiver.at('/slack')[0], 30_000, 'the slack notification');
    expect(Object.keys(slack.body)).toEqual(['text']);
    expect(String(slack.body['text'])).toMatch(
      /^:rotating_light: \*FIRING\* it errors slack: error rate 50.0 %/,
    );

    // The failing receiver: the failed attempts are visible, and the third attempt delivers.
    const flaky = await waitFor(
      async () => {
        const f = firingOf(await alerts(), ids.flaky);
        const n = f?.notifications[0];
        return n?.status === 'delivered' ? n : undefined;
      },
      30_000,
      'the flaky receiver to get the notification',
    );
    expect(flaky.attempts).toBe(3);
    expect(flaky.errors.map((e) => e.error)).toEqual([
      'HTTP 500 Internal Server Error: receiver down',
      'HTTP 500 Internal Server Error: receiver down',
    ]);
    expect(receiver.at('/flaky').map((r) => r.status)).toEqual([500, 500, 200]);
    const now = await alerts();
    for (const id of [ids.am, ids.slack, ids.flaky, ids.file])
      expect(firingOf(now, id)?.status).toBe('firing');
    expect(now.evaluation).toMatchObject({ enabled: true, intervalSeconds: 1, lastError: null });
    firedBeforeRestart = now.firing;
  }, 90_000);

  it('keeps rules and firing state across a restart, and notifies nothing again', async () => {
    await collector.stop({ keepData: true });
    writeRulesFile(120); // changed in git: the rule is updated in place, not added again
    collector = await start();
    const { rules } = (await api('/api/alert-rules')).body as AlertRulesResponse;
    expect(rules.map((r) => r.id).sort()).toEqual([ids.am, ids.slack, ids.flaky, ids.file].sort());
    expect(rules.find((r) => r.id === ids.file)?.windowSeconds).toBe(120);

    const after = await alerts();
    for (const before of firedBeforeRestart) {
      const same = firingOf(after, before.ruleId);
      expect(same?.id).toBe(before.id);
      expect(same?.startsAt).toBe(before.startsAt);
    }
    // A few evaluations after the restart, still one firing notification per rule.
    await waitFor(async () => (await alerts()).evaluation.cycles >= 3, 30_000, 'three evaluations');
    const counts = ['/am', '/slack', '/file'].map((p) => receiver.at(p).length);
    expect(counts).toEqual([1, 1, 1]);
    expect(receiver.at('/flaky').filter((r) => r.status === 200)).toHaveLength(1);
    const { rules: withState } = (await api('/api/alert-rules')).body as AlertRulesResponse;
    expect(withState.find((r) => r.id === ids.am)?.state).toMatchObject({ status: 'firing' });
  }, 120_000);

  it('resolves when the error rate falls, in both formats', async () => {
    await sendCalls(60, 0); // 5 failed of 70: 7 %
    const resolved = await waitFor(
      async () => receiver.at('/am').find((r) => r.body['status'] === 'resolved'),
      30_000,
      'the resolved alertmanager notification',
    );
    const fired = receiver.at('/am')[0]!.body as unknown as AmPayload;
    const alert = (resolved.body as unknown as AmPayload).alerts[0]!;
    expect(alert.status).toBe('resolved');
    expect(alert.endsAt).not.toBe('0001-01-01T00:00:00Z');
    expect(Date.parse(alert.endsAt)).toBeGreaterThan(Date.parse(alert.startsAt));
    expect(alert.startsAt).toBe(fired.alerts[0]!.startsAt);
    expect(alert.fingerprint).toBe(fired.alerts[0]!.fingerprint);
    expect(alert.annotations['summary']).toMatch(/^it errors am: resolved, error rate now 7\.\d %$/);
    expect(new URL(alert.generatorURL).searchParams.get('to')).not.toBeNull();

    const slack = await waitFor(
      async () => receiver.at('/slack').find((r) => String(r.body['text']).includes('RESOLVED')),
      30_000,
      'the resolved slack notification',
    );
    expect(String(slack.body['text'])).toMatch(/^:white_check_mark: \*RESOLVED\* it errors slack: resolved/);

    const a = await alerts();
    expect(firingOf(a, ids.am)).toBeUndefined();
    const history = a.history.find((f) => f.ruleId === ids.am);
    expect(history).toMatchObject({ status: 'resolved', startsAt: fired.alerts[0]!.startsAt });
    expect(history?.endsAt).not.toBeNull();
    expect(history?.notifications.map((n) => [n.kind, n.status])).toEqual([
      ['firing', 'delivered'],
      ['resolved', 'delivered'],
    ]);
    // The file rule's server still sends nothing: it fires on.
    expect(firingOf(a, ids.file)?.status).toBe('firing');
  }, 90_000);

  it('mutes and unmutes a rule, deletes an API rule, and leaves the file rule to the file', async () => {
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const mute = await api(`/api/alert-rules/${ids.file}/mute`, { method: 'POST', body: { until } });
    expect(mute).toMatchObject({ status: 200, body: { id: ids.file, mutedUntil: until } });
    let view = (await api(`/api/alert-rules/${ids.file}`)).body;
    expect(view).toMatchObject({ muted: true, mutedUntil: until });
    const past = await api(`/api/alert-rules/${ids.file}/mute`, { method: 'POST', body: { until: 1000 } });
    expect(past.status).toBe(400);
    expect(String(past.body.error)).toMatch(/future/);
    await api(`/api/alert-rules/${ids.file}/mute`, { method: 'POST', body: { until: null } });
    view = (await api(`/api/alert-rules/${ids.file}`)).body;
    expect(view).toMatchObject({ muted: false, mutedUntil: null });

    expect((await api(`/api/alert-rules/${ids.slack}`, { method: 'DELETE' })).status).toBe(204);
    const { rules } = (await api('/api/alert-rules')).body as AlertRulesResponse;
    expect(rules.map((r) => r.id)).not.toContain(ids.slack);
    const file = await api(`/api/alert-rules/${ids.file}`, { method: 'DELETE' });
    expect(file.status).toBe(409);
    expect(String(file.body.error)).toContain(rulesFile);
  });
});
