import { describe, expect, it } from 'vitest';
import type { AlertFiringView, AlertNotificationView } from '../../api/types.js';
import {
  buildRule,
  describeCondition,
  describeScope,
  EMPTY_DRAFT,
  failedDeliveries,
  firingDuration,
  formatAlertValue,
} from './alertFormat.js';

describe('alert wording', () => {
  it('states a rule as a sentence, error rates in percent', () => {
    expect(describeCondition({ metric: 'error_rate', op: '>', threshold: 0.05, windowSeconds: 300 })).toBe(
      'error rate > 5 % over 5 minutes',
    );
    expect(describeCondition({ metric: 'calls', op: '<', threshold: 1, windowSeconds: 900 })).toBe(
      'calls < 1 over 15 minutes',
    );
    expect(
      describeCondition({
        metric: 'tool_change',
        op: '>',
        threshold: 0,
        windowSeconds: 3600,
        flaggedOnly: true,
      }),
    ).toBe('flagged tool-definition changes > 0 over 1 hour');
    expect(
      describeCondition({
        metric: 'tool_change',
        op: '>',
        threshold: 0,
        windowSeconds: 600,
        againstApproved: true,
      }),
    ).toBe('tool-definition changes departing from the approved set > 0 over 10 minutes');
    expect(formatAlertValue('p95_ms', 1250)).toBe('1.25 s');
    expect(formatAlertValue('error_rate', null)).toBe('–');
    expect(describeScope({ server: 'weather', rootCauseLayer: 'tool' })).toBe(
      'server weather · root cause tool',
    );
    expect(describeScope({})).toBe('every call');
  });

  it('says how long a firing lasted', () => {
    const t = Date.UTC(2026, 0, 1);
    const iso = (ms: number) => new Date(t + ms).toISOString();
    expect(firingDuration(iso(0), iso(42_000), 0)).toBe('42 s');
    expect(firingDuration(iso(0), null, t + 185 * 60_000)).toBe('3 h 5 min');
  });
});

describe('buildRule', () => {
  const draft = {
    ...EMPTY_DRAFT,
    name: ' checkout errors ',
    webhookUrl: 'https://hooks.example/x',
    server: 'pay',
  };

  it('sends an error-rate threshold typed in percent as a fraction, with only the scope given', () => {
    expect(buildRule({ ...draft, threshold: '2.5' })).toEqual({
      ok: true,
      rule: {
        name: 'checkout errors',
        scope: { server: 'pay' },
        metric: 'error_rate',
        op: '>',
        threshold: 0.025,
        windowSeconds: 300,
        webhook: { url: 'https://hooks.example/x', format: 'alertmanager' },
      },
    });
  });

  it('keeps only the scope a metric takes, and the flag of tool changes', () => {
    const r = buildRule({
      ...draft,
      metric: 'tool_change',
      threshold: '0',
      service: 'agent',
      flaggedOnly: true,
    });
    expect(r).toMatchObject({
      ok: true,
      rule: { scope: { server: 'pay' }, flaggedOnly: true, threshold: 0 },
    });
    const drift = buildRule({ ...draft, metric: 'tool_change', threshold: '0', againstApproved: true });
    expect(drift).toMatchObject({ ok: true, rule: { againstApproved: true } });
    expect(buildRule({ ...draft, againstApproved: true })).not.toMatchObject({
      rule: { againstApproved: true },
    });
  });

  it('says what to fix', () => {
    expect(buildRule({ ...draft, name: '' })).toMatchObject({ ok: false, error: /name/ });
    expect(buildRule({ ...draft, threshold: '120' })).toMatchObject({ ok: false, error: /0 to 100/ });
    expect(buildRule({ ...draft, threshold: 'x' })).toMatchObject({ ok: false, error: /number of %/ });
    expect(buildRule({ ...draft, webhookUrl: 'ftp://x' })).toMatchObject({
      ok: false,
      error: /http or https/,
    });
  });
});

describe('failedDeliveries', () => {
  const note = (status: AlertNotificationView['status'], at: string, errors = 0): AlertNotificationView => ({
    kind: 'firing',
    status,
    attempts: errors + 1,
    createdAt: at,
    lastAttemptAt: at,
    deliveredAt: null,
    lastError: errors ? 'HTTP 500' : null,
    errors: Array.from({ length: errors }, () => ({ at, error: 'HTTP 500' })),
  });
  const firing = (id: string, notifications: AlertNotificationView[]) =>
    ({ id, notifications }) as unknown as AlertFiringView;

  it('lists failed and retrying deliveries, newest first, and not the delivered or muted ones', () => {
    const list = failedDeliveries({
      firing: [
        firing('a', [note('pending', '2026-01-01T00:05:00Z', 2), note('delivered', '2026-01-01T00:06:00Z')]),
      ],
      history: [
        firing('b', [note('failed', '2026-01-01T00:01:00Z', 5), note('muted', '2026-01-01T00:09:00Z')]),
      ],
    });
    expect(list.map((d) => [d.firing.id, d.notification.status])).toEqual([
      ['a', 'pending'],
      ['b', 'failed'],
    ]);
  });
});
