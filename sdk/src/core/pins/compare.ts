import { canonicalJson } from '../tools/canonicalJson.js';
import { DEFINITION_FIELDS, fingerprintTools, type ToolDefinition } from '../tools/fingerprint.js';
import type { PinFile, PinnedTool } from '../../pins/pinFile.js';

// How a server's tools stand against their pins. Pure: the proxy, the `pin --check` command and the
// SDK's client all decide with these functions, so one rule says what "matches its pin" means.

/**
 * A listed tool's standing: `match` (its fingerprint is its pin's), `drift` (pinned, but its definition
 * changed), `unpinned` (not in the pin file: new).
 */
export type ListedToolStatus = 'match' | 'drift' | 'unpinned';
/** {@link ListedToolStatus}, or `missing`: pinned but no longer listed by the server. */
export type PinStatus = ListedToolStatus | 'missing';

/** The definition fields a tool can differ in, in the order a diff shows them (the fingerprint's). */
export { DEFINITION_FIELDS };

/** The pins of one server, by tool name. */
export class PinIndex {
  private readonly byName = new Map<string, PinnedTool>();

  constructor(readonly file: PinFile) {
    for (const tool of file.tools) this.byName.set(tool.name, tool);
  }

  /** The pin of a tool, if it has one. */
  get(name: string): PinnedTool | undefined {
    return this.byName.get(name);
  }

  /** The standing of a listed tool whose fingerprint is `sha256`. */
  statusOf(name: string, sha256: string): ListedToolStatus {
    const pin = this.byName.get(name);
    if (pin === undefined) return 'unpinned';
    return pin.sha256 === sha256 ? 'match' : 'drift';
  }

  /** The names of every pinned tool, sorted. */
  names(): string[] {
    return [...this.byName.keys()].sort();
  }
}

/** One tool's standing against its pin. */
export interface ToolComparison {
  name: string;
  status: PinStatus;
  /** The tool's pin (drift, match, missing). */
  pinned?: PinnedTool;
  /** The definition the server lists now, with its fingerprint (drift, match, unpinned). */
  current?: { sha256: string; definition: ToolDefinition };
  /** For drift: the definition fields that differ from the pin (description, inputSchema, …). */
  changedFields?: string[];
}

/** A server's tools against their pins. */
export interface PinComparison {
  /** Every tool listed or pinned, sorted by name. */
  tools: ToolComparison[];
  /** The worst standing of the listed tools: drift, else unpinned, else match (also for an empty list). */
  status: ListedToolStatus;
  matched: string[];
  drifted: string[];
  unpinned: string[];
  /** Pinned tools the server did not list (only known when the comparison saw the whole set). */
  missing: string[];
}

const SEVERITY: Record<ListedToolStatus, number> = { match: 0, unpinned: 1, drift: 2 };

/** The worse of two standings: a changed definition is worse than a new tool, which is worse than a match. */
export function worseStatus(a: ListedToolStatus, b: ListedToolStatus): ListedToolStatus {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

/**
 * Compares the tools a server listed with their pins.
 * @param tools tools as they came over the wire (`tools/list` results, one page or all of them).
 * @param wholeSet true when `tools` is the whole set (every page): only then can a pinned tool be
 *   reported `missing`. Defaults to true.
 */
export function comparePins(pins: PinIndex, tools: readonly unknown[], wholeSet = true): PinComparison {
  const byName = new Map<string, ToolComparison>();
  for (const tool of fingerprintTools(tools).tools) {
    const status = pins.statusOf(tool.name, tool.fingerprint);
    const previous = byName.get(tool.name);
    // A server that lists one name twice stands as its worse entry.
    if (previous !== undefined && worseStatus(previous.status as ListedToolStatus, status) !== status)
      continue;
    const entry: ToolComparison = {
      name: tool.name,
      status,
      current: { sha256: tool.fingerprint, definition: tool.definition },
    };
    const pinned = pins.get(tool.name);
    if (pinned !== undefined) entry.pinned = pinned;
    if (status === 'drift' && pinned !== undefined)
      entry.changedFields = changedFields(pinned.definition, tool.definition);
    byName.set(tool.name, entry);
  }
  if (wholeSet) {
    for (const name of pins.names()) {
      if (!byName.has(name)) byName.set(name, { name, status: 'missing', pinned: pins.get(name)! });
    }
  }
  const result: PinComparison = {
    tools: [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    status: 'match',
    matched: [],
    drifted: [],
    unpinned: [],
    missing: [],
  };
  for (const tool of result.tools) {
    if (tool.status === 'missing') {
      result.missing.push(tool.name);
      continue;
    }
    result.status = worseStatus(result.status, tool.status);
    if (tool.status === 'match') result.matched.push(tool.name);
    else if (tool.status === 'drift') result.drifted.push(tool.name);
    else result.unpinned.push(tool.name);
  }
  return result;
}

/**
 * The top-level definition fields whose canonical JSON differs (a field present on one side only
 * differs too). Two definitions with different fingerprints differ in at least one of them.
 */
export function changedFields(pinned: ToolDefinition, current: ToolDefinition): string[] {
  const out: string[] = [];
  for (const field of DEFINITION_FIELDS) {
    if (canonicalOrAbsent(pinned[field]) !== canonicalOrAbsent(current[field])) out.push(field);
  }
  return out;
}

function canonicalOrAbsent(value: unknown): string | undefined {
  return value === undefined ? undefined : canonicalJson(value);
}

/** True when every listed tool matches its pin and no pinned tool is missing. */
export function isClean(comparison: PinComparison): boolean {
  return comparison.status === 'match' && comparison.missing.length === 0;
}
