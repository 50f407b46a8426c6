/**
 * The life of an alert, as pure decisions the evaluator applies.
 *
 * Hysteresis: a rule fires at the first evaluation that finds it breached (its window already smooths
 * the metric), and resolves only after `resolveAfterEvaluations` consecutive evaluations found it not
 * breached (default 3: 90 s at the 30 s interval). A breach in between starts the count again, so a
 * metric hovering around its threshold keeps one firing open instead of paging on every crossing. An
 * evaluation with nothing to compute the value from (no calls in the window for a rate or a latency)
 * counts as not breached.
 *
 * Notifications: one when an alert fires and one when it resolves. A muted rule still fires and
 * resolves (the history stays true) but its firing notification is recorded as 'muted' and not sent; if
 * the mute ends while the alert still fires, the notification goes then. A resolved notification goes
 * whenever a firing one was sent (or tried), muted or not: it closes the incident the receiver opened.
 */
import type { Firing, NotificationRecord, StoredRule } from './store.js';

export interface AlertStep {
  firing: boolean;
  okStreak: number;
  transition: 'fired' | 'resolved' | null;
}

/** The next state of a rule from its current one and this evaluation's verdict. */
export function nextState(
  prev: { firing: boolean; okStreak: number },
  breached: boolean,
  resolveAfterEvaluations: number,
): AlertStep {
  if (!prev.firing)
    return breached
      ? { firing: true, okStreak: 0, transition: 'fired' }
      : { firing: false, okStreak: 0, transition: null };
  if (breached) return { firing: true, okStreak: 0, transition: null };
  const okStreak = prev.okStreak + 1;
  return okStreak >= resolveAfterEvaluations
    ? { firing: false, okStreak, transition: 'resolved' }
    : { firing: true, okStreak, transition: null };
}

/** Whether a rule is muted at `nowMs`. */
export function isMuted(rule: Pick<StoredRule, 'mutedUntil'>, nowMs: number): boolean {
  return rule.mutedUntil !== null && rule.mutedUntil > nowMs;
}

function record(kind: NotificationRecord['kind'], muted: boolean, nowMs: number): NotificationRecord {
  return {
    kind,
    status: muted ? 'muted' : 'pending',
    attempts: 0,
    createdAt: nowMs,
    lastAttemptAt: null,
    deliveredAt: null,
    lastError: null,
    errors: [],
  };
}

/** A new firing of `rule`, with its firing notification (pending, or muted). */
export function openFiring(
  rule: StoredRule,
  id: string,
  value: number | null,
  nowMs: number,
): { firing: Firing; send: NotificationRecord | undefined } {
  const notification = record('firing', isMuted(rule, nowMs), nowMs);
  const firing: Firing = {
    id,
    ruleId: rule.id,
    rule,
    status: 'firing',
    startsAt: nowMs,
    endsAt: null,
    startValue: value,
    lastValue: value,
    okStreak: 0,
    notifications: [notification],
  };
  return { firing, send: notification.status === 'pending' ? notification : undefined };
}

/**
 * For a firing that goes on: when its firing notification was muted and the mute has ended, that
 * notification becomes pending (returned, to be sent).
 */
export function releaseMuted(firing: Firing, nowMs: number): NotificationRecord | undefined {
  if (isMuted(firing.rule, nowMs)) return undefined;
  const held = firing.notifications.find((n) => n.kind === 'firing' && n.status === 'muted');
  if (!held) return undefined;
  held.status = 'pending';
  return held;
}

/** Resolves a firing; returns the resolved notification to send, if one is due. */
export function resolveFiring(
  firing: Firing,
  nowMs: number,
  opts: { ruleDeleted?: boolean } = {},
): NotificationRecord | undefined {
  firing.status = 'resolved';
  firing.endsAt = nowMs;
  if (opts.ruleDeleted) firing.ruleDeleted = true;
  const notified = firing.notifications.some((n) => n.kind === 'firing' && n.status !== 'muted');
  if (!notified) return undefined;
  const notification = record('resolved', false, nowMs);
  firing.notifications.push(notification);
  return notification;
}
