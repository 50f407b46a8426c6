import { parseRefresh, type RefreshOption } from './refresh.js';

/** Auto-refresh of a wall screen that does not name one: a wall is watched, not clicked. */
export const WALL_REFRESH: RefreshOption = '30s';

/** `?wall=1`: the kiosk layout for a screen on the wall. */
export function isWall(params: URLSearchParams): boolean {
  const v = params.get('wall');
  return v === '1' || v === 'true';
}

/** The auto-refresh in effect: the URL's `refresh=`, else {@link WALL_REFRESH} on a wall, else off. */
export function effectiveRefresh(params: URLSearchParams): RefreshOption {
  const given = params.get('refresh');
  if (given !== null) return parseRefresh(given);
  return isWall(params) ? WALL_REFRESH : 'off';
}
