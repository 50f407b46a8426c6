import { useMutation, useQuery, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { refreshInterval, type RefreshOption } from '../lib/refresh.js';
import { useNeedsToken } from './authState.js';
import { apiGet, apiSend } from './client.js';
import type { AlertRuleDefinition, AlertRulesResponse, AlertsResponse } from './types.js';

/** How often the alerts are read when the page's own auto-refresh is off: a firing alert must not wait. */
const ALERTS_POLL_MS = 15_000;

const ALERTS_KEY = ['alerts'] as const;
const RULES_KEY = ['alert-rules'] as const;

/**
 * What fires now and the history (`GET /api/alerts`). Polled even with auto-refresh off: the navigation's
 * firing count reads it on every page. Not while the collector waits for a read token.
 */
export function useAlerts(refresh: RefreshOption): UseQueryResult<AlertsResponse> {
  const needsToken = useNeedsToken();
  return useQuery({
    queryKey: ALERTS_KEY,
    enabled: !needsToken,
    queryFn: ({ signal }) => apiGet<AlertsResponse>('/api/alerts', {}, signal),
    refetchInterval: refreshInterval(refresh) || ALERTS_POLL_MS,
  });
}

export function useAlertRules(refresh: RefreshOption): UseQueryResult<AlertRulesResponse> {
  return useQuery({
    queryKey: RULES_KEY,
    queryFn: ({ signal }) => apiGet<AlertRulesResponse>('/api/alert-rules', {}, signal),
    refetchInterval: refreshInterval(refresh) || ALERTS_POLL_MS,
  });
}

/** A rule as the form sends it: the definition without the defaults the collector fills in. */
export type NewAlertRule = Omit<AlertRuleDefinition, 'resolveAfterEvaluations'> &
  Partial<Pick<AlertRuleDefinition, 'resolveAfterEvaluations'>>;

/** Create, delete, mute and unmute rules; each refreshes the rules and the alerts when it lands. */
export function useAlertRuleActions() {
  const client = useQueryClient();
  const refreshAll = (): void => {
    void client.invalidateQueries({ queryKey: RULES_KEY });
    void client.invalidateQueries({ queryKey: ALERTS_KEY });
  };
  const create = useMutation({
    mutationFn: (rule: NewAlertRule) => apiSend<{ id: string }>('POST', '/api/alert-rules', rule),
    onSuccess: refreshAll,
  });
  const remove = useMutation({
    mutationFn: (id: string) => apiSend<void>('DELETE', `/api/alert-rules/${encodeURIComponent(id)}`),
    onSuccess: refreshAll,
  });
  const mute = useMutation({
    mutationFn: ({ id, untilMs }: { id: string; untilMs: number | null }) =>
      apiSend<{ id: string; mutedUntil: string | null }>(
        'POST',
        `/api/alert-rules/${encodeURIComponent(id)}/mute`,
        { until: untilMs },
      ),
    onSuccess: refreshAll,
  });
  return { create, remove, mute };
}
