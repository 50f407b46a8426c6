/**
 * Admission by time: spans the collector would not keep are refused (in `partial_success`, with a
 * reason) instead of answered 200 and dropped. A span older than the retention would be deleted by the
 * table's TTL at once — the sender must know it was not kept. A span starting far in the future comes
 * from a broken clock, and would sit on a partition of its own (days ahead) until it expired.
 * Together the two bounds keep the partitions (days) one insert touches within retention + 2, far
 * below the engine's 100 per insert.
 */
import type { DecodedRequest, RejectedSpan, SpanRow } from '../storage/rows.js';

/** How far ahead of the collector's clock a span may start: senders' clocks drift, not by a day. */
export const MAX_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

/** The window of start times kept, as 19-digit nanosecond strings (what rows carry, so they compare as text). */
export interface AdmissionWindow {
  /** Oldest start kept; absent when retention is off. */
  oldest?: string;
  newest: string;
  retentionDays: number;
}

/** The window for `retentionDays` (0: keep everything) at `nowMs`. */
export function admissionWindow(retentionDays: number, nowMs = Date.now()): AdmissionWindow {
  const ns = (ms: number) => (BigInt(Math.floor(ms)) * 1_000_000n).toString().padStart(19, '0');
  return {
    ...(retentionDays > 0 ? { oldest: ns(nowMs - retentionDays * 86_400_000) } : {}),
    newest: ns(nowMs + MAX_CLOCK_SKEW_MS),
    retentionDays,
  };
}

/**
 * Moves the rows starting outside `window` from `request.rows` to `request.rejected` (in place: the
 * receiver answers from the same request). Decoded rows carry 19-digit times, compared as text: no
 * BigInt per row.
 */
export function admit(request: DecodedRequest, window: AdmissionWindow): void {
  admitRows(request, window, spanStart, 'start_time_unix_nano');
}

const spanStart = (row: SpanRow): string => row.Timestamp;

/**
 * {@link admit} for rows of any signal: `timeOf` reads a row's time (19-digit nanoseconds), and
 * `field` names that time in the refusals (`start_time_unix_nano` of a span, `time_unix_nano` of a
 * data point).
 */
export function admitRows<R>(
  request: { rows: R[]; rejected: { push(refusal: RejectedSpan): unknown }; bytes: number },
  window: AdmissionWindow,
  timeOf: (row: R) => string,
  field: string,
): void {
  const { oldest, newest } = window;
  let kept: R[] | undefined;
  const rows = request.rows;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const ts = timeOf(row);
    let refusal: RejectedSpan | undefined;
    if (oldest !== undefined && before(ts, oldest)) {
      refusal = {
        reason: 'expired',
        message: `${field} is older than the retention of ${window.retentionDays} days`,
      };
    } else if (before(newest, ts)) {
      refusal = {
        reason: 'invalid_timestamp',
        message: `${field} is more than a day ahead of the collector clock`,
      };
    }
    if (refusal === undefined) {
      kept?.push(row);
      continue;
    }
    kept ??= rows.slice(0, i);
    request.rejected.push(refusal);
  }
  if (kept !== undefined) {
    // Keep the queue's byte accounting roughly right: the refused rows' share goes.
    request.bytes = rows.length === 0 ? 0 : Math.round((request.bytes * kept.length) / rows.length);
    request.rows = kept;
  }
}

/** `a < b` for decimal nanosecond strings: as text when equally long (the decoders' 19 digits). */
function before(a: string, b: string): boolean {
  return a.length === b.length ? a < b : BigInt(a) < BigInt(b);
}
