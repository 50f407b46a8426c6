/**
 * The rules of the OTLP metrics data model a decoded data point must keep, written once for both
 * decoders (protobuf and JSON). Each check returns why the point must be refused, or undefined.
 * Times are canonical unsigned decimal strings of unix nanoseconds ('0': absent).
 */
import { compareDecimal, timeOutOfRange } from '../receiver/nanos.js';
import type { RejectedPoint } from '../storage/metricRows.js';

/**
 * - `time_unix_nano` is required (every point type has it);
 * - neither time may be later than storage holds (2106-02-07);
 * - a `start_time_unix_nano`, when given, is not after `time_unix_nano`.
 */
export function validatePointTimes(start: string, time: string): RejectedPoint | undefined {
  if (time === '0') return { reason: 'missing_timestamps', message: 'time_unix_nano is missing' };
  if (timeOutOfRange(time))
    return {
      reason: 'invalid_timestamp',
      message: 'time_unix_nano is after 2106-02-07, the latest time storage holds',
    };
  if (timeOutOfRange(start)) {
    return {
      reason: 'invalid_timestamp',
      message: 'start_time_unix_nano is after 2106-02-07, the latest time storage holds',
    };
  }
  if (start !== '0' && compareDecimal(time, start) < 0)
    return { reason: 'end_before_start', message: 'time_unix_nano is before start_time_unix_nano' };
  return undefined;
}

/** A metric without a name cannot be stored or found: each of its points is refused. */
export function missingMetricName(): RejectedPoint {
  return { reason: 'missing_name', message: 'metric name is empty' };
}

/** A number point needs a value unless its flags say none was recorded (bit 0). */
export function validateNumberValue(hasValue: boolean, flags: number): RejectedPoint | undefined {
  if (hasValue || (flags & NO_RECORDED_VALUE) !== 0) return undefined;
  return { reason: 'missing_value', message: 'number data point has neither as_double nor as_int' };
}

/** `DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK`. */
export const NO_RECORDED_VALUE = 1;

/**
 * An explicit-bucket histogram: bounds finite and strictly increasing; bucket counts either absent
 * (with no bounds: count and sum only) or one more than the bounds; and, when present, adding up to
 * `count` (the data model requires it, and percentiles read from the buckets would be wrong otherwise).
 */
export function validateHistogram(
  count: string,
  bucketCounts: readonly string[],
  bounds: readonly number[],
): RejectedPoint | undefined {
  for (let i = 0; i < bounds.length; i++) {
    const b = bounds[i]!;
    if (!Number.isFinite(b)) return invalidBuckets(`explicit_bounds[${i}] is ${b}`);
    if (i > 0 && !(b > bounds[i - 1]!)) return invalidBuckets('explicit_bounds are not strictly increasing');
  }
  if (bucketCounts.length === 0) {
    return bounds.length === 0
      ? undefined
      : invalidBuckets(`explicit_bounds has ${bounds.length} entries but bucket_counts is empty`);
  }
  if (bucketCounts.length !== bounds.length + 1) {
    return invalidBuckets(
      `bucket_counts has ${bucketCounts.length} entries, explicit_bounds ${bounds.length}: expected ${bounds.length + 1}`,
    );
  }
  const total = sumDecimals(bucketCounts);
  if (total !== count) return invalidBuckets(`bucket_counts add up to ${total}, count is ${count}`);
  return undefined;
}

/** Scales the exponential histogram's data model allows. */
const MIN_SCALE = -10;
const MAX_SCALE = 20;

/** An exponential histogram: scale within [-10, 20]; zero, positive and negative counts add up to `count`. */
export function validateExponentialHistogram(
  count: string,
  scale: number,
  zeroCount: string,
  positive: readonly string[],
  negative: readonly string[],
): RejectedPoint | undefined {
  if (!Number.isInteger(scale) || scale < MIN_SCALE || scale > MAX_SCALE)
    return invalidBuckets(`scale ${scale} is outside [${MIN_SCALE}, ${MAX_SCALE}]`);
  const total = sumDecimals([zeroCount, ...positive, ...negative]);
  if (total !== count)
    return invalidBuckets(`zero_count and bucket_counts add up to ${total}, count is ${count}`);
  return undefined;
}

/** A summary: each quantile within [0, 1]. */
export function validateSummary(quantiles: readonly number[]): RejectedPoint | undefined {
  for (let i = 0; i < quantiles.length; i++) {
    const q = quantiles[i]!;
    if (!(q >= 0 && q <= 1))
      return { reason: 'invalid_quantile', message: `quantile_values[${i}].quantile ${q} is outside [0, 1]` };
  }
  return undefined;
}

function invalidBuckets(message: string): RejectedPoint {
  return { reason: 'invalid_buckets', message };
}

/**
 * The sum of unsigned decimal strings, as a canonical decimal string. Counts fit a double exactly
 * until 2^53; past that the sum is done in BigInt.
 */
export function sumDecimals(values: readonly string[]): string {
  let total = 0;
  for (const v of values) {
    total += Number(v);
    if (total > Number.MAX_SAFE_INTEGER || v.length > 15) {
      let big = 0n;
      for (const w of values) big += BigInt(w);
      return big.toString();
    }
  }
  return String(total);
}
