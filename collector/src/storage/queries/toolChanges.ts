/** `/tool-changes`: reads the tool-definition history and derives changes and flags from it. */
import type { ClickHouseClient } from '@clickhouse/client';
import { computeToolChanges, type ToolHistoryRow } from '../../api/toolChanges.js';
import type { ToolChangesResponse } from '../../api/types.js';
import { TABLES } from '../schema.js';
import { ToolApprovalStore } from '../toolApprovals.js';
import type { ToolChangesFilter } from './filters.js';
import { queryRows, Where } from './sql.js';

/** History rows read at most: the table holds one row per tool per set per session, small by nature. */
export const MAX_HISTORY_ROWS = 200_000;

export async function queryToolChanges(
  client: ClickHouseClient,
  database: string,
  f: ToolChangesFilter,
): Promise<ToolChangesResponse> {
  const where = new Where();
  if (f.server !== undefined) {
    where.bind((p) => `(ServerIdentity = ${p} OR ServerName = ${p})`, 'String', f.server);
  }
  const rows = await queryRows<ToolHistoryRow>(client, toolHistoryQuery(database, where), where.params);
  const approvals = await new ToolApprovalStore(client, database).list(f.server);
  return computeToolChanges(rows, approvals);
}

/** The history rows of one server identity (for approving its current set). */
export function queryToolHistory(
  client: ClickHouseClient,
  database: string,
  identity: string,
): Promise<ToolHistoryRow[]> {
  const where = new Where().eq('ServerIdentity', identity);
  return queryRows<ToolHistoryRow>(client, toolHistoryQuery(database, where), where.params);
}

/** Every server identity with tool definitions on record, and its name. */
export function queryToolServers(
  client: ClickHouseClient,
  database: string,
): Promise<{ identity: string; name: string }[]> {
  return queryRows<{ identity: string; name: string }>(
    client,
    `SELECT ServerIdentity AS identity, any(ServerName) AS name
     FROM \`${database}\`.\`${TABLES.toolDefinitions}\` GROUP BY ServerIdentity`,
  );
}

/** The SELECT of the history rows ({@link ToolHistoryRow}); the alert evaluator reads them too. */
export function toolHistoryQuery(database: string, where: Where): string {
  return `SELECT ServerIdentity AS identity, any(ServerName) AS serverName, Tool AS tool, Fingerprint AS fingerprint,
       ServerVersion AS serverVersion, SessionId AS sessionId, SetFingerprint AS setFingerprint,
       any(Definition) AS definition,
       toString(toUnixTimestamp64Nano(min(FirstSeen))) AS firstSeenNs,
       toString(toUnixTimestamp64Nano(max(LastSeen))) AS lastSeenNs
     FROM \`${database}\`.\`${TABLES.toolDefinitions}\` ${where}
     GROUP BY ServerIdentity, Tool, Fingerprint, ServerVersion, SessionId, SetFingerprint
     LIMIT ${MAX_HISTORY_ROWS}`;
}
