/**
 * Approved tool sets (`mcp_tool_approvals`): one row per approval, never rewritten, so the table is the
 * history of approvals and the latest row of a server identity is its approved set. A row holds the
 * approved tools as three parallel arrays — names, fingerprints, definitions — so the views that only
 * compare fingerprints (tool changes, alerts) never read the definitions; those are read for a pin file.
 *
 * No TTL: approvals are configuration and audit trail, one row per click. Sharded by server identity in
 * cluster mode, so every approval of a server lives on one shard.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { DdlBuilder } from './schema.js';
import type { ApprovalWithDefinitions, StoredApproval } from '../model/toolApproval.js';
import { queryRows } from './queries/sql.js';

/** Public name of the approvals table. */
export const TOOL_APPROVALS_TABLE = 'mcp_tool_approvals';

/** The statements of the approvals migration. */
export function toolApprovalsTable(b: DdlBuilder): string[] {
  const body = [
    '    Id String,',
    '    ServerIdentity String CODEC(ZSTD(1)),',
    '    ServerName LowCardinality(String),',
    '    ServerVersion String,',
    '    SetFingerprint String,',
    '    ApprovedAt DateTime64(3),',
    '    ApprovedBy String,',
    '    Note String CODEC(ZSTD(1)),',
    '    ToolNames Array(String) CODEC(ZSTD(1)),',
    '    ToolFingerprints Array(String) CODEC(ZSTD(1)),',
    '    ToolDefinitions Array(String) CODEC(ZSTD(3))',
  ].join('\n');
  return b.table(
    TOOL_APPROVALS_TABLE,
    body,
    { family: 'MergeTree', shardingKey: 'cityHash64(ServerIdentity)' },
    'ORDER BY (ServerIdentity, ApprovedAt, Id)',
  );
}

/** An approval row as read (times as unix ms strings). */
export interface ApprovalRow {
  Id: string;
  ServerIdentity: string;
  ServerName: string;
  ServerVersion: string;
  SetFingerprint: string;
  ApprovedAt: string;
  ApprovedBy: string;
  Note: string;
  ToolNames: string[];
  ToolFingerprints: string[];
  ToolDefinitions?: string[];
}

const COLUMNS = `Id, ServerIdentity, ServerName, ServerVersion, SetFingerprint,
  toUnixTimestamp64Milli(ApprovedAt) AS ApprovedAt, ApprovedBy, Note, ToolNames, ToolFingerprints`;

/**
 * The SELECT of approvals without their definitions, oldest first; `where` filters (bound parameters).
 */
export function approvalsQuery(database: string, where = ''): string {
  return `SELECT ${COLUMNS} FROM \`${database}\`.\`${TOOL_APPROVALS_TABLE}\` ${where} ORDER BY ApprovedAt, Id`;
}

export function approvalOf(r: ApprovalRow): StoredApproval {
  return {
    id: r.Id,
    server: r.ServerIdentity,
    serverName: r.ServerName,
    serverVersion: r.ServerVersion,
    setFingerprint: r.SetFingerprint,
    approvedAtMs: Number(r.ApprovedAt),
    approvedBy: r.ApprovedBy,
    note: r.Note,
    tools: r.ToolNames.map((name, i) => ({ name, sha256: r.ToolFingerprints[i] ?? '' })),
  };
}

/** Reads and records approvals. */
export class ToolApprovalStore {
  private readonly table: string;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
  ) {
    this.table = `\`${database}\`.\`${TOOL_APPROVALS_TABLE}\``;
  }

  /** Appends an approval. */
  async record(approval: ApprovalWithDefinitions): Promise<void> {
    await this.client.insert({
      table: this.table,
      values: [
        {
          Id: approval.id,
          ServerIdentity: approval.server,
          ServerName: approval.serverName,
          ServerVersion: approval.serverVersion,
          SetFingerprint: approval.setFingerprint,
          ApprovedAt: approval.approvedAtMs,
          ApprovedBy: approval.approvedBy,
          Note: approval.note,
          ToolNames: approval.tools.map((t) => t.name),
          ToolFingerprints: approval.tools.map((t) => t.sha256),
          ToolDefinitions: approval.definitions,
        },
      ],
      format: 'JSONEachRow',
      clickhouse_settings: {
        // The embedded engine keeps settings between statements: clear a span write's token.
        insert_deduplication_token: '',
        // Through a Distributed table the row is on its shard when the insert returns: the answer to the
        // approval, and the pin file fetched right after it, see it.
        insert_distributed_sync: 1,
      },
    });
  }

  /**
   * Approvals without their definitions, oldest first: every one (the history), or those of the servers
   * whose identity or name is `server`.
   */
  async list(server?: string): Promise<StoredApproval[]> {
    const where =
      server === undefined ? '' : 'WHERE ServerIdentity = {server:String} OR ServerName = {server:String}';
    const rows = await queryRows<ApprovalRow>(
      this.client,
      approvalsQuery(this.database, where),
      server === undefined ? {} : { server },
    );
    return rows.map(approvalOf);
  }

  /** The latest approval of one server identity, with its definitions; undefined when it has none. */
  async latest(identity: string): Promise<ApprovalWithDefinitions | undefined> {
    const [row] = await queryRows<ApprovalRow>(
      this.client,
      `SELECT ${COLUMNS}, ToolDefinitions FROM ${this.table} WHERE ServerIdentity = {identity:String}
       ORDER BY ApprovedAt DESC, Id DESC LIMIT 1`,
      { identity },
    );
    return row === undefined ? undefined : { ...approvalOf(row), definitions: row.ToolDefinitions ?? [] };
  }

  /** The servers that have an approval: identity and name. */
  async servers(): Promise<{ identity: string; name: string }[]> {
    return queryRows<{ identity: string; name: string }>(
      this.client,
      `SELECT ServerIdentity AS identity, any(ServerName) AS name FROM ${this.table} GROUP BY ServerIdentity`,
    );
  }
}
