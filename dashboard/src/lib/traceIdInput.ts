/** What the trace-id box makes of its input: a trace id to open, or why not. */
export type TraceIdInput = { ok: true; traceId: string } | { ok: false; error: string };

const HEX32 = /^[0-9a-f]{32}$/;
/** A W3C `traceparent` header value: version, trace id, parent id, flags. */
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;
/** A dashboard or Jaeger-style link to a trace. */
const TRACE_LINK = /\/traces?\/([0-9a-f]{32})(?:[/?#]|$)/;

/**
 * Reads what an on-call engineer pastes: a 32-hex trace id (any case, with dashes or spaces as some tools
 * print it), a `traceparent` header value, or a link to a trace. An all-zero id is invalid in W3C Trace
 * Context and is refused like any other malformed input, with a message that says what is expected.
 */
export function parseTraceIdInput(raw: string): TraceIdInput {
  const text = raw.trim().toLowerCase();
  if (text === '') return { ok: false, error: 'Paste a trace id: 32 hexadecimal characters.' };
  const candidate = TRACEPARENT.exec(text)?.[1] ?? TRACE_LINK.exec(text)?.[1] ?? text.replace(/[\s-]/g, '');
  if (!HEX32.test(candidate)) {
    const hex = /^[0-9a-f]*$/.test(candidate);
    return {
      ok: false,
      error: hex
        ? `A trace id has 32 hexadecimal characters; this has ${candidate.length}.`
        : 'A trace id has only the characters 0–9 and a–f.',
    };
  }
  if (/^0+$/.test(candidate)) return { ok: false, error: 'An all-zero trace id is not valid.' };
  return { ok: true, traceId: candidate };
}
