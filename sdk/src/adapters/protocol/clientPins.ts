import type { JsonRpcMessage } from '../../core/jsonRpc.js';
import { blockedAttributes, PIN_MISMATCH, PinGuard } from '../../core/pins/PinGuard.js';
import type { PinPolicy } from '../../core/pins/PinPolicy.js';
import type { Connection, OutgoingCall } from '../../core/recorder/calls.js';
import { ToolListPages } from '../../core/tools/ToolListPages.js';

// `instrumentClient(client, { pins, onDrift })`: the core's pin rule (core/pins/PinGuard.ts, the one
// `mcpscope proxy --pins` applies) on the messages an MCP SDK Client exchanges. The transport hooks hand
// it each request before it is sent and each message before the Client reads it. Working at the
// transport is what makes every path of the host SDK go through it: `listTools()` and
// `request({ method: 'tools/list' })`, every page, 2.x's aggregated and cached lists (the cache is filled
// from what the Client read), `callTool()`, `request({ method: 'tools/call' })`, queued and retried
// requests. A refused call is answered with the pin error as if the server had sent it, so the host SDK
// rejects the call with its own error class (1.x McpError, 2.x ProtocolError), code -32602.

/** The pins of one instrumented Client: what the last tools/list said, and the lists in flight. */
export class ClientPins {
  private readonly guard: PinGuard;
  /** The connection the state below belongs to: a new connection starts from nothing. */
  private conn: Connection | undefined;
  /** tools/list requests sent on {@link conn} and not answered yet: JSON-RPC id → their cursor. */
  private readonly lists = new Map<string | number, unknown>();
  /** The pages of a paginated tools/list, joined (for the pinned tools the whole set lacks). */
  private pages = new ToolListPages();

  constructor(policy: PinPolicy) {
    this.guard = new PinGuard(policy);
  }

  /**
   * A request on its way to the server. Returns the JSON-RPC error response to hand to the Client
   * instead of sending the request — block mode, a tools/call of a tool that does not match its pin —
   * else undefined (send it).
   * @param call the request's traced call, if it has one: its CLIENT span gets the pin attributes, and a
   *   refused call ends as the pin mismatch.
   */
  sending(
    conn: Connection,
    message: JsonRpcMessage,
    call: OutgoingCall | undefined,
  ): JsonRpcMessage | undefined {
    this.use(conn);
    const id = message.id;
    if (id === undefined) return undefined;
    if (message.method === 'tools/list') {
      this.lists.set(id, message.params?.['cursor']);
      return undefined;
    }
    if (message.method !== 'tools/call') return undefined;
    const tool = message.params?.['name'];
    if (typeof tool !== 'string') return undefined;
    const span = call?.span;
    const recording = span?.isRecording() === true;
    if (recording) span!.setAttributes(this.guard.callAttributes(tool));
    const refusal = this.guard.refusal(tool);
    if (refusal === undefined) return undefined;
    if (call !== undefined) {
      if (recording) span!.setAttributes(blockedAttributes(refusal.data.status, this.guard.policy.onDrift));
      call.forcedOutcome = { ...PIN_MISMATCH, message: refusal.message };
    }
    return { jsonrpc: '2.0', id, error: { ...refusal } };
  }

  /**
   * A message from the server, before the Client reads it. Returns the message to deliver: in block
   * mode, a tools/list result without the tools that do not match their pins (a copy: the original,
   * which the recorder fingerprints, is left as the server sent it); else the message itself.
   */
  received(conn: Connection, message: JsonRpcMessage): JsonRpcMessage {
    this.use(conn);
    if (message.method !== undefined) {
      if (message.method === 'notifications/tools/list_changed' && message.id === undefined)
        this.guard.listChanged();
      return message;
    }
    const id = message.id;
    if (id === undefined || this.lists.size === 0 || !this.lists.has(id)) return message;
    const cursor = this.lists.get(id);
    this.lists.delete(id);
    const result = message.result;
    const tools = result?.['tools'];
    if (result === undefined || !Array.isArray(tools)) return message;
    const wholeSet = this.pages.page(cursor, tools, result['nextCursor']);
    const check = this.guard.toolList(tools, cursor === undefined, wholeSet);
    const call = typeof id === 'number' ? conn.outgoing.get(id) : conn.direct.get(id);
    if (call?.span.isRecording()) call.span.setAttributes(check.attributes);
    if (check.kept === undefined) return message;
    return { ...message, result: { ...result, tools: check.kept } };
  }

  /** Messages now travel on `conn`: what was known of another connection's server no longer holds. */
  private use(conn: Connection): void {
    if (conn === this.conn) return;
    this.conn = conn;
    this.lists.clear();
    this.pages = new ToolListPages();
    this.guard.listChanged();
  }
}
