import { describe, expect, it } from 'vitest';
import { nextThemeChoice, resolveTheme, toThemeChoice } from './theme.js';

describe('theme', () => {
  it('follows the system unless a theme was chosen', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme('light', true)).toBe('light');
    expect(toThemeChoice('dark')).toBe('dark');
    expect(toThemeChoice('purple')).toBe('system');
    expect(toThemeChoice(null)).toBe('system');
  });

  it('toggles to the theme the system does not show, then the other, then back to the system', () => {
    const cycle = (dark: boolean) => {
      const seen = ['system' as const] as string[];
      let c = nextThemeChoice('system', dark);
      while (c !== 'system' && seen.length < 5) {
        seen.push(c);
        c = nextThemeChoice(c, dark);
      }
      return seen;
    };
    expect(cycle(false)).toEqual(['system', 'dark', 'light']);
    expect(cycle(true)).toEqual(['system', 'light', 'dark']);
  });
});
