import { describe, expect, it } from 'vitest';
import {
  alertmanagerPayload,
  dashboardLink,
  describeValue,
  describeWindow,
  fnv1a64,
  labelsFingerprint,
  slackPayload,
  ZERO_TIME,
} from './payloads.js';
import { openFiring, resolveFiring } from './state.js';
import type { StoredRule } from './store.js';

const rule: StoredRule = {
  id: 'r-1',
  source: 'api',
  name: 'Weather <errors> & more',
  scope: { server: 'weather', tool: 'get_alerts' },
  metric: 'error_rate',
  op: '>',
  threshold: 0.05,
  windowSeconds: 300,
  webhook: { url: 'http://receiver.example/hook', format: 'alertmanager' },
  resolveAfterEvaluations: 3,
  severity: 'critical',
  mutedUntil: null,
  createdAt: 0,
  updatedAt: 0,
};
const startsAt = Date.UTC(2026, 0, 2, 3, 4, 5);
const external = 'https://mcpscope.example.com';

describe('alertmanagerPayload', () => {
  it('has the webhook body of Alertmanager (version 4) while firing', () => {
    const { firing } = openFiring(rule, 'f-1', 0.25, startsAt);
    const body = alertmanagerPayload(firing, 'firing', external);
    expect(body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'mcpscope',
      truncatedAlerts: 0,
      externalURL: external,
      groupLabels: { alertname: rule.name, rule_id: 'r-1' },
    });
    expect(body.groupKey).toBe(`{}:{alertname="Weather <errors> & more", rule_id="r-1"}`);
    expect(body.alerts).toHaveLength(1);
    const alert = body.alerts[0]!;
    expect(alert.labels).toEqual({
      alertname: rule.name,
      metric: 'error_rate',
      rule_id: 'r-1',
      server: 'weather',
      tool: 'get_alerts',
      severity: 'critical',
    });
    expect(body.commonLabels).toEqual(alert.labels);
    expect(alert.status).toBe('firing');
    expect(alert.startsAt).toBe('2026-01-02T03:04:05.000Z');
    expect(alert.endsAt).toBe(ZERO_TIME);
    expect(alert.annotations['summary']).toBe(`${rule.name}: error rate 25.0 % > 5.0 % over 5 min`);
    expect(alert.annotations['description']).toContain('server=weather tool=get_alerts');
    expect(alert.annotations['value']).toBe('0.25');
    expect(alert.fingerprint).toBe(labelsFingerprint(alert.labels));
    const link = new URL(alert.generatorURL);
    expect(link.origin).toBe(external);
    expect(link.pathname).toBe('/errors');
    expect(Object.fromEntries(link.searchParams)).toEqual({
      server: 'weather',
      tool: 'get_alerts',
      range: '15m',
    });
  });

  it('ends the alert when resolved, with the same fingerprint', () => {
    const { firing } = openFiring(rule, 'f-1', 0.25, startsAt);
    const fired = alertmanagerPayload(firing, 'firing', external).alerts[0]!;
    firing.lastValue = 0.01;
    resolveFiring(firing, startsAt + 600_000);
    const body = alertmanagerPayload(firing, 'resolved', external);
    const alert = body.alerts[0]!;
    expect(body.status).toBe('resolved');
    expect(alert.status).toBe('resolved');
    expect(alert.endsAt).toBe('2026-01-02T03:14:05.000Z');
    expect(alert.fingerprint).toBe(fired.fingerprint);
    expect(alert.annotations['summary']).toBe(`${rule.name}: resolved, error rate now 1.0 %`);
    const link = new URL(alert.generatorURL);
    expect(link.searchParams.get('from')).toBe(String(startsAt - 300_000));
    expect(link.searchParams.get('to')).toBe(String(startsAt + 900_000));
  });
});

describe('slackPayload', () => {
  it('is a text message with the state, the summary and an escaped link', () => {
    const { firing } = openFiring(rule, 'f-1', 0.25, startsAt);
    const { text } = slackPayload(firing, 'firing', external);
    expect(text).toMatch(/^:rotating_light: \*FIRING\* Weather &lt;errors&gt; &amp; more: error rate 25.0 %/);
    expect(text).toContain(`<${external}/errors?server=weather&tool=get_alerts&range=15m|Open in mcpscope>`);
    resolveFiring(firing, startsAt + 60_000);
    expect(slackPayload(firing, 'resolved', external).text).toMatch(/^:white_check_mark: \*RESOLVED\*/);
  });

  it('says when a tool_change rule counts changes against the approved set', () => {
    const drift: StoredRule = {
      ...rule,
      name: 'rug pull',
      metric: 'tool_change',
      threshold: 0,
      scope: { server: 'weather' },
      againstApproved: true,
    };
    const { firing } = openFiring(drift, 'f-2', 1, startsAt);
    expect(slackPayload(firing, 'firing', external).text).toContain(
      'rug pull: tool-definition changes departing from the approved set 1 &gt; 0 over 5 min',
    );
    const flagged = openFiring(
      { ...drift, againstApproved: undefined, flaggedOnly: true },
      'f-3',
      2,
      startsAt,
    );
    expect(slackPayload(flagged.firing, 'firing', external).text).toContain(
      'rug pull: flagged tool-definition changes 2 &gt; 0',
    );
  });
});

describe('labelsFingerprint', () => {
  it('is FNV-1a 64 (reference vectors)', () => {
    expect(fnv1a64(new Uint8Array()).toString(16)).toBe('cbf29ce484222325');
    expect(fnv1a64(Buffer.from('a')).toString(16)).toBe('af63dc4c8601ec8c');
    expect(fnv1a64(Buffer.from('foobar')).toString(16)).toBe('85944171f73967e8');
  });

  it("is the empty set's offset basis, independent of label order, and changes with any value", () => {
    expect(labelsFingerprint({})).toBe('cbf29ce484222325');
    const a = labelsFingerprint({ alertname: 'x', server: 'weather' });
    expect(labelsFingerprint({ server: 'weather', alertname: 'x' })).toBe(a);
    expect(labelsFingerprint({ alertname: 'x', server: 'github' })).not.toBe(a);
    // The separator keeps name and value apart: "ab"="c" is not "a"="bc".
    expect(labelsFingerprint({ ab: 'c' })).not.toBe(labelsFingerprint({ a: 'bc' }));
    expect(a).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('dashboardLink', () => {
  const at = { startsAt, endsAt: null };
  it('opens the view that answers the rule', () => {
    expect(dashboardLink({ ...at, rule: { ...rule, metric: 'p95_ms', scope: { tool: 'x y' } } })).toBe(
      '/tools/-/x%20y?range=15m',
    );
    expect(dashboardLink({ ...at, rule: { ...rule, metric: 'tool_change', scope: { server: 's' } } })).toBe(
      '/tool-changes?server=s&range=15m',
    );
    expect(
      dashboardLink({ ...at, rule: { ...rule, metric: 'calls', scope: { rootCauseLayer: 'downstream' } } }),
    ).toBe('/errors?fault=downstream&range=15m');
    expect(
      dashboardLink({
        ...at,
        rule: { ...rule, metric: 'calls', windowSeconds: 7200, scope: { layer: 'server' } },
      }),
    ).toBe('/?layer=server&range=6h');
  });
});

describe('describeValue and describeWindow', () => {
  it('read as people say them', () => {
    expect(describeValue('error_rate', 0.0012)).toBe('0.12 %');
    expect(describeValue('p95_ms', 1234.5)).toBe('1235 ms');
    expect(describeValue('p99_ms', 4.567)).toBe('4.57 ms');
    expect(describeValue('calls', 1)).toBe('1');
    expect(describeValue('tool_change', 2)).toBe('2');
    expect(describeValue('calls', null)).toBe('no data');
    expect([60, 90, 3600, 86_400].map(describeWindow)).toEqual(['1 min', '90 s', '1 h', '1 d']);
  });
});
