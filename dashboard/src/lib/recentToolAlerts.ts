import type { ToolChange } from '../api/types.js';

/** How far back the navigation's tool-change alert looks: a day, one on-call shift and then some. */
export const TOOL_ALERT_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * The tool-definition changes worth an alert: flagged (changed without a version bump, in the middle of
 * a session, or carrying an injection pattern) and made within `windowMs` before `nowMs`. Unflagged
 * changes — a release that bumped the version — are history, not alerts.
 */
export function recentFlaggedChanges(
  changes: readonly ToolChange[],
  nowMs: number,
  windowMs: number = TOOL_ALERT_WINDOW_MS,
): ToolChange[] {
  return changes.filter((change) => {
    const at = Date.parse(change.at);
    return change.flags.length > 0 && Number.isFinite(at) && at <= nowMs && nowMs - at <= windowMs;
  });
}
