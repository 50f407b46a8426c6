/**
 * Turns the stored tool-definition history into changes (added / removed / changed) with flags. Pure.
 *
 * History rows come per (server identity, tool, fingerprint, server version, session, set fingerprint);
 * the row with an empty tool name stands for the whole set. Per server identity, the set rows ordered by
 * first sighting form a timeline; each point where the set fingerprint differs from the one before is a
 * transition, and the tools of the two sets are diffed. A flip back (A → B → A) is two transitions.
 *
 * With approvals (model/toolApproval.ts), each change is also held against the approved set in force
 * when it was first seen, and each server's current set against its latest approval.
 */
import type {
  ToolApprovalView,
  ToolChange,
  ToolChangesResponse,
  ToolDefinitionVersion,
  ToolServerView,
} from './types.js';
import { flagsOf, inspectToolDefinition } from './heuristics.js';
import {
  approvalInForce,
  approvalIndex,
  compareWithApproval,
  pinPath,
  standingOf,
  type StoredApproval,
} from '../model/toolApproval.js';
import type { PinIndex } from '@mcpscope/sdk/pins';

/** The flag of a change whose result departs from the approved set in force when it was made. */
export const UNAPPROVED_FLAG = 'unapproved';

export interface ToolHistoryRow {
  identity: string;
  serverName: string;
  tool: string;
  fingerprint: string;
  serverVersion: string;
  sessionId: string;
  setFingerprint: string;
  definition: string;
  /** Unix nanoseconds, decimal strings. */
  firstSeenNs: string;
  lastSeenNs: string;
}

function cmpNs(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

function iso(ns: string): string {
  return new Date(Number(BigInt(ns) / 1_000_000n)).toISOString();
}

interface Segment {
  set: string;
  version: string;
  session: string;
  first: string;
  last: string;
}

interface Version {
  fingerprint: string;
  definition: string;
  first: string;
  last: string;
  /** Server version of the latest sighting. */
  version: string;
}

/** The API view of a stored approval. */
export function approvalView(a: StoredApproval): ToolApprovalView {
  const view: ToolApprovalView = {
    id: a.id,
    server: a.server,
    serverName: a.serverName,
    serverVersion: a.serverVersion,
    setFingerprint: a.setFingerprint,
    approvedAt: new Date(a.approvedAtMs).toISOString(),
    tools: a.tools.map((t) => ({ name: t.name, sha256: t.sha256 })),
    pinPath: pinPath(a.server),
  };
  if (a.approvedBy !== '') view.approvedBy = a.approvedBy;
  if (a.note !== '') view.note = a.note;
  return view;
}

/**
 * Computes changes (newest first), the current tool set of every server identity and, per server, its
 * standing against its latest approval. `approvals` may come in any order.
 */
export function computeToolChanges(
  rows: readonly ToolHistoryRow[],
  approvals: readonly StoredApproval[] = [],
): ToolChangesResponse {
  const approvalsOf = new Map<string, StoredApproval[]>();
  for (const a of [...approvals].sort((x, y) => x.approvedAtMs - y.approvedAtMs || cmpStr(x.id, y.id))) {
    let list = approvalsOf.get(a.server);
    if (!list) approvalsOf.set(a.server, (list = []));
    list.push(a);
  }
  const byIdentity = new Map<string, ToolHistoryRow[]>();
  for (const r of rows) {
    let list = byIdentity.get(r.identity);
    if (!list) byIdentity.set(r.identity, (list = []));
    list.push(r);
  }
  const changes: ToolChange[] = [];
  const current: ToolDefinitionVersion[] = [];
  const servers: ToolServerView[] = [];
  for (const [identity, list] of byIdentity) {
    const approved = approvalsOf.get(identity) ?? [];
    const indexes = new Map<StoredApproval, PinIndex>();
    const indexOf = (a: StoredApproval): PinIndex => {
      let index = indexes.get(a);
      if (!index) indexes.set(a, (index = approvalIndex(a)));
      return index;
    };
    const segments: Segment[] = [];
    const members = new Map<string, Map<string, string>>(); // set → tool → fingerprint
    const versions = new Map<string, Version>(); // tool \0 fingerprint → aggregated version
    for (const r of list) {
      if (r.tool === '') {
        segments.push({
          set: r.setFingerprint,
          version: r.serverVersion,
          session: r.sessionId,
          first: r.firstSeenNs,
          last: r.lastSeenNs,
        });
        if (!members.has(r.setFingerprint)) members.set(r.setFingerprint, new Map());
        continue;
      }
      let m = members.get(r.setFingerprint);
      if (!m) members.set(r.setFingerprint, (m = new Map()));
      m.set(r.tool, r.fingerprint);
      const key = `${r.tool}\u0000${r.fingerprint}`;
      const v = versions.get(key);
      if (!v) {
        versions.set(key, {
          fingerprint: r.fingerprint,
          definition: r.definition,
          first: r.firstSeenNs,
          last: r.lastSeenNs,
          version: r.serverVersion,
        });
      } else {
        if (cmpNs(r.firstSeenNs, v.first) < 0) v.first = r.firstSeenNs;
        if (cmpNs(r.lastSeenNs, v.last) > 0) {
          v.last = r.lastSeenNs;
          v.version = r.serverVersion;
        }
        if (!v.definition) v.definition = r.definition;
      }
    }
    if (segments.length === 0) continue;
    segments.sort((a, b) => cmpNs(a.first, b.first) || cmpNs(a.last, b.last));
    const view = (tool: string, fingerprint: string): ToolDefinitionVersion | undefined => {
      const v = versions.get(`${tool}\u0000${fingerprint}`);
      if (!v) return undefined;
      return {
        server: identity,
        serverVersion: v.version,
        tool,
        fingerprint,
        definition: v.definition,
        firstSeen: iso(v.first),
        lastSeen: iso(v.last),
      };
    };
    const sessionsOf = (set: string) =>
      new Set(segments.filter((s) => s.set === set && s.session !== '').map((s) => s.session));

    const seen = new Set<string>();
    let prev = segments[0] as Segment;
    for (const seg of segments.slice(1)) {
      if (seg.set === prev.set) {
        prev = seg;
        continue;
      }
      const pairKey = `${prev.set}>${seg.set}`;
      const from = members.get(prev.set) ?? new Map<string, string>();
      const to = members.get(seg.set) ?? new Map<string, string>();
      const prevSet = prev.set;
      const prevVersion = prev.version;
      prev = seg;
      if (seen.has(pairKey)) continue;
      seen.add(pairKey);
      const fromSessions = sessionsOf(prevSet);
      const midSession = [...sessionsOf(seg.set)].some((s) => fromSessions.has(s));
      const common: string[] = [];
      if (prevVersion === seg.version) common.push('no_version_bump');
      if (midSession) common.push('mid_session');
      const others = [...to.keys()];
      const at = iso(seg.first);
      const names = [...new Set([...from.keys(), ...to.keys()])].sort();
      for (const tool of names) {
        const before = from.has(tool) ? view(tool, from.get(tool) as string) : undefined;
        const after = to.has(tool) ? view(tool, to.get(tool) as string) : undefined;
        let kind: ToolChange['kind'];
        if (before && after) {
          if (before.fingerprint === after.fingerprint) continue;
          kind = 'changed';
        } else if (after) {
          kind = 'added';
        } else if (before) {
          kind = 'removed';
        } else {
          continue;
        }
        const findings = after ? inspectToolDefinition(after.definition, { otherTools: others }) : [];
        const change: ToolChange = {
          server: identity,
          tool,
          kind,
          at,
          flags: [...common, ...flagsOf(findings)],
          findings,
        };
        if (before) change.before = before;
        if (after) change.after = after;
        const inForce = approvalInForce(approved, Date.parse(at));
        if (inForce) {
          const status = standingOf(indexOf(inForce), tool, after?.fingerprint);
          change.approval = {
            id: inForce.id,
            approvedAt: new Date(inForce.approvedAtMs).toISOString(),
            status,
          };
          if (status !== 'match') change.flags.push(UNAPPROVED_FLAG);
        }
        changes.push(change);
      }
    }

    const latest = segments.reduce((a, b) => (cmpNs(b.last, a.last) > 0 ? b : a));
    const latestMembers = members.get(latest.set) ?? new Map<string, string>();
    const others = [...latestMembers.keys()];
    for (const [tool, fp] of [...latestMembers].sort(([a], [b]) => cmpStr(a, b))) {
      const v = view(tool, fp);
      if (!v) continue;
      const findings = inspectToolDefinition(v.definition, { otherTools: others });
      current.push({ ...v, flags: flagsOf(findings), findings });
    }
    servers.push(
      serverView(identity, list[0]?.serverName ?? identity, latest, latestMembers, approved.at(-1)),
    );
  }
  changes.sort((a, b) =>
    a.at < b.at ? 1 : a.at > b.at ? -1 : a.server.localeCompare(b.server) || a.tool.localeCompare(b.tool),
  );
  servers.sort((a, b) => cmpStr(a.server, b.server));
  return { changes, current, servers };
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A server's latest set against its latest approval. */
function serverView(
  identity: string,
  serverName: string,
  latest: Segment,
  members: ReadonlyMap<string, string>,
  approval: StoredApproval | undefined,
): ToolServerView {
  const tools = approval ? compareWithApproval(approval, members) : [];
  return {
    server: identity,
    serverName,
    serverVersion: latest.version,
    setFingerprint: latest.set,
    toolCount: members.size,
    lastSeen: iso(latest.last),
    pinPath: pinPath(identity),
    approval: approval ? approvalView(approval) : null,
    status: !approval ? 'unapproved' : tools.every((t) => t.status === 'match') ? 'approved' : 'drift',
    tools,
  };
}
