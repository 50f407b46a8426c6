import { keepPreviousData, useQuery, type UseQueryResult } from '@tanstack/react-query';
import { refreshInterval, type RefreshOption } from '../lib/refresh.js';
import { rangeKey, resolveRange, type RangeSelection } from '../lib/timeRange.js';
import { useNeedsToken } from './authState.js';
import { apiGet, type QueryParams } from './client.js';
import type {
  ErrorsResponse,
  InfoResponse,
  OverviewResponse,
  ToolChangesResponse,
  ToolsResponse,
  TraceResponse,
  TracesResponse,
} from './types.js';

/**
 * A query over a time range. The range is resolved inside the query function, so every refetch of a
 * sliding preset ("last hour") asks for the window ending now.
 */
function useRangeQuery<T>(
  name: string,
  path: string,
  range: RangeSelection,
  refresh: RefreshOption,
  params: QueryParams = {},
): UseQueryResult<T> {
  return useQuery({
    queryKey: [name, rangeKey(range), params],
    queryFn: ({ signal }) => {
      const { fromMs, toMs } = resolveRange(range, Date.now());
      return apiGet<T>(path, { ...params, from: fromMs, to: toMs }, signal);
    },
    refetchInterval: refreshInterval(refresh),
    // Keep the previous answer on screen while a new range or filter loads: no flashing empty panels.
    placeholderData: keepPreviousData,
  });
}

/** What the collector says of itself (`GET /api/info`): fetched once per page load. */
export const useInfo = (): UseQueryResult<InfoResponse> =>
  useQuery({
    queryKey: ['info'],
    queryFn: ({ signal }) => apiGet<InfoResponse>('/api/info', {}, signal),
    staleTime: Infinity,
  });

/** The overview, filtered by `server`, `tool`, and with `compare: 'previous'` the window before. */
export const useOverview = (
  range: RangeSelection,
  refresh: RefreshOption,
  params: QueryParams = {},
): UseQueryResult<OverviewResponse> => useRangeQuery('overview', '/api/overview', range, refresh, params);

/**
 * Every server and tool with calls in the range, for the overview's filters while one is applied (the
 * filtered overview lists only what matches). Off when `enabled` is false.
 */
export function useToolList(
  range: RangeSelection,
  refresh: RefreshOption,
  enabled: boolean,
): UseQueryResult<ToolsResponse> {
  return useQuery({
    queryKey: ['tool-list', rangeKey(range)],
    enabled,
    queryFn: ({ signal }) => {
      const { fromMs, toMs } = resolveRange(range, Date.now());
      return apiGet<ToolsResponse>('/api/tools', { from: fromMs, to: toMs }, signal);
    },
    refetchInterval: refreshInterval(refresh),
    placeholderData: keepPreviousData,
  });
}

export const useTool = (
  range: RangeSelection,
  refresh: RefreshOption,
  server: string,
  tool: string,
): UseQueryResult<ToolsResponse> => useRangeQuery('tools', '/api/tools', range, refresh, { server, tool });

export const useErrors = (
  range: RangeSelection,
  refresh: RefreshOption,
  filters: QueryParams,
): UseQueryResult<ErrorsResponse> => useRangeQuery('errors', '/api/errors', range, refresh, filters);

export const useTraces = (
  range: RangeSelection,
  refresh: RefreshOption,
  filters: QueryParams,
): UseQueryResult<TracesResponse> => useRangeQuery('traces', '/api/traces', range, refresh, filters);

export function useTrace(traceId: string, refresh: RefreshOption): UseQueryResult<TraceResponse> {
  return useQuery({
    queryKey: ['trace', traceId],
    queryFn: ({ signal }) => apiGet<TraceResponse>(`/api/traces/${encodeURIComponent(traceId)}`, {}, signal),
    refetchInterval: refreshInterval(refresh),
  });
}

export function useToolChanges(server: string, refresh: RefreshOption): UseQueryResult<ToolChangesResponse> {
  return useQuery({
    queryKey: ['tool-changes', server],
    queryFn: ({ signal }) => apiGet<ToolChangesResponse>('/api/tool-changes', { server }, signal),
    refetchInterval: refreshInterval(refresh),
    placeholderData: keepPreviousData,
  });
}

/** How often the navigation's tool-change alert looks when the page's own auto-refresh is off. */
const TOOL_ALERT_POLL_MS = 60_000;

/**
 * The tool-change history for the navigation's alert. It keeps watching even with auto-refresh off:
 * a changed tool definition (a possible rug pull) should not wait for someone to reload the page.
 */
export function useToolChangeAlerts(refresh: RefreshOption): UseQueryResult<ToolChangesResponse> {
  // While the collector waits for a read token, polling would only collect more 401s.
  const needsToken = useNeedsToken();
  return useQuery({
    queryKey: ['tool-change-alerts'],
    enabled: !needsToken,
    queryFn: ({ signal }) => apiGet<ToolChangesResponse>('/api/tool-changes', {}, signal),
    refetchInterval: refreshInterval(refresh) || TOOL_ALERT_POLL_MS,
  });
}
