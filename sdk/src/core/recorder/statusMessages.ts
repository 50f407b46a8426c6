import { redactString } from '../content/redact.js';

// Span status messages of failed requests: text from errors and tool results, scrubbed of
// credential-looking values before it goes on a span.

/** The status message of a thrown error (or a JSON-RPC error object): its message, scrubbed. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return redactString(error.message);
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return redactString(typeof message === 'string' ? message : String(error));
}

/** The status message of an isError tool result: its first text content, scrubbed and shortened. */
export function toolErrorMessage(result: Record<string, unknown> | undefined): string {
  const content = result?.['content'];
  if (Array.isArray(content)) {
    for (const item of content as unknown[]) {
      const text = (item as { type?: unknown; text?: unknown } | null)?.text;
      if (typeof text === 'string') return redactString(text.length > 256 ? text.slice(0, 256) : text);
    }
  }
  return 'tool_error';
}
