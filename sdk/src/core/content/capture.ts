import type { Attributes } from '@opentelemetry/api';
import { ATTR_MCPSCOPE_CAPTURE_TRUNCATED_SUFFIX } from '../../semconv.js';
import { redactValue, type RedactHook } from './redact.js';

/** Default cap on one captured payload: 8 KiB keeps span batches small while showing typical arguments. */
export const DEFAULT_MAX_CAPTURE_BYTES = 8 * 1024;

/** How captured payloads are redacted and bounded. */
export interface CaptureSettings {
  /** Maximum UTF-8 bytes of one captured JSON string before it is truncated. */
  maxBytes: number;
  redact?: RedactHook;
}

/**
 * Serializes `value` for attribute `name`: redacted, then JSON, then truncated to `maxBytes` UTF-8 bytes.
 * When truncated, `<name>.original_size` records the full byte length so the reader knows what is missing.
 */
export function captureAttributes(name: string, value: unknown, settings: CaptureSettings): Attributes {
  const json = JSON.stringify(redactValue(value, settings.redact)) ?? 'null';
  const size = Buffer.byteLength(json, 'utf8');
  if (size <= settings.maxBytes) return { [name]: json };
  return {
    [name]: truncateUtf8(json, settings.maxBytes),
    [name + ATTR_MCPSCOPE_CAPTURE_TRUNCATED_SUFFIX]: size,
  };
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes);
  // Step back over continuation bytes (10xxxxxx) so the cut falls on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
