/** Auto-refresh choices for screens on the wall, kept in the URL as `refresh=`. */
export const REFRESH_OPTIONS = { off: false, '10s': 10_000, '30s': 30_000, '1m': 60_000 } as const;

export type RefreshOption = keyof typeof REFRESH_OPTIONS;

/** Reads `refresh=`; anything unknown means off, so a link never starts polling by accident. */
export function parseRefresh(value: string | null): RefreshOption {
  return value !== null && Object.prototype.hasOwnProperty.call(REFRESH_OPTIONS, value)
    ? (value as RefreshOption)
    : 'off';
}

/** The TanStack Query `refetchInterval` for an option: milliseconds, or false when off. */
export function refreshInterval(option: RefreshOption): number | false {
  return REFRESH_OPTIONS[option];
}
