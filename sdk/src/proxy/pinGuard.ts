import type { Attributes, Span } from '@opentelemetry/api';
import { isJsonRpcId, isObject, type JsonObject, type JsonRpcId } from '../core/jsonRpc.js';
import { blockedAttributes, PinGuard } from '../core/pins/PinGuard.js';
import type { PinPolicy, PinPolicyOptions } from '../core/pins/PinPolicy.js';
import { ERROR_TYPE_PIN_MISMATCH } from '../semconv.js';
import type { ProxyRequests } from './proxyRequests.js';

// `mcpscope proxy --pins`: holds the server to its pinned tool definitions. In `block` mode a tools/list
// result reaches the agent with only the tools that match their pins, and a tools/call of any other tool
// is answered by the proxy and never forwarded; in `warn` mode every byte passes as it came. Either way
// the spans say how the tools stand. The rule is the core's (core/pins/PinGuard.ts, which
// `instrumentClient` applies too); this file frames it for the proxy's wire: results rewritten, refused
// requests (and batches) answered.

/**
 * Tool pins for `startStdioProxy` / `startHttpProxy`: the approved tool set (`file`), what is done with
 * tools that do not match it (`onDrift`, `block` by default), and where a change of the mismatched set
 * is told (`log`: the proxy's stderr).
 */
export type ProxyPinOptions = PinPolicyOptions;

/** The code of the other requests of a batch refused whole (invalid request). */
export const PIN_BATCH_ERROR_CODE = -32600;

/** Answers the proxy sends back itself instead of forwarding the agent's message. */
export interface Withheld {
  replies: JsonObject[];
  /** The agent sent a batch: the replies go back as one array. */
  batch: boolean;
}

/** One proxy session's pins: the core's rule, applied to the messages passing through. */
export class ProxyPinGuard {
  private readonly guard: PinGuard;

  /** @param requests the session's requests in flight. */
  constructor(
    policy: PinPolicy,
    private readonly requests: ProxyRequests,
  ) {
    this.guard = new PinGuard(policy);
  }

  /** Whether tools are withheld (`block`) rather than only recorded. */
  get blocking(): boolean {
    return this.guard.blocking;
  }

  /**
   * A tools/list result page on its way to the agent: sets the pin attributes on its span and, in block
   * mode, keeps in `result.tools` only the tools that match their pins. Returns true when the result was
   * changed (it must be re-serialized); a result whose tools all match is left as it came.
   * @param wholeSet every tool of the listing, when this page completes it (see `PinGuard.toolList`).
   */
  toolList(
    span: Span,
    result: JsonObject,
    page: readonly unknown[],
    firstPage: boolean,
    wholeSet: readonly unknown[] | undefined,
  ): boolean {
    const check = this.guard.toolList(page, firstPage, wholeSet);
    span.setAttributes(check.attributes);
    if (check.kept === undefined) return false;
    result['tools'] = check.kept;
    return true;
  }

  /** The server said its tools changed: the next list is checked again. */
  listChanged(): void {
    this.guard.listChanged();
  }

  /** The pin attributes of a tools/call span. */
  callAttributes(tool: string): Attributes {
    return this.guard.callAttributes(tool);
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

  /** Marks the span of a request the proxy refused (see {@link screen}); the recorder ends it as a pin mismatch. */
  markBlocked(span: Span, reply: JsonObject): void {
    const error = isObject(reply['error']) ? reply['error'] : {};
    const data = isObject(error['data']) ? error['data'] : {};
    const status = typeof data['status'] === 'string' ? data['status'] : undefined;
    span.setAttributes(blockedAttributes(status, this.guard.policy.onDrift));
  }

  /** The pin error for a tools/call request of a tool that does not match its pin, else undefined. */
  private refusal(msg: JsonObject): JsonObject | undefined {
    if (msg['method'] !== 'tools/call' || !isJsonRpcId(msg['id'])) return undefined;
    const tool = toolName(msg);
    if (tool === undefined) return undefined;
    const refusal = this.guard.refusal(tool);
    return refusal === undefined ? undefined : errorReply(msg['id'], { ...refusal });
  }
}

function toolName(msg: JsonObject): string | undefined {
  const params = msg['params'];
  const name = isObject(params) ? params['name'] : undefined;
  return typeof name === 'string' ? name : undefined;
}

function errorReply(id: JsonRpcId, error: JsonObject): JsonObject {
  return { jsonrpc: '2.0', id, error };
}
