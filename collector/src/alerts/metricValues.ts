/**
 * The value of every rule of an evaluation cycle, with at most one query per kind of source, whatever
 * the number of rules:
 *
 * - counts (`calls`, `error_rate`, and the calls under a root-cause rate) and, in a second query, the
 *   latency quantiles (`p95_ms`, `p99_ms`) from the per-minute rollup;
 * - failed calls by root-cause layer from `mcp_root_causes`;
 * - tool-definition changes from `mcp_tool_definitions`, held against the approved sets of
 *   `mcp_tool_approvals`.
 *
 * Each rule's scope and window travel as parallel array parameters; every rollup row is paired with the
 * rules it matches (`ARRAY JOIN arrayFilter(…)`) and aggregated per rule and layer. The rows read are
 * those of the longest window; each rule merges only its own minutes and groups. Counts and latency are
 * two queries because merging t-digest states is the expensive part, and count rules need none.
 *
 * Windows count whole minutes, as the rollup does: from the minute holding now − windowSeconds to the
 * current minute included.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { computeToolChanges, UNAPPROVED_FLAG, type ToolHistoryRow } from '../api/toolChanges.js';
import { chooseLayer } from '../storage/queries/rollup.js';
import { Where } from '../storage/queries/sql.js';
import { toolHistoryQuery } from '../storage/queries/toolChanges.js';
import { TABLES } from '../storage/schema.js';
import { approvalsQuery, approvalOf, type ApprovalRow } from '../storage/toolApprovals.js';
import { timedQuery, type StoredRule } from './store.js';

/** The values of one cycle (null: nothing to compute it from) and what computing them cost. */
export interface CycleValues {
  values: Map<string, number | null>;
  /** ClickHouse's own time for the cycle's queries, summed. */
  clickhouseMs: number;
  queries: number;
  /** ClickHouse time of each query that ran: counts, latency, rootCauses, toolChanges. */
  breakdown: Record<string, number>;
}

/** First second of the minute holding `windowSeconds` before `nowMs`: where a rule's window starts. */
export function windowStartSeconds(nowMs: number, windowSeconds: number): number {
  return Math.floor((nowMs - windowSeconds * 1000) / 60_000) * 60;
}

/** The end of the current minute (exclusive), in seconds. */
function windowEndSeconds(nowMs: number): number {
  return Math.floor(nowMs / 60_000) * 60 + 60;
}

interface ScopeArrays extends Record<string, unknown> {
  svc: string[];
  srv: string[];
  tl: string[];
  ly: string[];
}

function scopeArrays(rules: readonly StoredRule[]): ScopeArrays {
  return {
    svc: rules.map((r) => r.scope.service ?? ''),
    srv: rules.map((r) => r.scope.server ?? ''),
    tl: rules.map((r) => r.scope.tool ?? ''),
    ly: rules.map((r) => r.scope.layer ?? ''),
  };
}

/** `r` is the rule's 1-based index in the arrays; an empty scope value matches anything. */
const SCOPE_ARRAYS = `{svc:Array(String)} AS svc, {srv:Array(String)} AS srv, {tl:Array(String)} AS tl,
  {ly:Array(String)} AS ly`;

interface RollupRow {
  r: string;
  layer: string;
  count: string;
  errors: string;
  q?: number[];
}

interface LayerStats {
  count: number;
  errors: number;
  /** p50, p95, p99 in ns. */
  q: number[];
}

/** Per rule (by index), the stats of the layer it counts: its own, else the callers' view. */
async function rollupStats(
  client: ClickHouseClient,
  database: string,
  rules: readonly StoredRule[],
  nowMs: number,
  withQuantiles: boolean,
): Promise<{ stats: (LayerStats | undefined)[]; clickhouseMs: number }> {
  const from = rules.map((r) => windowStartSeconds(nowMs, r.windowSeconds));
  // Two levels: the rows of each distinct window are first merged per group (service, server, tool,
  // layer), then each rule merges the groups of its window that its scope matches. Rules share the
  // first level, so a t-digest state is merged a few times per window rather than once per rule.
  const windows = [...new Set(from)].sort((a, b) => a - b);
  const merge = (fn: string, arg: string, as: string) =>
    withQuantiles ? `, ${fn}(0.5, 0.95, 0.99)(${arg}) AS ${as}` : '';
  const { value, clickhouseMs } = await timedQuery<RollupRow>(
    client,
    `WITH ${SCOPE_ARRAYS}, {ruleWin:Array(UInt32)} AS ruleWin
     SELECT r, McpLayer AS layer, sum(c) AS count, sum(e) AS errors ${merge('quantilesTDigestMerge', 'qs', 'q')}
     FROM (
       SELECT w, ServiceName, McpServer, McpTool, McpLayer, sum(Count) AS c, sum(Errors) AS e
         ${merge('quantilesTDigestMergeState', 'DurationQuantiles', 'qs')}
       FROM \`${database}\`.\`${TABLES.rollup}\`
       ARRAY JOIN arrayFilter(j -> toUInt32(Minute) >= {winFrom:Array(UInt32)}[j],
         range(1, length({winFrom:Array(UInt32)}) + 1)) AS w
       WHERE Minute >= toDateTime({minFrom:UInt32}) AND Minute < toDateTime({end:UInt32})
         AND NOT startsWith(McpMethod, 'notifications/')
       GROUP BY w, ServiceName, McpServer, McpTool, McpLayer
     )
     ARRAY JOIN arrayFilter(i -> ruleWin[i] = w
         AND (svc[i] = '' OR svc[i] = ServiceName) AND (srv[i] = '' OR srv[i] = McpServer)
         AND (tl[i] = '' OR tl[i] = McpTool) AND (ly[i] = '' OR ly[i] = McpLayer),
       range(1, length(svc) + 1)) AS r
     GROUP BY r, layer`,
    {
      ...scopeArrays(rules),
      ruleWin: from.map((f) => windows.indexOf(f) + 1),
      winFrom: windows,
      minFrom: windows[0] ?? 0,
      end: windowEndSeconds(nowMs),
    },
  );
  const byRule = new Map<number, Map<string, LayerStats>>();
  for (const row of value) {
    const i = Number(row.r) - 1;
    let layers = byRule.get(i);
    if (!layers) byRule.set(i, (layers = new Map()));
    layers.set(row.layer, { count: Number(row.count), errors: Number(row.errors), q: row.q ?? [] });
  }
  const stats = rules.map((rule, i) => {
    const layers = byRule.get(i);
    if (!layers) return undefined;
    const present = [...layers].filter(([, s]) => s.count > 0).map(([l]) => l);
    const layer = chooseLayer(present, rule.scope.layer);
    return layer === undefined ? undefined : layers.get(layer);
  });
  return { stats, clickhouseMs };
}

/** Per rule (by index), its failed calls whose verdict blames its `rootCauseLayer`. */
async function rootCauseCounts(
  client: ClickHouseClient,
  database: string,
  rules: readonly StoredRule[],
  nowMs: number,
): Promise<{ counts: number[]; clickhouseMs: number }> {
  const from = rules.map((r) => windowStartSeconds(nowMs, r.windowSeconds));
  const ns = (seconds: number) => (BigInt(seconds) * 1_000_000_000n).toString();
  const { value, clickhouseMs } = await timedQuery<{ r: string; failed: string }>(
    client,
    `WITH ${SCOPE_ARRAYS}, {rc:Array(String)} AS rc, {fromSec:Array(UInt32)} AS fromSec
     SELECT r, count() AS failed
     FROM (
       SELECT c.StartNs AS StartNs, c.Services AS Services, c.Server AS Server, c.Tool AS Tool,
         c.CallLayers AS CallLayers, c.Layer AS Layer
       FROM \`${database}\`.\`${TABLES.rootCauses}\` FINAL ARRAY JOIN Calls AS c
       WHERE c.StartNs >= {minFrom:Int64} AND c.StartNs < {end:Int64}
     )
     ARRAY JOIN arrayFilter(i -> StartNs >= toInt64(fromSec[i]) * 1000000000 AND Layer = rc[i]
         AND (svc[i] = '' OR has(splitByChar(',', Services), svc[i])) AND (srv[i] = '' OR srv[i] = Server)
         AND (tl[i] = '' OR tl[i] = Tool) AND (ly[i] = '' OR has(splitByChar(',', CallLayers), ly[i])),
       range(1, length(svc) + 1)) AS r
     GROUP BY r`,
    {
      ...scopeArrays(rules),
      rc: rules.map((r) => r.scope.rootCauseLayer ?? ''),
      fromSec: from,
      minFrom: ns(Math.min(...from)),
      end: ns(windowEndSeconds(nowMs)),
    },
  );
  const counts = rules.map(() => 0);
  for (const row of value) counts[Number(row.r) - 1] = Number(row.failed);
  return { counts, clickhouseMs };
}

/**
 * Per rule (by index), the tool-definition changes first seen in its window and scope. When a rule
 * counts flagged changes or changes against the approved sets, the approvals are read too (a second
 * query), so changes carry the `unapproved` flag as the tool-changes view shows it.
 */
async function toolChangeCounts(
  client: ClickHouseClient,
  database: string,
  rules: readonly StoredRule[],
  nowMs: number,
): Promise<{ counts: number[]; clickhouseMs: number; queries: number }> {
  const history = await timedQuery<ToolHistoryRow>(client, toolHistoryQuery(database, new Where()));
  const needsApprovals = rules.some((r) => r.flaggedOnly || r.againstApproved);
  const approvals = needsApprovals
    ? await timedQuery<ApprovalRow>(client, approvalsQuery(database))
    : { value: [], clickhouseMs: 0 };
  const { value } = history;
  const clickhouseMs = history.clickhouseMs + approvals.clickhouseMs;
  const names = new Map(value.map((r) => [r.identity, r.serverName]));
  const { changes } = computeToolChanges(value, approvals.value.map(approvalOf));
  const counts = rules.map((rule) => {
    const from = windowStartSeconds(nowMs, rule.windowSeconds) * 1000;
    const { server, tool } = rule.scope;
    return changes.filter(
      (c) =>
        Date.parse(c.at) >= from &&
        (server === undefined || c.server === server || names.get(c.server) === server) &&
        (tool === undefined || c.tool === tool) &&
        (!rule.flaggedOnly || c.flags.length > 0) &&
        (!rule.againstApproved || c.flags.includes(UNAPPROVED_FLAG)),
    ).length;
  });
  return { counts, clickhouseMs, queries: needsApprovals ? 2 : 1 };
}

const nsToMs = (ns: number | undefined): number | null =>
  ns === undefined || !Number.isFinite(ns) ? null : Math.round(ns / 1000) / 1000;

/** Computes the value of every rule at `nowMs`. */
export async function computeRuleValues(
  client: ClickHouseClient,
  database: string,
  rules: readonly StoredRule[],
  nowMs: number,
): Promise<CycleValues> {
  const toolRules = rules.filter((r) => r.metric === 'tool_change');
  const latencyRules = rules.filter((r) => r.metric === 'p95_ms' || r.metric === 'p99_ms');
  const rcRules = rules.filter((r) => r.scope.rootCauseLayer !== undefined && r.metric !== 'tool_change');
  // Calls under error rates, root-cause ones included; `calls` with a root-cause layer counts failed calls.
  const countRules = rules.filter(
    (r) => r.metric === 'error_rate' || (r.metric === 'calls' && r.scope.rootCauseLayer === undefined),
  );
  // One after the other: evaluation is not in a hurry (every 30 s), it leaves the engine's threads to
  // ingest and the dashboard, and each query's elapsed time is its own, not its neighbours' too.
  const counts = countRules.length
    ? await rollupStats(client, database, countRules, nowMs, false)
    : undefined;
  const latency = latencyRules.length
    ? await rollupStats(client, database, latencyRules, nowMs, true)
    : undefined;
  const rc = rcRules.length ? await rootCauseCounts(client, database, rcRules, nowMs) : undefined;
  const tools = toolRules.length ? await toolChangeCounts(client, database, toolRules, nowMs) : undefined;
  const values = new Map<string, number | null>();
  const rcIndex = new Map(rcRules.map((r, i) => [r, i]));
  countRules.forEach((rule, i) => {
    const s = counts?.stats[i];
    const count = s?.count ?? 0;
    if (rule.metric === 'calls') {
      values.set(rule.id, count);
      return;
    }
    const errors =
      rule.scope.rootCauseLayer === undefined ? (s?.errors ?? 0) : (rc?.counts[rcIndex.get(rule) ?? -1] ?? 0);
    // A root-cause count can exceed the calls of one layer (a verdict on calls whose spans of that
    // layer were not sent): a rate stays a fraction.
    values.set(rule.id, count > 0 ? Math.min(1, errors / count) : null);
  });
  latencyRules.forEach((rule, i) => {
    const s = latency?.stats[i];
    values.set(rule.id, s && s.count > 0 ? nsToMs(s.q[rule.metric === 'p95_ms' ? 1 : 2]) : null);
  });
  rcRules.forEach((rule, i) => {
    if (rule.metric === 'calls') values.set(rule.id, rc?.counts[i] ?? 0);
  });
  toolRules.forEach((rule, i) => values.set(rule.id, tools?.counts[i] ?? 0));
  const breakdown: Record<string, number> = {};
  for (const [name, part] of [
    ['counts', counts],
    ['latency', latency],
    ['rootCauses', rc],
    ['toolChanges', tools],
  ] as const)
    if (part) breakdown[name] = part.clickhouseMs;
  return {
    values,
    clickhouseMs: Object.values(breakdown).reduce((sum, ms) => sum + ms, 0),
    // The tool changes take a second query when they are held against the approved sets.
    queries: Object.keys(breakdown).length + (tools && tools.queries > 1 ? tools.queries - 1 : 0),
    breakdown,
  };
}
