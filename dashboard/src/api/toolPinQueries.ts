import { useMutation, useQueryClient } from '@tanstack/react-query';
import { apiSend } from './client.js';
import type { ToolApprovalView } from './types.js';

/** What an approval sends: the set the reviewer looked at, and who they say they are. */
export interface ApproveRequest {
  server: string;
  /** The set shown on the page: the collector refuses (409) when the server listed another since. */
  setFingerprint: string;
  approvedBy?: string;
  note?: string;
}

/**
 * Approves a server's current tools (`POST /api/tool-pins/:server/approve`), then reloads the tool
 * changes and the navigation's alert, which both compare with the approved set.
 */
export function useApproveTools() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ server, ...body }: ApproveRequest) =>
      apiSend<ToolApprovalView>('POST', `/api/tool-pins/${encodeURIComponent(server)}/approve`, body),
    onSettled: () => {
      void client.invalidateQueries({ queryKey: ['tool-changes'] });
      void client.invalidateQueries({ queryKey: ['tool-change-alerts'] });
    },
  });
}
