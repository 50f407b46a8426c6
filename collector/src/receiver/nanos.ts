/**
 * 64-bit integers as decimal strings without passing through a lossy JS number: OTLP timestamps are
 * unix nanoseconds (about 1.7e18, far beyond 2^53) and chdb refuses such integers as JS numbers.
 */

const TWO_POW_32 = 4294967296;
// Below 2^21 in the high word the value is below 2^53 and a double holds it exactly.
const SAFE_HIGH_WORD = 0x200000;

/** Unsigned 64-bit value from its two 32-bit halves, as a decimal string. */
export function uint64ToDecimal(low: number, high: number): string {
  if (high < SAFE_HIGH_WORD) return String(high * TWO_POW_32 + low);
  return ((BigInt(high) << 32n) | BigInt(low)).toString();
}

/** Signed (two's complement) 64-bit value from its two 32-bit halves, as a decimal string. */
export function int64ToDecimal(low: number, high: number): string {
  if (high < 0x80000000) return uint64ToDecimal(low, high);
  const negLow = (~low + 1) >>> 0;
  const negHigh = (~high + (negLow === 0 ? 1 : 0)) >>> 0;
  return `-${uint64ToDecimal(negLow, negHigh)}`;
}

/** End minus start of two unsigned 64-bit values (end ≥ start), as a decimal string. */
export function uint64DifferenceToDecimal(
  startLow: number,
  startHigh: number,
  endLow: number,
  endHigh: number,
): string {
  const highDiff = endHigh - startHigh;
  if (highDiff < SAFE_HIGH_WORD) return String(highDiff * TWO_POW_32 + (endLow - startLow));
  const start = (BigInt(startHigh) << 32n) | BigInt(startLow);
  const end = (BigInt(endHigh) << 32n) | BigInt(endLow);
  return (end - start).toString();
}

const DECIMAL = /^\d+$/;

/** Whether `value` is an unsigned decimal integer literal (what OTLP/JSON sends for fixed64). */
export function isUnsignedDecimal(value: string): boolean {
  return DECIMAL.test(value);
}

/** Drops leading zeros so that equal values have equal spellings ("007" → "7", "000" → "0"). */
export function canonicalDecimal(value: string): string {
  let i = 0;
  while (i < value.length - 1 && value.charCodeAt(i) === 48) i++;
  return i === 0 ? value : value.slice(i);
}

/** Compares two canonical unsigned decimal strings numerically: negative, zero or positive. */
export function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `end - start` of two canonical unsigned decimal strings (end ≥ start), as a decimal string. */
export function subtractDecimal(end: string, start: string): string {
  // Up to 15 digits both fit a double exactly.
  if (end.length <= 15) return String(Number(end) - Number(start));
  return (BigInt(end) - BigInt(start)).toString();
}

/**
 * Latest time storable, in unix nanoseconds: the end of 2106-02-07 06:28:15 UTC, the last second of
 * ClickHouse's DateTime, which the trace lookup and the daily partitions derive from each span's times.
 * (DateTime64(9) itself reaches 2262.) In the protobuf decoder's terms: a high word of at most
 * {@link MAX_TIME_HIGH_WORD}.
 */
export const MAX_TIME_NS = '4294967295999999999';
export const MAX_TIME_HIGH_WORD = 0x3b9ac9ff;

/** Digits of a nanosecond time written as storage expects it. */
const TIME_DIGITS = 19;

/**
 * A canonical nanosecond time as 19 digits, zero-padded. ClickHouse reads a DateTime64(9) given as an
 * all-digit string by its length: 19 digits are nanosecond ticks, ten or fewer are seconds, other
 * lengths are errors — so "1000000000" (1 s after the epoch) would be stored as 2001-09-09, and any
 * 18-digit time (1973–2001) refused. Fixed width is read exactly, always.
 */
export function storedTime(canonical: string): string {
  return canonical.length >= TIME_DIGITS ? canonical : canonical.padStart(TIME_DIGITS, '0');
}

/** Whether a canonical nanosecond time is past {@link MAX_TIME_NS}. */
export function timeOutOfRange(canonical: string): boolean {
  return compareDecimal(canonical, MAX_TIME_NS) > 0;
}
