/**
 * Approved tool sets: what an approval records, how a server's tools stand against it, and the pin file
 * it is served as. Pure.
 *
 * One rule in one place: a tool's standing against an approval (match, drift, unpinned) is the SDK's
 * own `PinIndex.statusOf`, the rule the proxy and `mcpscope pin --check` enforce, and the pin file is
 * built by the SDK's `createPinFile`, so what the collector serves is what `parsePinFile` reads.
 */
import { createPinFile, PinIndex, type PinFile, type PinnedServer, type PinStatus } from '@mcpscope/sdk/pins';

/**
 * A tool's standing against the approved set, in the SDK's words: `match`, `drift` (changed since
 * approval), `unpinned` (new since approval), `missing` (approved, no longer listed).
 */
export type ApprovalStatus = PinStatus;

/** One approved tool: its name and the fingerprint (SHA-256 of its canonical definition). */
export interface ApprovedTool {
  name: string;
  sha256: string;
}

/** An approval as stored (`mcp_tool_approvals`), without the definitions (those are read for pin files only). */
export interface StoredApproval {
  id: string;
  /** The server identity (`name`, `name (command)`, `name@host:port`). */
  server: string;
  serverName: string;
  /** The server version reported with the approved set. */
  serverVersion: string;
  /** Fingerprint of the approved set, as the SDK computes it. */
  setFingerprint: string;
  /** Unix ms. */
  approvedAtMs: number;
  /** Who approved, as they said (the read token names nobody); '' when not given. */
  approvedBy: string;
  note: string;
  /** Sorted by name. */
  tools: ApprovedTool[];
}

/** A stored approval with each tool's definition (canonical JSON), for its pin file. */
export interface ApprovalWithDefinitions extends StoredApproval {
  definitions: string[];
}

/** Thrown when an approval cannot become a pin file; the message says why (sent to the caller). */
export class ApprovalError extends Error {
  readonly expose = true;
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApprovalError';
  }
}

/** `/api/tool-pins/<identity>`: where the approved set of a server is served. */
export function pinPath(identity: string): string {
  return `/api/tool-pins/${encodeURIComponent(identity)}`;
}

/**
 * The `server` block of a pin file from a server identity: its name, the version approved, and the
 * command line of a stdio server (`name (command)`). A network server's identity holds only host and
 * port, not its endpoint URL, so `url` stays out rather than be guessed.
 */
export function pinnedServerOf(identity: string, name: string, version: string): PinnedServer {
  const server: PinnedServer = { name };
  if (version !== '') server.version = version;
  const prefix = `${name} (`;
  if (identity.startsWith(prefix) && identity.endsWith(')') && identity.length > prefix.length + 1)
    server.command = identity.slice(prefix.length, -1);
  return server;
}

/** The pin index of an approval: the SDK's comparison over its names and fingerprints. */
export function approvalIndex(approval: StoredApproval): PinIndex {
  return new PinIndex({
    version: 1,
    server: {},
    createdAt: '',
    // The index reads names and fingerprints only; definitions are not needed to compare.
    tools: approval.tools.map((t) => ({ name: t.name, sha256: t.sha256, definition: { name: t.name } })),
  });
}

/**
 * A tool's standing against an approval after a change: its fingerprint now, or undefined when the
 * tool is gone. Gone and approved is `missing`; gone and never approved is `match` (absent from both,
 * as approved).
 */
export function standingOf(index: PinIndex, tool: string, fingerprint: string | undefined): ApprovalStatus {
  if (fingerprint === undefined) return index.get(tool) === undefined ? 'match' : 'missing';
  return index.statusOf(tool, fingerprint);
}

/** Every current or approved tool's standing, sorted by name. */
export function compareWithApproval(
  approval: StoredApproval,
  current: ReadonlyMap<string, string>,
): { tool: string; status: ApprovalStatus; fingerprint?: string; approvedFingerprint?: string }[] {
  const index = approvalIndex(approval);
  const names = [...new Set([...current.keys(), ...index.names()])].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return names.map((tool) => {
    const fingerprint = current.get(tool);
    const entry: {
      tool: string;
      status: ApprovalStatus;
      fingerprint?: string;
      approvedFingerprint?: string;
    } = { tool, status: standingOf(index, tool, fingerprint) };
    if (fingerprint !== undefined) entry.fingerprint = fingerprint;
    const pinned = index.get(tool);
    if (pinned !== undefined) entry.approvedFingerprint = pinned.sha256;
    return entry;
  });
}

/** The approval in force at `atMs`: the latest approved at or before it. `approvals` oldest first. */
export function approvalInForce(
  approvals: readonly StoredApproval[],
  atMs: number,
): StoredApproval | undefined {
  let found: StoredApproval | undefined;
  for (const a of approvals) {
    if (a.approvedAtMs > atMs) break;
    found = a;
  }
  return found;
}

/** A tool of the set to approve: name, fingerprint as recorded, definition as canonical JSON. */
export interface CurrentTool {
  name: string;
  fingerprint: string;
  definition: string;
}

/**
 * Checks that a set can be approved as it was recorded: each definition's fingerprint, recomputed with
 * the SDK's rule, is the one the instrumentation recorded (a definition cut short in transit would
 * otherwise be approved under a fingerprint no server ever had), and no name appears twice. Returns the
 * pin file of the set.
 */
export function pinFileOfSet(
  server: PinnedServer,
  tools: readonly CurrentTool[],
  approvedAt: Date,
  describe: string,
): PinFile {
  const parsed: unknown[] = [];
  for (const tool of tools) {
    let definition: unknown;
    try {
      definition = JSON.parse(tool.definition);
    } catch {
      definition = undefined;
    }
    if (typeof definition !== 'object' || definition === null)
      throw new ApprovalError(`the recorded definition of "${tool.name}" on ${describe} is not JSON`, 422);
    parsed.push(definition);
  }
  let file: PinFile;
  try {
    file = createPinFile(server, parsed, approvedAt);
  } catch (error) {
    throw new ApprovalError(
      `the tools of ${describe} cannot be pinned: ${error instanceof Error ? error.message : String(error)}`,
      422,
    );
  }
  const recorded = new Map(tools.map((t) => [t.name, t.fingerprint]));
  for (const pin of file.tools) {
    if (recorded.get(pin.name) !== pin.sha256)
      throw new ApprovalError(
        `the recorded definition of "${pin.name}" on ${describe} does not hash to its recorded fingerprint ` +
          '(cut short or altered in transit): it cannot be approved',
        422,
      );
  }
  return file;
}

/** The pin file of a stored approval: its tools as approved, `createdAt` the approval time. */
export function approvalPinFile(approval: ApprovalWithDefinitions): PinFile {
  const tools = approval.tools.map((t, i) => ({
    name: t.name,
    fingerprint: t.sha256,
    definition: approval.definitions[i] ?? '',
  }));
  return pinFileOfSet(
    pinnedServerOf(approval.server, approval.serverName, approval.serverVersion),
    tools,
    new Date(approval.approvedAtMs),
    approval.server,
  );
}

/** A server as the collector knows it: its identity and name. */
export interface KnownServer {
  identity: string;
  name: string;
}

/** How a `:server` path parameter resolved. */
export type ServerResolution =
  { kind: 'found'; identity: string } | { kind: 'ambiguous'; identities: string[] } | { kind: 'unknown' };

/**
 * Resolves what a caller wrote for a server: a full identity matches itself first; otherwise a server
 * name matches the one identity with that name. A name shared by several identities (two "filesystem"
 * servers with different commands) is ambiguous: the caller must say which.
 */
export function resolveServer(requested: string, known: readonly KnownServer[]): ServerResolution {
  if (known.some((k) => k.identity === requested)) return { kind: 'found', identity: requested };
  const named = [...new Set(known.filter((k) => k.name === requested).map((k) => k.identity))].sort();
  if (named.length === 1) return { kind: 'found', identity: named[0] as string };
  if (named.length > 1) return { kind: 'ambiguous', identities: named };
  return { kind: 'unknown' };
}
