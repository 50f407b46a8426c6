import type { Attributes } from '@opentelemetry/api';
import type { FailureOutcome } from '../classifyOutcome.js';
import { fingerprintTool, toolDefinition } from '../tools/fingerprint.js';
import {
  ATTR_MCPSCOPE_PIN_BLOCKED,
  ATTR_MCPSCOPE_PIN_DRIFTED_TOOLS,
  ATTR_MCPSCOPE_PIN_MISSING_TOOLS,
  ATTR_MCPSCOPE_PIN_ON_DRIFT,
  ATTR_MCPSCOPE_PIN_STATUS,
  ATTR_MCPSCOPE_PIN_UNPINNED_TOOLS,
  ERROR_TYPE_PIN_MISMATCH,
} from '../../semconv.js';
import { worseStatus, type ListedToolStatus } from './compare.js';
import { describeStatus, type OnDrift, type PinPolicy } from './PinPolicy.js';

// The pin rule of one MCP session, whoever enforces it (`mcpscope proxy --pins`, or `instrumentClient`
// with `pins`): how each listed tool stands, which tools a tools/list result keeps, how a tools/call is
// judged, what a refusal says, and the pin attributes of the spans. It never sees a message: the proxy
// and the SDK adapter hand it tools and names, and frame its answers for their wire.

/**
 * The JSON-RPC error code of a refused call: -32602 (invalid params), what MCP servers answer for a tool
 * they do not offer — which, held to its pins, this server does not.
 */
export const PIN_ERROR_CODE = -32602;

/**
 * A call refused for a pin mismatch. The fault is the server's: the call is refused because the server
 * now offers a definition nobody approved (or a tool nobody approved), not because the agent did
 * anything wrong, and the operator who must act is the one who owns the server or its pins. It is an
 * error (ERROR status), unlike the server refusing an unknown tool, which is the caller's.
 */
export const PIN_MISMATCH: FailureOutcome = {
  errorType: ERROR_TYPE_PIN_MISMATCH,
  fault: 'server',
  rpcStatusCode: String(PIN_ERROR_CODE),
  markError: true,
  transport: false,
};

/** The JSON-RPC error a refused tools/call is answered with. */
export interface PinRefusal {
  code: number;
  /** Names the tool and says that its definition does not match its pin. */
  message: string;
  data: { reason: string; tool: string; status: ListedToolStatus };
}

/** What a tools/list result page comes to against the pins. */
export interface ToolListCheck {
  /** The pin attributes of the page's span. */
  attributes: Attributes;
  /**
   * Block mode, when some tools of the page do not match their pins: the tools that do, in the page's
   * order, each as it came. Undefined when the page passes as it came.
   */
  kept: unknown[] | undefined;
}

/** One session's view of its pins: what the tools/list results said of each tool. */
export class PinGuard {
  /**
   * Each tool's status as the latest tools/list page that listed it said; empty before the first list
   * and after list_changed. A new listing updates it page by page rather than starting it over, so a
   * listing read in part (its first page only) leaves the later pages' tools as they stood.
   */
  private readonly known = new Map<string, ListedToolStatus>();
  /** The statuses of the listing in progress, since its first page (a listing's standing). */
  private listing: Map<string, ListedToolStatus> | undefined;

  constructor(readonly policy: PinPolicy) {}

  /** Whether tools are withheld (`block`) rather than only recorded. */
  get blocking(): boolean {
    return this.policy.blocking;
  }

  /**
   * A tools/list result page on its way to the caller: its span's pin attributes and, in block mode,
   * the tools it keeps.
   * @param firstPage the page of a request without a cursor: it starts a new listing.
   * @param wholeSet every tool of the listing, when this page completes it: then pinned tools absent
   *   from it are recorded as missing, and a change of the mismatched set is told to the log.
   */
  toolList(
    page: readonly unknown[],
    firstPage: boolean,
    wholeSet: readonly unknown[] | undefined,
  ): ToolListCheck {
    if (firstPage || this.listing === undefined) this.listing = new Map();
    const listing = this.listing;
    const known = this.known;
    const index = this.policy.index;
    const kept: unknown[] = [];
    const onPage: Array<[string, ListedToolStatus]> = [];
    for (const tool of page) {
      // Each entry of the page through the core's fingerprint, so each has its own status.
      const entry = fingerprintTool(tool);
      if (entry === undefined) continue;
      const status = index.statusOf(entry.name, entry.fingerprint);
      // A name listed twice stands as its worse entry.
      const previous = listing.get(entry.name);
      const standing = previous === undefined ? status : worseStatus(previous, status);
      listing.set(entry.name, standing);
      known.set(entry.name, standing);
      onPage.push([entry.name, status]);
      if (status === 'match') kept.push(tool);
    }
    // The page that completes a listing speaks for the whole set (as `mcpscope.tools.fingerprint`
    // does); an earlier page of a paginated listing for itself.
    const attributes = standingAttributes(
      wholeSet !== undefined ? [...listing] : onPage,
      this.policy.onDrift,
    );
    if (wholeSet !== undefined) {
      // Only names are needed here: the page's tools were fingerprinted above.
      const listedNames = new Set<string>();
      for (const tool of wholeSet) {
        if (tool !== null && typeof tool === 'object')
          listedNames.add(toolDefinition(tool as Record<string, unknown>).name);
      }
      const missing = index.names().filter((name) => !listedNames.has(name));
      if (missing.length > 0) attributes[ATTR_MCPSCOPE_PIN_MISSING_TOOLS] = missing;
      // The server no longer lists these: what an older list said of them no longer holds.
      for (const name of [...known.keys()]) if (!listedNames.has(name)) known.delete(name);
      this.policy.report([...listing].filter(([, status]) => status !== 'match'));
    }
    const withheld = this.blocking && kept.length !== page.length;
    return { attributes, kept: withheld ? kept : undefined };
  }

  /** The server said its tools changed: what the lists said is stale until the next one. */
  listChanged(): void {
    this.known.clear();
    this.listing = undefined;
  }

  /**
   * How a tool stands for a call: as the latest tools/list that listed it said; when no list since the
   * session began (or since list_changed) showed it, by name: a pinned tool is taken as matching (no
   * definition has been seen to hold to its pin), an unknown one as unpinned.
   */
  statusOf(tool: string): ListedToolStatus {
    return this.known.get(tool) ?? (this.policy.index.get(tool) !== undefined ? 'match' : 'unpinned');
  }

  /** The pin attributes of a tools/call span. */
  callAttributes(tool: string): Attributes {
    return {
      [ATTR_MCPSCOPE_PIN_STATUS]: this.statusOf(tool),
      [ATTR_MCPSCOPE_PIN_ON_DRIFT]: this.policy.onDrift,
    };
  }

  /** Block mode: the error to answer a tools/call of `tool` with when it does not match its pin. */
  refusal(tool: string): PinRefusal | undefined {
    if (!this.blocking) return undefined;
    const status = this.statusOf(tool);
    if (status === 'match') return undefined;
    return {
      code: PIN_ERROR_CODE,
      message: `Tool "${tool}" is withheld by mcpscope: its definition does not match its pin (${describeStatus(status)})`,
      data: { reason: ERROR_TYPE_PIN_MISMATCH, tool, status },
    };
  }
}

/**
 * The pin attributes of a refused request's span (with {@link PIN_MISMATCH} as its outcome): the tool's
 * status when the request called one, what is done on drift, and that it never reached the server.
 */
export function blockedAttributes(status: string | undefined, onDrift: OnDrift): Attributes {
  const attributes: Attributes = { [ATTR_MCPSCOPE_PIN_ON_DRIFT]: onDrift, [ATTR_MCPSCOPE_PIN_BLOCKED]: true };
  if (status !== undefined) attributes[ATTR_MCPSCOPE_PIN_STATUS] = status;
  return attributes;
}

/** `mcpscope.pin.status` (the worst), the drifted and unpinned tools (sorted), `on_drift`. */
function standingAttributes(tools: ReadonlyArray<[string, ListedToolStatus]>, onDrift: OnDrift): Attributes {
  let worst: ListedToolStatus = 'match';
  const drifted: string[] = [];
  const unpinned: string[] = [];
  for (const [name, status] of tools) {
    worst = worseStatus(worst, status);
    if (status === 'drift') drifted.push(name);
    else if (status === 'unpinned') unpinned.push(name);
  }
  const attributes: Attributes = { [ATTR_MCPSCOPE_PIN_STATUS]: worst, [ATTR_MCPSCOPE_PIN_ON_DRIFT]: onDrift };
  if (drifted.length > 0) attributes[ATTR_MCPSCOPE_PIN_DRIFTED_TOOLS] = [...new Set(drifted)].sort();
  if (unpinned.length > 0) attributes[ATTR_MCPSCOPE_PIN_UNPINNED_TOOLS] = [...new Set(unpinned)].sort();
  return attributes;
}
