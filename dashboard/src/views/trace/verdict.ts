import type { TraceResponse } from '../../api/types.js';

/** One verdict of the collector on a failed call of the trace (the API's `RootCauseView`). */
export type Verdict = NonNullable<TraceResponse['rootCause']>;

/** Every failed call's verdict, in start order; `rootCause` alone when an answer lists no others. */
export function verdictsOf(trace: Pick<TraceResponse, 'rootCause' | 'rootCauses'>): Verdict[] {
  if (trace.rootCauses.length > 0) return trace.rootCauses;
  return trace.rootCause ? [trace.rootCause] : [];
}

/** "Failed in: downstream — GET /v1/alerts → 503": the layer, then what went wrong. */
export function verdictHeadline(v: Verdict): string {
  return `Failed in: ${v.layer} — ${verdictMessage(v)}`;
}

/** What went wrong: the verdict's message, else its error type. */
export function verdictMessage(v: Verdict): string {
  return v.message || v.errorType || 'error';
}

/** The failed call in words: "tools/call get_alerts on weather", leaving out what is not known. */
export function callLabel(call: Verdict['call']): string {
  const what = [call.method || 'MCP call', call.tool].filter(Boolean).join(' ');
  return call.server ? `${what} on ${call.server}` : what;
}

/**
 * Which verdict the banner shows: the one whose span is selected (the user picked it, or a link named
 * it), else the one whose call's outer span is, else the trace's first failed call.
 */
export function shownVerdictIndex(verdicts: readonly Verdict[], selectedSpanId: string | null): number {
  if (selectedSpanId) {
    const bySpan = verdicts.findIndex((v) => v.spanId === selectedSpanId);
    if (bySpan >= 0) return bySpan;
    const byCall = verdicts.findIndex((v) => v.call.spanId === selectedSpanId);
    if (byCall >= 0) return byCall;
  }
  return 0;
}

/**
 * The span to select when the page opens: none when the URL already names one (a shared link wins),
 * else the span that explains the first failure, provided it has arrived; a span the collector knows of
 * only from another span's attribute cannot be drawn, so nothing is selected then.
 */
export function initialSpan(
  urlSpanId: string | null,
  rootCause: Verdict | null,
  isLoaded: (spanId: string) => boolean,
): string | null {
  if (urlSpanId !== null || !rootCause) return null;
  return isLoaded(rootCause.spanId) ? rootCause.spanId : null;
}
