import { describe, expect, it } from 'vitest';
import { AlertRuleError, fileRuleId, isBreached, parseRuleDefinition, redactWebhookUrl } from './rule.js';

const valid = {
  name: 'weather errors',
  scope: { server: 'weather' },
  metric: 'error_rate',
  op: '>',
  threshold: 0.05,
  windowSeconds: 300,
  webhook: { url: 'https://hooks.example.com/alerts', format: 'alertmanager' },
};

function refusal(input: unknown): string {
  try {
    parseRuleDefinition(input);
  } catch (err) {
    expect(err).toBeInstanceOf(AlertRuleError);
    expect((err as AlertRuleError).status).toBe(400);
    return (err as Error).message;
  }
  throw new Error('the rule was accepted');
}

describe('parseRuleDefinition', () => {
  it('accepts the documented shape and fills the default hysteresis', () => {
    expect(parseRuleDefinition(valid)).toEqual({ ...valid, resolveAfterEvaluations: 3 });
  });

  it('accepts every metric with a scope that fits it', () => {
    for (const metric of ['p95_ms', 'p99_ms', 'calls'])
      expect(parseRuleDefinition({ ...valid, metric, threshold: 500 }).metric).toBe(metric);
    const toolChange = parseRuleDefinition({
      ...valid,
      metric: 'tool_change',
      threshold: 0,
      flaggedOnly: true,
    });
    expect(toolChange.flaggedOnly).toBe(true);
    const drift = parseRuleDefinition({
      ...valid,
      metric: 'tool_change',
      threshold: 0,
      againstApproved: true,
    });
    expect(drift.againstApproved).toBe(true);
    expect(drift.flaggedOnly).toBeUndefined();
    const rc = parseRuleDefinition({ ...valid, scope: { rootCauseLayer: 'downstream', layer: 'client' } });
    expect(rc.scope).toEqual({ rootCauseLayer: 'downstream', layer: 'client' });
  });

  it('names each wrong field', () => {
    expect(refusal({ ...valid, threshold: 5 })).toMatch(
      /threshold: error_rate is a fraction from 0 to 1, got 5/,
    );
    expect(refusal({ ...valid, metric: 'p50_ms' })).toMatch(
      /^invalid alert rule: metric: Invalid enum value/,
    );
    expect(refusal({ ...valid, op: '>=' })).toMatch(/op: Invalid enum value/);
    expect(refusal({ ...valid, windowSeconds: 10 })).toMatch(/windowSeconds: .*60/);
    expect(refusal({ ...valid, windowSeconds: 90.5 })).toMatch(/windowSeconds: Expected integer/);
    expect(refusal({ ...valid, webhook: { url: 'ftp://x.example/', format: 'slack' } })).toMatch(
      /webhook.url: must be an http or https URL/,
    );
    expect(refusal({ ...valid, webhook: { url: 'not a url', format: 'slack' } })).toMatch(
      /webhook.url: must be an absolute URL/,
    );
    expect(refusal({ ...valid, webhook: { url: 'https://x.example/', format: 'teams' } })).toMatch(
      /webhook.format/,
    );
    expect(refusal({ ...valid, name: '  ' })).toMatch(/name: must not be empty/);
    expect(refusal({ ...valid, scope: { layer: 'proxy' } })).toMatch(/scope.layer/);
    expect(refusal({ ...valid, scope: { rootCauseLayer: 'network' } })).toMatch(/scope.rootCauseLayer/);
    expect(refusal({ ...valid, threshold: 'high' })).toMatch(/threshold: Expected number, received string/);
  });

  it('refuses unknown fields instead of ignoring a typo', () => {
    expect(refusal({ ...valid, treshold: 1 })).toMatch(/unknown field "treshold"/);
    expect(refusal({ ...valid, scope: { servr: 'weather' } })).toMatch(/scope: unknown field "servr"/);
  });

  it('refuses scopes and options that do not fit the metric', () => {
    expect(refusal({ ...valid, flaggedOnly: true })).toMatch(
      /flaggedOnly: applies to tool_change rules only/,
    );
    expect(refusal({ ...valid, againstApproved: true })).toMatch(
      /againstApproved: applies to tool_change rules only/,
    );
    expect(refusal({ ...valid, metric: 'tool_change', threshold: 0, againstApproved: 'yes' })).toMatch(
      /againstApproved: Expected boolean/,
    );
    expect(refusal({ ...valid, metric: 'tool_change', threshold: 0, scope: { service: 'agent' } })).toMatch(
      /scope.service: tool_change rules are scoped by server and tool only/,
    );
    expect(refusal({ ...valid, metric: 'p95_ms', threshold: 1, scope: { rootCauseLayer: 'tool' } })).toMatch(
      /scope.rootCauseLayer: applies to error_rate and calls rules only/,
    );
    expect(refusal({ ...valid, metric: 'calls', threshold: -1 })).toMatch(/calls cannot be negative/);
  });

  it('reports every problem at once', () => {
    const message = refusal({ name: 'x', metric: 'calls', op: '>' });
    for (const field of ['threshold', 'windowSeconds', 'webhook']) expect(message).toContain(`${field}:`);
  });

  it('refuses what is not an object', () => {
    for (const input of [null, [], 'rule', 42])
      expect(refusal(input)).toBe('invalid alert rule: expected a JSON object');
  });
});

describe('isBreached', () => {
  it('compares strictly, and never breaches without a value', () => {
    expect(isBreached({ op: '>', threshold: 0.1 }, 0.2)).toBe(true);
    expect(isBreached({ op: '>', threshold: 0.1 }, 0.1)).toBe(false);
    expect(isBreached({ op: '<', threshold: 1 }, 0)).toBe(true);
    expect(isBreached({ op: '<', threshold: 1 }, null)).toBe(false);
    expect(isBreached({ op: '>', threshold: 0 }, Number.NaN)).toBe(false);
  });
});

describe('fileRuleId', () => {
  it('is stable per name and differs between names', () => {
    expect(fileRuleId('a')).toBe(fileRuleId('a'));
    expect(fileRuleId('a')).not.toBe(fileRuleId('b'));
    expect(fileRuleId('a')).toMatch(/^file-[0-9a-f]{16}$/);
  });
});

describe('redactWebhookUrl', () => {
  it('keeps the origin and hides paths, queries and credentials', () => {
    expect(redactWebhookUrl('https://hooks.slack.com/services/T0/B0/secret')).toBe(
      'https://hooks.slack.com/…',
    );
    expect(redactWebhookUrl('https://user:pw@am.example:9093/?token=x')).toBe('https://am.example:9093/…');
    expect(redactWebhookUrl('http://receiver:8080/')).toBe('http://receiver:8080/');
  });
});
