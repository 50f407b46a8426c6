/**
 * Words for the width of a chart's bucket, so a title says what a point counts: "per minute" on an
 * hour, "per hour" on a week, never "per minute" where the collector summed an hour.
 */

const UNITS: [seconds: number, singular: string][] = [
  [86_400, 'day'],
  [3600, 'hour'],
  [60, 'minute'],
  [1, 'second'],
];

/** "minute", "5 minutes", "hour", "3 hours", "day": the bucket as a phrase (the largest unit that divides it). */
export function bucketPhrase(bucketSeconds: number): string {
  if (!(bucketSeconds > 0)) return 'bucket';
  for (const [unit, name] of UNITS) {
    if (bucketSeconds % unit === 0) {
      const n = bucketSeconds / unit;
      return n === 1 ? name : `${n} ${name}s`;
    }
  }
  return `${bucketSeconds} seconds`;
}

/** "per minute", "per 5 minutes", "per hour". */
export function perBucket(bucketSeconds: number): string {
  return `per ${bucketPhrase(bucketSeconds)}`;
}
