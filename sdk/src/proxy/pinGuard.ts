import type { Attributes, Span } from '@opentelemetry/api';
import type { FailureOutcome } from '../core/classifyOutcome.js';
import { idKey, isJsonRpcId, isObject, type JsonObject, type JsonRpcId } from '../core/jsonRpc.js';
import { fingerprintTools } from '../core/tools/fingerprint.js';
import { PinIndex, worseStatus, type ListedToolStatus } from '../pins/compare.js';
import type { PinFile } from '../pins/pinFile.js';
import {
  ATTR_MCPSCOPE_PIN_BLOCKED,
  ATTR_MCPSCOPE_PIN_DRIFTED_TOOLS,
  ATTR_MCPSCOPE_PIN_MISSING_TOOLS,
  ATTR_MCPSCOPE_PIN_ON_DRIFT,
  ATTR_MCPSCOPE_PIN_STATUS,
  ATTR_MCPSCOPE_PIN_UNPINNED_TOOLS,
  ERROR_TYPE_PIN_MISMATCH,
} from '../semconv.js';
import type { ProxyRequests } from './proxyRequests.js';
import { applyOutcome } from './proxySpans.js';

// `mcpscope proxy --pins`: holds the server to its pinned tool definitions. In `block` mode a tools/list
// result reaches the agent with only the tools that match their pins, and a tools/call of any other tool
// is answered by the proxy and never forwarded; in `warn` mode every byte passes as it came. Either way
// the spans say how the tools stand.

/** What the proxy does with tools that do not match their pins. */
export type OnDrift = 'block' | 'warn';

/** Tool pins for `startStdioProxy` / `startHttpProxy`. */
export interface ProxyPinOptions {
  /** The approved tool set (`loadPins`, `readPinFile`). */
  file: PinFile;
  /**
   * `block` withholds changed and new tools (from tools/list results, and refuses their calls); `warn`
   * passes everything and only records. Defaults to `block`: pins are given to be enforced.
   */
  onDrift?: OnDrift;
  /** Told, in a sentence, when the tools that do not match their pins change (the proxy's stderr). */
  log?: (message: string) => void;
}

/**
 * The JSON-RPC error code of a refused call: -32602 (invalid params), what MCP servers answer for a tool
 * they do not offer — which, through the proxy, this tool is not.
 */
export const PIN_ERROR_CODE = -32602;
/** The code of the other requests of a batch refused whole (invalid request). */
export const PIN_BATCH_ERROR_CODE = -32600;

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

/** The pins and policy every session in front of one server shares. */
export class PinPolicy {
  readonly index: PinIndex;
  readonly onDrift: OnDrift;
  private readonly log: ((message: string) => void) | undefined;
  /** The last mismatch reported, so that each change is told once (not once per tools/list). */
  private lastReport = '';

  constructor(options: ProxyPinOptions) {
    this.index = new PinIndex(options.file);
    this.onDrift = options.onDrift ?? 'block';
    this.log = options.log;
  }

  /** Tells the log when the set of tools that do not match their pins changed. */
  report(mismatched: ReadonlyArray<[string, ListedToolStatus]>): void {
    const text = [...mismatched]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, status]) => `${name} (${describe(status)})`)
      .join(', ');
    if (text === this.lastReport) return;
    this.lastReport = text;
    if (this.log === undefined) return;
    if (text === '') this.log('every listed tool matches its pin');
    else if (this.onDrift === 'block') this.log(`withholding tools that do not match their pins: ${text}`);
    else this.log(`tools that do not match their pins (passed on, --on-drift warn): ${text}`);
  }
}

/** Answers the proxy sends back itself instead of forwarding the agent's message. */
export interface Withheld {
  replies: JsonObject[];
  /** The agent sent a batch: the replies go back as one array. */
  batch: boolean;
}

/** One session's view of its pins: what the last tools/list said of each tool. */
export class PinGuard {
  /** Status of each tool of the last tools/list; undefined before the first, and after list_changed. */
  private listed: Map<string, ListedToolStatus> | undefined;

  /** @param requests the session's requests in flight (blocked ones are ended here). */
  constructor(
    private readonly policy: PinPolicy,
    private readonly requests: ProxyRequests,
  ) {}

  /** Whether tools are withheld (`block`) rather than only recorded. */
  get blocking(): boolean {
    return this.policy.onDrift === 'block';
  }

  /**
   * A tools/list result page on its way to the agent: sets the pin attributes on its span and, in block
   * mode, keeps in `result.tools` only the tools that match their pins. Returns true when the result was
   * changed (it must be re-serialized); a result whose tools all match is left as it came.
   * @param wholeSet every tool of the listing, when this page completes it: then pinned tools absent
   *   from it are recorded as missing.
   */
  toolList(
    span: Span,
    result: JsonObject,
    page: readonly unknown[],
    firstPage: boolean,
    wholeSet: readonly unknown[] | undefined,
  ): boolean {
    if (firstPage || this.listed === undefined) this.listed = new Map();
    const listed = this.listed;
    const kept: unknown[] = [];
    const onPage: Array<[string, ListedToolStatus]> = [];
    for (const tool of page) {
      // One tool at a time through the core's fingerprint, so each entry of the page has its own status.
      const entry = fingerprintTools([tool]).tools[0];
      if (entry === undefined) continue;
      const status = this.policy.index.statusOf(entry.name, entry.fingerprint);
      const previous = listed.get(entry.name);
      listed.set(entry.name, previous === undefined ? status : worseStatus(previous, status));
      onPage.push([entry.name, status]);
      if (status === 'match') kept.push(tool);
    }
    // The page that completes a listing speaks for the whole set (as `mcpscope.tools.fingerprint`
    // does); an earlier page of a paginated listing for itself.
    const attributes = standingAttributes(wholeSet !== undefined ? [...listed] : onPage, this.policy.onDrift);
    if (wholeSet !== undefined) {
      const listedNames = new Set(fingerprintTools(wholeSet).tools.map((tool) => tool.name));
      const missing = this.policy.index.names().filter((name) => !listedNames.has(name));
      if (missing.length > 0) attributes[ATTR_MCPSCOPE_PIN_MISSING_TOOLS] = missing;
      this.policy.report([...listed].filter(([, status]) => status !== 'match'));
    }
    span.setAttributes(attributes);
    if (!this.blocking || kept.length === page.length) return false;
    result['tools'] = kept;
    return true;
  }

  /** The server said its tools changed: what the last list said is stale until the next one. */
  listChanged(): void {
    this.listed = undefined;
  }

  /**
   * How a tool stands for a call: as the last tools/list said; with no list since the session began
   * (or since list_changed), by name: a pinned tool is taken as matching, an unknown one as unpinned.
   */
  statusOf(tool: string): ListedToolStatus {
    return this.listed?.get(tool) ?? (this.policy.index.get(tool) !== undefined ? 'match' : 'unpinned');
  }

  /** The pin attributes of a tools/call span. */
  callAttributes(tool: string): Attributes {
    return {
      [ATTR_MCPSCOPE_PIN_STATUS]: this.statusOf(tool),
      [ATTR_MCPSCOPE_PIN_ON_DRIFT]: this.policy.onDrift,
    };
  }

  /**
   * Block mode: the answers to send back when `msg` (from the agent) calls a tool that does not match
   * its pin, else undefined (forward it). A batch that carries such a call is refused whole — its other
   * requests get an invalid-request error — so that nothing of it reaches the server: batches left MCP
   * in 2025-06-18 and no current client sends them.
   */
  screen(msg: unknown): Withheld | undefined {
    if (!this.blocking) return undefined;
    if (!Array.isArray(msg)) {
      const reply = isObject(msg) ? this.refusal(msg) : undefined;
      return reply === undefined ? undefined : { replies: [reply], batch: false };
    }
    let refused: string | undefined;
    for (const member of msg) {
      if (!isObject(member) || this.refusal(member) === undefined) continue;
      refused = toolName(member);
      break;
    }
    if (refused === undefined) return undefined;
    const replies: JsonObject[] = [];
    for (const member of msg) {
      if (!isObject(member) || typeof member['method'] !== 'string' || !isJsonRpcId(member['id'])) continue;
      replies.push(
        this.refusal(member) ??
          errorReply(member['id'], {
            code: PIN_BATCH_ERROR_CODE,
            message: `mcpscope: the batch is refused whole: it calls the withheld tool "${refused}"`,
            data: { reason: ERROR_TYPE_PIN_MISMATCH, tool: refused },
          }),
      );
    }
    return { replies, batch: true };
  }

  /** Whether a server message must be read before it is forwarded: a tools/list result may be cut. */
  mustInspect(): boolean {
    return this.blocking && this.requests.hasAgentRequest('tools/list');
  }

  /**
   * {@link screen}, and when the message is withheld: `trace` starts its spans the usual way (the
   * session's `fromClient`), then the refused requests' spans end here, marked blocked.
   */
  withhold(msg: unknown, scope: string, trace: () => void): Withheld | undefined {
    const withheld = this.screen(msg);
    if (withheld === undefined) return undefined;
    trace();
    for (const reply of withheld.replies) {
      const entry = this.requests.findAgentRequest(scope, idKey(reply['id'] as JsonRpcId));
      if (entry === undefined) continue;
      this.requests.forget(entry);
      this.markBlocked(entry.span, reply);
      entry.span.end();
    }
    return withheld;
  }

  /** Marks the span of a request the proxy refused (see {@link screen}) before it ends. */
  markBlocked(span: Span, reply: JsonObject): void {
    const error = isObject(reply['error']) ? reply['error'] : {};
    const data = isObject(error['data']) ? error['data'] : {};
    if (typeof data['status'] === 'string') span.setAttribute(ATTR_MCPSCOPE_PIN_STATUS, data['status']);
    span.setAttribute(ATTR_MCPSCOPE_PIN_ON_DRIFT, this.policy.onDrift);
    span.setAttribute(ATTR_MCPSCOPE_PIN_BLOCKED, true);
    applyOutcome(
      span,
      PIN_MISMATCH,
      typeof error['message'] === 'string' ? error['message'] : PIN_MISMATCH.errorType,
    );
  }

  /** The pin error for a tools/call request of a tool that does not match its pin, else undefined. */
  private refusal(msg: JsonObject): JsonObject | undefined {
    if (msg['method'] !== 'tools/call' || !isJsonRpcId(msg['id'])) return undefined;
    const tool = toolName(msg);
    if (tool === undefined) return undefined;
    const status = this.statusOf(tool);
    if (status === 'match') return undefined;
    return errorReply(msg['id'], {
      code: PIN_ERROR_CODE,
      message: `Tool "${tool}" is withheld by mcpscope: its definition does not match its pin (${describe(status)})`,
      data: { reason: ERROR_TYPE_PIN_MISMATCH, tool, status },
    });
  }
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

function toolName(msg: JsonObject): string | undefined {
  const params = msg['params'];
  const name = isObject(params) ? params['name'] : undefined;
  return typeof name === 'string' ? name : undefined;
}

function errorReply(id: JsonRpcId, error: JsonObject): JsonObject {
  return { jsonrpc: '2.0', id, error };
}

function describe(status: ListedToolStatus): string {
  return status === 'drift'
    ? 'changed since it was pinned'
    : status === 'unpinned'
      ? 'not pinned'
      : 'matches';
}
