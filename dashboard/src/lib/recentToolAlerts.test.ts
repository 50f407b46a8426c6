import { describe, expect, it } from 'vitest';
import type { ToolChange } from '../api/types.js';
import { recentFlaggedChanges, TOOL_ALERT_WINDOW_MS } from './recentToolAlerts.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const change = (at: string, flags: string[]): ToolChange => ({
  server: 'weather',
  tool: 'get_weather',
  kind: 'changed',
  at,
  flags,
});

describe('recentFlaggedChanges', () => {
  it('keeps flagged changes of the last day only', () => {
    const recent = change('2026-11-25T09:00:00Z', ['no_version_bump']);
    const injected = change('2026-11-24T12:30:00Z', ['injection:override_phrase']);
    const old = change('2026-11-24T11:00:00Z', ['mid_session']);
    const release = change('2026-11-25T10:00:00Z', []);
    const unparsable = change('yesterday', ['no_version_bump']);
    expect(recentFlaggedChanges([recent, injected, old, release, unparsable], NOW)).toEqual([
      recent,
      injected,
    ]);
  });

  it('takes the window it is given', () => {
    const hourAgo = change(new Date(NOW - 60 * 60 * 1000).toISOString(), ['mid_session']);
    expect(recentFlaggedChanges([hourAgo], NOW, 30 * 60 * 1000)).toEqual([]);
    expect(recentFlaggedChanges([hourAgo], NOW, TOOL_ALERT_WINDOW_MS)).toEqual([hourAgo]);
  });
});
