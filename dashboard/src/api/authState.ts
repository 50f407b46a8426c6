import { useSyncExternalStore } from 'react';

/**
 * Whether the collector refused a read for want of a token. Set from the query cache's error hook, read
 * by the token form: a module-level store because the hook lives outside React.
 */
let needsToken = false;
const listeners = new Set<() => void>();

export function setNeedsToken(value: boolean): void {
  if (needsToken === value) return;
  needsToken = value;
  for (const l of listeners) l();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useNeedsToken(): boolean {
  return useSyncExternalStore(subscribe, () => needsToken);
}
