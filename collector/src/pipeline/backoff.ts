/**
 * Delay before retry number `attempt` (0 for the first retry): exponential growth from `baseMs`, with
 * "equal jitter" — half the delay fixed, half random — so that collectors that failed together do not
 * retry together, while every retry still waits at least half its nominal delay.
 */
export function backoffDelayMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  const nominal = baseMs * 2 ** attempt;
  return nominal / 2 + random() * (nominal / 2);
}
