import { isObject, type JsonRpcLike, type JsonRpcMessage } from './jsonRpc.js';
import { metaOf } from './metaPropagation.js';
import type { Connection, OutgoingCall } from './recorder/calls.js';
import { ATTR_MCPSCOPE_SERVER_COMMAND, META_SERVER_COMMAND } from '../semconv.js';

// Who names a stdio server. A stdio server has no address; the collector keys its tool-definition history
// by `name (command)`, and only the process that launched it knows the command. So the launcher tells
// the server, in the `_meta` of each tools/list request (`mcpscope/serverCommand`: MCP allows a prefixed
// key of one's own there), and every observer records the same `mcpscope.server.command`:
// - an instrumented client adds the command it launched the server with (redacted, as it records it);
// - `mcpscope proxy` keeps a command the request already carries (the outermost launcher names the
//   server: the client started the proxy, not the server) and records that one; else it adds its own;
// - an instrumented server records the command a tools/list carries on that request's span.
// Only tools/list carries it: the history is built from tools/list spans alone, so other requests (a
// tools/call above all) pay nothing. The key goes on requests only, never on what MCP returns.

/** Whether requests of `method` carry the server's command (see the module comment). */
export function carriesServerCommand(method: unknown): boolean {
  return method === 'tools/list';
}

/** The command a request's `params._meta` names its server by, if it names one. */
export function namedServerCommand(meta: Record<string, unknown> | undefined): string | undefined {
  const command = meta?.[META_SERVER_COMMAND];
  return typeof command === 'string' && command !== '' ? command : undefined;
}

/**
 * In process: `message` with `command` naming its server in `params._meta`. Copies `params` and `_meta`
 * (the host's objects never change); the message's own `_meta` fields stay as they are.
 */
export function withServerCommand(message: JsonRpcMessage, command: string): JsonRpcMessage {
  const params = message.params;
  const meta = params?.['_meta'];
  const nextMeta: Record<string, unknown> = Object.assign({}, isObject(meta) ? meta : undefined);
  nextMeta[META_SERVER_COMMAND] = command;
  const nextParams: Record<string, unknown> = Object.assign({}, params);
  nextParams['_meta'] = nextMeta;
  const out: JsonRpcMessage = Object.assign({}, message);
  out.params = nextParams;
  return out;
}

/**
 * The proxy: writes `command` into the request's `params._meta` in place (the proxy re-serializes what
 * it parsed), creating `params` and `_meta` when absent. Returns false, changing nothing, when `params`
 * or `_meta` has a shape that must not be touched.
 */
export function writeServerCommand(msg: JsonRpcLike, command: string): boolean {
  if (msg.params === undefined) msg.params = {};
  const params = msg.params;
  if (!isObject(params)) return false;
  if (params['_meta'] === undefined) params['_meta'] = {};
  const meta = params['_meta'];
  if (!isObject(meta)) return false;
  meta[META_SERVER_COMMAND] = command;
  return true;
}

/**
 * The client side: a tools/list to a stdio server this process launched names the server by the command
 * it was launched with, unless the host's request names it already — then that name stands, on the wire
 * and on the call's span. Returns the message to send.
 */
export function nameServerOfList(
  conn: Connection,
  call: OutgoingCall,
  message: JsonRpcMessage,
): JsonRpcMessage {
  const own = conn.info.attributes[ATTR_MCPSCOPE_SERVER_COMMAND];
  const named = namedServerCommand(metaOf(message));
  if (named === undefined) return typeof own === 'string' ? withServerCommand(message, own) : message;
  if (named !== own) {
    call.serverCommand = named;
    if (call.span.isRecording()) call.span.setAttribute(ATTR_MCPSCOPE_SERVER_COMMAND, named);
  }
  return message;
}
