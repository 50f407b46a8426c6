/**
 * Reads of the collector's query API for the root-cause matrix (rootCauseMatrix.test.ts): traces by tool
 * in a window around a call, a trace by id, and a one-line-per-span summary for failure messages.
 */
import type { SpanView, TraceResponse, TraceSummary, TracesResponse } from '@mcpscope/collector';

/** The wall-clock window of one call, in unix milliseconds. */
export interface CallWindow {
  from: number;
  to: number;
}

async function api<T>(collectorUrl: string, path: string): Promise<T | undefined> {
  const res = await fetch(`${collectorUrl}${path}`);
  return res.ok ? ((await res.json()) as T) : undefined;
}

/**
 * `GET /api/traces?tool=&service=&from=&to=`: traces with a span of `tool` (recorded by `service`, when
 * given) that started within a second of the call's window.
 */
export async function findTraces(
  collectorUrl: string,
  tool: string,
  window: CallWindow,
  service?: string,
): Promise<TraceSummary[]> {
  const q = new URLSearchParams({ tool, from: String(window.from - 1_000), to: String(window.to + 1_000) });
  if (service !== undefined) q.set('service', service);
  return (await api<TracesResponse>(collectorUrl, `/api/traces?${q}`))?.traces ?? [];
}

/** `GET /api/traces/:traceId`; undefined while the trace is not stored. */
export function getTrace(collectorUrl: string, traceId: string): Promise<TraceResponse | undefined> {
  return api<TraceResponse>(collectorUrl, `/api/traces/${traceId}`);
}

export const isToolCall = (s: SpanView, tool: string): boolean =>
  s.attributes['mcp.method.name'] === 'tools/call' && s.attributes['gen_ai.tool.name'] === tool;

/** Which view of a call a span is: `client`, `transport`, `server`, or `proxy` (`mcpscope proxy`'s). */
export const viewOf = (s: SpanView): string =>
  s.attributes['mcpscope.source'] === 'proxy' ? 'proxy' : (s.attributes['mcpscope.layer'] ?? '');

/** One line per span, for a failure message: who said what. */
export function summarizeSpans(spans: SpanView[]): string {
  return spans
    .map((s) =>
      [
        `\n  ${s.name} [${s.kind}/${viewOf(s)}] ${s.service} ${s.statusCode}`,
        s.attributes['error.type'] ? `error.type=${s.attributes['error.type']}` : '',
        s.attributes['mcpscope.fault'] ? `fault=${s.attributes['mcpscope.fault']}` : '',
        s.statusMessage ? `"${s.statusMessage}"` : '',
      ].join(' '),
    )
    .join('');
}

/** A Markdown table, columns padded to their widest cell. */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
