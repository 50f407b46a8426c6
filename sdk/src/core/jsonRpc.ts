/**
 * The few facts MCP telemetry needs about a JSON-RPC 2.0 message, read from an already-parsed value
 * without validating it: the instrumentation and the proxy pass on whatever the peers send, they only
 * look. Two views of a message: {@link JsonRpcMessage}, the shape an MCP SDK's transport hands over
 * (already validated by the SDK), and {@link JsonRpcLike}, the loose view of anything a peer may send.
 */

/** A JSON-RPC message as the instrumentation sees it (validated by the host MCP SDK). */
export interface JsonRpcMessage {
  jsonrpc?: string;
  id?: string | number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/** A JSON-RPC request id. */
export type JsonRpcId = string | number;

/** Loose view of any JSON-RPC message: every field may be missing or of the wrong type. */
export interface JsonRpcLike {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  params?: unknown;
  result?: unknown;
  error?: unknown;
}

/** A plain JSON object. */
export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isJsonRpcId(value: unknown): value is JsonRpcId {
  return typeof value === 'string' || typeof value === 'number';
}

/** A request carries a method and an id; a notification a method and no id; a response an id and a result or error. */
export type MessageKind = 'request' | 'notification' | 'response' | 'other';

export function messageKind(msg: JsonRpcLike): MessageKind {
  if (typeof msg.method === 'string') return isJsonRpcId(msg.id) ? 'request' : 'notification';
  if (isJsonRpcId(msg.id) && ('result' in msg || 'error' in msg)) return 'response';
  return 'other';
}

/**
 * Map key for a request id: 1 and "1" are different ids in JSON-RPC, so the key keeps the type.
 */
export function idKey(id: JsonRpcId): string {
  return typeof id === 'number' ? `n${id}` : `s${id}`;
}

/** A string field of `params`, if present. */
export function paramString(msg: JsonRpcLike, key: string): string | undefined {
  const params = msg.params;
  if (!isObject(params)) return undefined;
  const value = params[key];
  return typeof value === 'string' ? value : undefined;
}
