import { describe, expect, it } from 'vitest';
import { nextState, openFiring, releaseMuted, resolveFiring } from './state.js';
import type { StoredRule } from './store.js';

function rule(overrides: Partial<StoredRule> = {}): StoredRule {
  return {
    id: 'r1',
    source: 'api',
    name: 'errors',
    scope: {},
    metric: 'error_rate',
    op: '>',
    threshold: 0.1,
    windowSeconds: 300,
    webhook: { url: 'http://receiver.example/', format: 'alertmanager' },
    resolveAfterEvaluations: 3,
    mutedUntil: null,
    createdAt: 0,
    updatedAt: 0,
    ...overrides,
  };
}

/** Runs a sequence of verdicts through nextState and returns the transitions seen. */
function run(verdicts: boolean[], resolveAfter: number): (string | null)[] {
  let state = { firing: false, okStreak: 0 };
  return verdicts.map((breached) => {
    const step = nextState(state, breached, resolveAfter);
    state = step;
    return step.transition;
  });
}

describe('nextState (hysteresis)', () => {
  it('fires at the first breach and resolves after N calm evaluations in a row', () => {
    expect(run([false, true, true, false, false, false, false], 3)).toEqual([
      null,
      'fired',
      null,
      null,
      null,
      'resolved',
      null,
    ]);
  });

  it('starts the calm count again at every breach: a flapping metric keeps one firing open', () => {
    const transitions = run([true, false, false, true, false, false, true, false, false, false], 3);
    expect(transitions.filter((t) => t === 'fired')).toHaveLength(1);
    expect(transitions.indexOf('resolved')).toBe(9);
  });

  it('resolves at the first calm evaluation when N is 1', () => {
    expect(run([true, false, true], 1)).toEqual(['fired', 'resolved', 'fired']);
  });
});

describe('notifications', () => {
  it('sends the firing and then the resolved notification', () => {
    const { firing, send } = openFiring(rule(), 'f1', 0.5, 1000);
    expect(send?.kind).toBe('firing');
    expect(send?.status).toBe('pending');
    expect(firing).toMatchObject({ status: 'firing', startsAt: 1000, endsAt: null, startValue: 0.5 });
    const resolved = resolveFiring(firing, 5000);
    expect(resolved).toMatchObject({ kind: 'resolved', status: 'pending' });
    expect(firing).toMatchObject({ status: 'resolved', endsAt: 5000 });
  });

  it('holds the firing notification while muted and sends it when the mute ends', () => {
    const muted = rule({ mutedUntil: 10_000 });
    const { firing, send } = openFiring(muted, 'f1', 0.5, 1000);
    expect(send).toBeUndefined();
    expect(firing.notifications[0]?.status).toBe('muted');
    expect(releaseMuted(firing, 5000)).toBeUndefined();
    const released = releaseMuted(firing, 10_001);
    expect(released).toMatchObject({ kind: 'firing', status: 'pending' });
    expect(releaseMuted(firing, 20_000)).toBeUndefined();
  });

  it('sends no resolved notification for a firing nobody was told about', () => {
    const { firing } = openFiring(rule({ mutedUntil: 10_000 }), 'f1', 0.5, 1000);
    expect(resolveFiring(firing, 2000)).toBeUndefined();
    expect(firing.notifications).toHaveLength(1);
  });

  it('resolves the firing of a deleted rule and says so', () => {
    const { firing } = openFiring(rule(), 'f1', 0.5, 1000);
    expect(resolveFiring(firing, 2000, { ruleDeleted: true })?.kind).toBe('resolved');
    expect(firing.ruleDeleted).toBe(true);
  });
});
