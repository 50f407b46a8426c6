/**
 * Reads of the collector's query API for the dialect tests (dialects.test.ts, dialects-sentry.test.ts):
 * what a person sees for spans that other instrumentations sent.
 */
import type {
  ErrorGroup,
  ErrorsResponse,
  OverviewResponse,
  SpanView,
  ToolStats,
  ToolsResponse,
  TraceResponse,
  TracesResponse,
} from '@mcpscope/collector';
import { waitFor } from '../helpers/collector.js';

export class DialectApi {
  constructor(private readonly url: string) {}

  async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}${path}`);
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** `/api/tools` rows of a service (the per-minute rollup: the MCP columns as stored). */
  async tools(query: Record<string, string>): Promise<ToolStats[]> {
    return (await this.get<ToolsResponse>(`/api/tools?${new URLSearchParams(query)}`)).tools;
  }

  async overview(query: Record<string, string>): Promise<OverviewResponse> {
    return this.get<OverviewResponse>(`/api/overview?${new URLSearchParams(query)}`);
  }

  async traces(query: Record<string, string>): Promise<TracesResponse['traces']> {
    return (await this.get<TracesResponse>(`/api/traces?${new URLSearchParams(query)}`)).traces;
  }

  async trace(traceId: string): Promise<TraceResponse> {
    return this.get<TraceResponse>(`/api/traces/${traceId}`);
  }

  async errors(query: Record<string, string>): Promise<ErrorGroup[]> {
    return (await this.get<ErrorsResponse>(`/api/errors?${new URLSearchParams(query)}`)).errors;
  }

  /** Waits until `/api/tools` for `query` has rows summing to `calls` calls (every span stored). */
  async toolsWhenStored(query: Record<string, string>, calls: number): Promise<ToolStats[]> {
    return waitFor(
      async () => {
        const rows = await this.tools(query);
        return rows.reduce((n, r) => n + r.count, 0) >= calls ? rows : undefined;
      },
      30_000,
      `${calls} calls in /api/tools?${new URLSearchParams(query)}`,
    );
  }

  /** Waits until `/api/errors` for `query` has `groups` groups (root causes are decided after ingest). */
  async errorsWhenDecided(query: Record<string, string>, groups: number): Promise<ErrorGroup[]> {
    return waitFor(
      async () => {
        const errors = await this.errors(query);
        return errors.length >= groups ? errors : undefined;
      },
      30_000,
      `${groups} error groups in /api/errors?${new URLSearchParams(query)}`,
    );
  }
}

/** One row per (server, method, tool, layer) with its call and error counts, for comparisons. */
export function toolRows(
  rows: ToolStats[],
): { server: string; method: string; tool: string; layer: string; count: number; errors: number }[] {
  return rows
    .map(({ server, method, tool, layer, count, errors }) => ({ server, method, tool, layer, count, errors }))
    .sort((a, b) => `${a.server}/${a.method}/${a.tool}`.localeCompare(`${b.server}/${b.method}/${b.tool}`));
}

/** The spans of a trace that are calls of `tool`. */
export const callsOf = (spans: SpanView[], tool: string): SpanView[] =>
  spans.filter((s) => s.attributes['gen_ai.tool.name'] === tool);
