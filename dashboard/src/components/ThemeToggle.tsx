import { nextThemeChoice, setThemeChoice, useTheme } from '../lib/theme.js';
import { TEST_IDS } from '../testIds.js';

const ICONS = { light: '☀', dark: '☾' } as const;

/**
 * Cycles the theme: following the system (`prefers-color-scheme`), then the other theme, then the
 * system's own pinned; the choice is kept in localStorage.
 */
export function ThemeToggle() {
  const { choice, theme, systemPrefersDark } = useTheme();
  const now = choice === 'system' ? `${theme} (following the system)` : theme;
  const next = nextThemeChoice(choice, systemPrefersDark);
  const label = `Theme: ${now}. Switch to ${next === 'system' ? 'the system theme' : next}`;
  return (
    <button
      type="button"
      className="theme-toggle"
      onClick={() => setThemeChoice(next)}
      title={label}
      aria-label={label}
      data-testid={TEST_IDS.themeToggle}
      data-choice={choice}
    >
      <span aria-hidden="true">
        {ICONS[theme]}
        {choice === 'system' ? ' auto' : ''}
      </span>
    </button>
  );
}
