/**
 * Derives `mcp_tool_definitions` rows from tools/list spans at insert time. A span that carries
 * `mcpscope.tools.definitions` (the SDK sends it when the set changed, and the first time) yields one row
 * per tool; a span with only the set fingerprint is a sighting that extends the known set's last-seen.
 */
import {
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_SESSION_ID,
  ATTR_MCPSCOPE_SERVER_COMMAND,
  ATTR_MCPSCOPE_SERVER_NAME,
  ATTR_MCPSCOPE_SERVER_VERSION,
  ATTR_MCPSCOPE_TOOLS_DEFINITIONS,
  ATTR_MCPSCOPE_TOOLS_FINGERPRINT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  METHOD_TOOLS_LIST,
} from './attributes.js';
import { canonicalJson } from '@mcpscope/sdk/canonical-json';
import type { SpanRow } from './rows.js';

/** One row of `mcp_tool_definitions`, as inserted with JSONEachRow. */
export interface ToolDefinitionRow {
  ServerIdentity: string;
  ServerName: string;
  Tool: string;
  Fingerprint: string;
  ServerVersion: string;
  SessionId: string;
  SetFingerprint: string;
  Definition: string;
  /** Unix nanoseconds, decimal string. */
  FirstSeen: string;
  LastSeen: string;
  Sightings: number;
}

/** `Tool` value of the row that stands for a whole tool set (see {@link extractToolDefinitions}). */
export const SET_MARKER_TOOL = '';

/** A tools/list that returned a set already described by an earlier span: only its fingerprint. */
export interface ToolSetSighting {
  ServerIdentity: string;
  ServerName: string;
  ServerVersion: string;
  SessionId: string;
  SetFingerprint: string;
  FirstSeen: string;
  LastSeen: string;
  Sightings: number;
}

/**
 * Which server a tool set belongs to: its name plus where it runs — `name@host:port` for a network
 * server seen by a client, `name (command)` for a stdio server, else the bare name (a server's own
 * spans know no address of themselves). Names alone collide: two "filesystem" servers are different
 * servers with different tools. A stdio server's own tools/list spans carry the command its launcher
 * sent it (the SDK's core/serverCommand.ts), so its view and the client's and proxy's key one history;
 * only a server whose launcher does not send it (uninstrumented, or an SDK from before) stays bare.
 */
export function serverIdentity(row: SpanRow): { identity: string; name: string } {
  const a = row.SpanAttributes;
  const name =
    a[ATTR_MCPSCOPE_SERVER_NAME] || (row.SpanKind === 'Server' ? row.ServiceName : '') || 'unknown';
  const address = a[ATTR_SERVER_ADDRESS];
  if (address) {
    const port = a[ATTR_SERVER_PORT];
    return { identity: `${name}@${address}${port ? `:${port}` : ''}`, name };
  }
  const command = a[ATTR_MCPSCOPE_SERVER_COMMAND];
  if (command) return { identity: `${name} (${command})`, name };
  return { identity: name, name };
}

/** Compares two unsigned decimal strings numerically (nanosecond timestamps). */
function cmpNs(a: string, b: string): number {
  return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
}

interface DefinitionEntry {
  name: string;
  fingerprint: string;
  definition: string;
}

/** Parses the SDK's JSON array; entries without a name or fingerprint are skipped, not fatal. */
function parseDefinitions(raw: string): DefinitionEntry[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const out: DefinitionEntry[] = [];
  for (const item of parsed as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const rec = item as Record<string, unknown>;
    const name = rec['name'];
    const fingerprint = rec['fingerprint'];
    if (typeof name !== 'string' || typeof fingerprint !== 'string') continue;
    const def = rec['definition'];
    // The SDK sends each definition as an object; store its canonical JSON so versions diff cleanly.
    out.push({ name, fingerprint, definition: typeof def === 'string' ? def : canonicalJson(def ?? null) });
  }
  return out;
}

/** Merges rows with the same key within one batch (min first seen, max last seen, summed sightings). */
function mergeInto<T extends { FirstSeen: string; LastSeen: string; Sightings: number }>(
  map: Map<string, T>,
  key: string,
  row: T,
): void {
  const prev = map.get(key);
  if (!prev) {
    map.set(key, row);
    return;
  }
  if (cmpNs(row.FirstSeen, prev.FirstSeen) < 0) prev.FirstSeen = row.FirstSeen;
  if (cmpNs(row.LastSeen, prev.LastSeen) > 0) prev.LastSeen = row.LastSeen;
  prev.Sightings += row.Sightings;
}

/** Extracts definition rows and set sightings from a batch of spans. Pure. */
export function extractToolDefinitions(rows: readonly SpanRow[]): {
  definitions: ToolDefinitionRow[];
  sightings: ToolSetSighting[];
} {
  const definitions = new Map<string, ToolDefinitionRow>();
  const sightings = new Map<string, ToolSetSighting>();
  for (const row of rows) {
    const a = row.SpanAttributes;
    if (a[ATTR_MCP_METHOD_NAME] !== METHOD_TOOLS_LIST) continue;
    const setFingerprint = a[ATTR_MCPSCOPE_TOOLS_FINGERPRINT];
    if (!setFingerprint) continue;
    const { identity, name } = serverIdentity(row);
    const version = a[ATTR_MCPSCOPE_SERVER_VERSION] ?? '';
    const session = a[ATTR_MCP_SESSION_ID] ?? '';
    const rawDefs = a[ATTR_MCPSCOPE_TOOLS_DEFINITIONS];
    const defs = rawDefs ? parseDefinitions(rawDefs) : undefined;
    if (!defs) {
      const key = [identity, setFingerprint, version, session].join('\u0000');
      mergeInto(sightings, key, {
        ServerIdentity: identity,
        ServerName: name,
        ServerVersion: version,
        SessionId: session,
        SetFingerprint: setFingerprint,
        FirstSeen: row.Timestamp,
        LastSeen: row.Timestamp,
        Sightings: 1,
      });
      continue;
    }
    // The set itself, as a row with an empty tool name: it marks when this exact set was seen even when
    // it has no tools, so a change to an empty set still shows as removals.
    const marker: DefinitionEntry = { name: SET_MARKER_TOOL, fingerprint: setFingerprint, definition: '' };
    for (const d of [marker, ...defs]) {
      const key = [identity, d.name, d.fingerprint, version, session, setFingerprint].join('\u0000');
      mergeInto(definitions, key, {
        ServerIdentity: identity,
        ServerName: name,
        Tool: d.name,
        Fingerprint: d.fingerprint,
        ServerVersion: version,
        SessionId: session,
        SetFingerprint: setFingerprint,
        Definition: d.definition,
        FirstSeen: row.Timestamp,
        LastSeen: row.Timestamp,
        Sightings: 1,
      });
    }
  }
  return { definitions: [...definitions.values()], sightings: [...sightings.values()] };
}
