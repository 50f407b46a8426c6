import type { RejectedSpan } from '../storage/rows.js';

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/**
 * Checks a decoded span against the rules of the OTLP data model and returns why it must be refused,
 * or undefined when it is valid. Ids are the lowercase hex of the bytes received (2 characters per
 * byte); the decoders handle ids that are not hex at all.
 *
 * - trace_id: 16 bytes, not all zero; span_id: 8 bytes, not all zero (the specification calls such ids
 *   invalid); parent_span_id: empty or 8 bytes.
 * - name: required.
 * - start time required; end not before start (Duration is unsigned); times no later than storage
 *   can hold (`timeError` says which time is not).
 */
export function validateSpan(
  traceId: string,
  spanId: string,
  parentSpanId: string,
  name: string,
  startMissing: boolean,
  endBeforeStart: boolean,
  timeError?: string,
): RejectedSpan | undefined {
  if (traceId.length !== 32 || traceId === ZERO_TRACE_ID) {
    return {
      reason: 'invalid_trace_id',
      message:
        traceId.length === 32
          ? 'trace_id is all zero'
          : `trace_id must be 16 bytes, got ${traceId.length / 2}`,
    };
  }
  if (spanId.length !== 16 || spanId === ZERO_SPAN_ID) {
    return {
      reason: 'invalid_span_id',
      message:
        spanId.length === 16 ? 'span_id is all zero' : `span_id must be 8 bytes, got ${spanId.length / 2}`,
    };
  }
  if (parentSpanId.length !== 0 && parentSpanId.length !== 16) {
    return {
      reason: 'invalid_parent_span_id',
      message: `parent_span_id must be empty or 8 bytes, got ${parentSpanId.length / 2}`,
    };
  }
  if (name === '') return { reason: 'missing_name', message: 'span name is empty' };
  if (startMissing) return { reason: 'missing_timestamps', message: 'start_time_unix_nano is missing' };
  if (timeError !== undefined) return { reason: 'invalid_timestamp', message: timeError };
  if (endBeforeStart) {
    return { reason: 'end_before_start', message: 'end_time_unix_nano is before start_time_unix_nano' };
  }
  return undefined;
}

/**
 * The `error_message` of an OTLP partial success: counts per reason and the first example of each.
 * `noun` names what was refused (`span`, `data point`), in the singular.
 */
export function describeRejections(
  rejected: readonly { reason: string; message: string }[],
  noun = 'span',
): string {
  const byReason = new Map<string, { count: number; example: string }>();
  for (const r of rejected) {
    const entry = byReason.get(r.reason);
    if (entry) entry.count++;
    else byReason.set(r.reason, { count: 1, example: r.message });
  }
  const parts = [...byReason].map(([reason, { count, example }]) => `${count} ${reason} (${example})`);
  return `${rejected.length} ${noun}${rejected.length === 1 ? '' : 's'} rejected: ${parts.join('; ')}`;
}
