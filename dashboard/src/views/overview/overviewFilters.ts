import type { ToolStats } from '../../api/types.js';

/** Where the overview's figures come from: the collector decides (`auto`), or the URL forces one. */
export type OverviewSourceParam = 'auto' | 'spans' | 'metrics';

/** The overview's filters as the URL states them (`?server=&tool=&service=&compare=previous&source=`). */
export interface OverviewFilters {
  service: string;
  server: string;
  tool: string;
  compare: boolean;
  source: OverviewSourceParam;
}

export function readOverviewFilters(params: URLSearchParams): OverviewFilters {
  const source = params.get('source');
  return {
    service: params.get('service')?.trim() ?? '',
    server: params.get('server')?.trim() ?? '',
    tool: params.get('tool')?.trim() ?? '',
    compare: params.get('compare') === 'previous',
    source: source === 'spans' || source === 'metrics' ? source : 'auto',
  };
}

/** Writes one filter into a copy of the params; choosing another server drops a tool it may not have. */
export function withOverviewFilter(
  params: URLSearchParams,
  key: 'server' | 'tool' | 'service',
  value: string,
): URLSearchParams {
  const next = new URLSearchParams(params);
  if (value) next.set(key, value);
  else next.delete(key);
  if (key === 'server') next.delete('tool');
  return next;
}

/** The API parameters of the filters. */
export function overviewQueryParams(f: OverviewFilters): Record<string, string> {
  const out: Record<string, string> = {};
  if (f.service) out['service'] = f.service;
  if (f.server) out['server'] = f.server;
  if (f.tool) out['tool'] = f.tool;
  if (f.compare) out['compare'] = 'previous';
  if (f.source !== 'auto') out['source'] = f.source;
  return out;
}

/**
 * The choices of the server and tool selects, from the per-tool rows of the range: server names, and
 * the tools of the chosen server (of every server when none is chosen), sorted. A value the URL names
 * stays a choice even without calls in the range, so the select still shows what is applied.
 */
export function filterOptions(
  rows: readonly Pick<ToolStats, 'server' | 'tool'>[],
  current: Pick<OverviewFilters, 'server' | 'tool'>,
): { servers: string[]; tools: string[] } {
  const servers = new Set<string>();
  const tools = new Set<string>();
  for (const r of rows) {
    if (r.server) servers.add(r.server);
    if (r.tool && (current.server === '' || r.server === current.server)) tools.add(r.tool);
  }
  if (current.server) servers.add(current.server);
  if (current.tool) tools.add(current.tool);
  const sorted = (s: Set<string>): string[] => [...s].sort((a, b) => a.localeCompare(b));
  return { servers: sorted(servers), tools: sorted(tools) };
}
