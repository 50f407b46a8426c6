import { describe, expect, it } from 'vitest';
import { flagDescription, flagTone } from './flags.js';

describe('change flags', () => {
  it('shows injection heuristics as alarms and process smells as warnings', () => {
    expect(flagTone('injection:zero_width')).toBe('danger');
    expect(flagTone('no_version_bump')).toBe('warn');
    expect(flagTone('mid_session')).toBe('warn');
    expect(flagTone('something_new')).toBe('neutral');
  });

  it('explains known flags and spells out unknown ones', () => {
    expect(flagDescription('no_version_bump')).toMatch(/same version/);
    expect(flagDescription('injection:hidden_markdown')).toBe('possible injection: hidden markdown');
  });
});
