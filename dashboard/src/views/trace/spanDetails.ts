import type { SpanView } from '../../api/types.js';
import {
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  EVENT_EXCEPTION,
} from '../../telemetry.js';

/**
 * Attributes sorted by key, keeping those whose key or value contains the filter (case-insensitive).
 * Captured payload attributes are left out: they are shown in their own section.
 */
export function filterAttributes(attributes: Record<string, string>, filter: string): [string, string][] {
  const needle = filter.trim().toLowerCase();
  return Object.entries(attributes)
    .filter(([k]) => !PAYLOAD_KEYS.has(k))
    .filter(([k, v]) => needle === '' || k.toLowerCase().includes(needle) || v.toLowerCase().includes(needle))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

const PAYLOAD_KEYS = new Set([ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, ATTR_GEN_AI_TOOL_CALL_RESULT]);

/** A captured argument or result, from the payload column or (older collectors) the attribute map. */
export interface Payload {
  name: string;
  value: string;
  originalSize: number;
  truncated: boolean;
}

export function payloadsOf(span: SpanView): Payload[] {
  const out: Payload[] = [...(span.payloads ?? [])];
  const seen = new Set(out.map((p) => p.name));
  for (const key of PAYLOAD_KEYS) {
    const value = span.attributes[key];
    if (value === undefined || seen.has(key)) continue;
    const original = Number(span.attributes[`${key}.original_size`]);
    const originalSize = Number.isFinite(original) && original > 0 ? original : value.length;
    out.push({ name: key, value, originalSize, truncated: originalSize > value.length });
  }
  return out;
}

/** Nanoseconds from the span start to an event, in BigInt first: both are unix nanoseconds. */
export function eventOffsetNs(spanStartUnixNano: string, eventUnixNano: string): number {
  try {
    return Number(BigInt(eventUnixNano) - BigInt(spanStartUnixNano));
  } catch {
    return Number.NaN;
  }
}

/** The exception an `exception` event records (OpenTelemetry semantic conventions), if it is one. */
export interface ExceptionInfo {
  type: string;
  message: string;
  stacktrace: string;
}

export function exceptionOf(event: SpanView['events'][number]): ExceptionInfo | undefined {
  if (event.name !== EVENT_EXCEPTION) return undefined;
  return {
    type: event.attributes[ATTR_EXCEPTION_TYPE] ?? '',
    message: event.attributes[ATTR_EXCEPTION_MESSAGE] ?? '',
    stacktrace: event.attributes[ATTR_EXCEPTION_STACKTRACE] ?? '',
  };
}

/** Pretty-prints JSON payloads for reading; anything else (including truncated JSON) as it is. */
export function prettyPayload(value: string): string {
  try {
    return JSON.stringify(JSON.parse(value), null, 2);
  } catch {
    return value;
  }
}
