import { useSyncExternalStore } from 'react';

/** What the user picked: follow the system (`prefers-color-scheme`), or one theme always. */
export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

/** Where the choice is kept between visits. */
export const THEME_KEY = 'mcpscope.theme';

const CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];

/** A stored value as a choice; anything unknown (or nothing) follows the system. */
export function toThemeChoice(value: string | null | undefined): ThemeChoice {
  return CHOICES.find((c) => c === value) ?? 'system';
}

export function resolveTheme(choice: ThemeChoice, systemPrefersDark: boolean): Theme {
  if (choice === 'system') return systemPrefersDark ? 'dark' : 'light';
  return choice;
}

/** The toggle's order: from following the system to the theme the system does not show, then the other. */
export function nextThemeChoice(choice: ThemeChoice, systemPrefersDark: boolean): ThemeChoice {
  if (choice === 'system') return systemPrefersDark ? 'light' : 'dark';
  if (resolveTheme(choice, systemPrefersDark) === (systemPrefersDark ? 'dark' : 'light')) return 'system';
  return choice === 'dark' ? 'light' : 'dark';
}

// ── the browser side: a small store over localStorage and the media query ──────────────────────────

const listeners = new Set<() => void>();
const media = (): MediaQueryList | undefined =>
  typeof window !== 'undefined' && typeof window.matchMedia === 'function'
    ? window.matchMedia('(prefers-color-scheme: dark)')
    : undefined;

function readChoice(): ThemeChoice {
  try {
    return toThemeChoice(window.localStorage.getItem(THEME_KEY));
  } catch {
    return 'system';
  }
}

let choice: ThemeChoice = typeof window === 'undefined' ? 'system' : readChoice();
let prefersDark = media()?.matches ?? false;
let snapshot = { choice, theme: resolveTheme(choice, prefersDark) };

function update(): void {
  snapshot = { choice, theme: resolveTheme(choice, prefersDark) };
  applyTheme(snapshot.theme);
  for (const l of listeners) l();
}

/**
 * Puts the theme on the document: `data-theme` selects the CSS variables, `color-scheme` the browser's
 * own controls and scrollbars. Called before the first render too, so a dark screen never flashes white.
 */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset['theme'] = theme;
  document.documentElement.style.colorScheme = theme;
}

/** Applies the stored choice and follows the system's preference from now on. */
export function initTheme(): void {
  media()?.addEventListener('change', (e) => {
    prefersDark = e.matches;
    update();
  });
  applyTheme(snapshot.theme);
}

export function setThemeChoice(next: ThemeChoice): void {
  choice = next;
  try {
    if (next === 'system') window.localStorage.removeItem(THEME_KEY);
    else window.localStorage.setItem(THEME_KEY, next);
  } catch {
    // Without storage the choice lasts until the page is reloaded.
  }
  update();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The theme choice, the theme it resolves to now, and whether the system prefers dark. */
export function useTheme(): { choice: ThemeChoice; theme: Theme; systemPrefersDark: boolean } {
  const s = useSyncExternalStore(subscribe, () => snapshot);
  return { ...s, systemPrefersDark: prefersDark };
}
