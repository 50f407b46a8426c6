import { isObject, type JsonRpcId, type JsonRpcLike, type JsonRpcMessage } from '../core/jsonRpc.js';

// The proxy parsed what a peer sent, which may be any JSON; the core recorder reads messages as an MCP
// SDK hands them over. These views give it only what is well-formed, without copying what already is.

/**
 * A request or notification as the recorder reads it: `params` an object or absent. A peer may send any
 * JSON as `params`; what is not an object names nothing, so the recorder sees none.
 */
export function asMessage(msg: JsonRpcLike): JsonRpcMessage {
  if (msg.params === undefined || isObject(msg.params)) return msg as JsonRpcMessage;
  return { id: msg.id as JsonRpcId, method: msg.method as string };
}

/** A response as the recorder reads it: an object `result` or a well-formed `error`, else neither. */
export function asResponse(msg: JsonRpcLike): JsonRpcMessage {
  const { error, result } = msg;
  if (isObject(error)) {
    if (typeof error['code'] === 'number' && typeof error['message'] === 'string')
      return msg as JsonRpcMessage;
    const message = typeof error['message'] === 'string' ? error['message'] : '';
    return { id: msg.id as JsonRpcId, error: { code: Number(error['code']), message } };
  }
  return isObject(result) ? (msg as JsonRpcMessage) : { id: msg.id as JsonRpcId };
}
