import type { Attributes, AttributeValue, Span } from '@opentelemetry/api';
import type { JsonObject } from '../core/jsonRpc.js';
import { notificationEventAttributes as eventAttributes } from '../core/recorder/notificationEvents.js';
import { ATTR_JSONRPC_REQUEST_ID, ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES } from '../semconv.js';

// What the proxy writes on its spans: the attributes a request's span gets once the request has been
// forwarded, and the proxy's view of notification events. A failure is written by the core's
// recordOutcome, as on the SDK's SERVER spans.

/** Value of `mcpscope.source` on every proxy span. */
export const SOURCE_PROXY = 'proxy';

/** Span attributes that wait until the message has been forwarded (see `ProxySession.settle`). */
export interface PendingAttributes {
  span: Span;
  common: ReadonlyArray<[string, AttributeValue]>;
  requestId: string;
  annotations: Attributes | undefined;
  bytes: number | undefined;
  extra: Attributes | undefined;
}

/** Sets the attributes that waited until the request was forwarded (see `ProxySession.settle`). */
export function applyPending(item: PendingAttributes): void {
  const span = item.span;
  const common = item.common;
  for (let i = 0; i < common.length; i++) span.setAttribute(common[i]![0], common[i]![1]);
  span.setAttribute(ATTR_JSONRPC_REQUEST_ID, item.requestId);
  if (item.annotations !== undefined) span.setAttributes(item.annotations);
  if (item.bytes !== undefined) span.setAttribute(ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES, item.bytes);
  if (item.extra !== undefined) span.setAttributes(item.extra);
}

/**
 * The proxy's spans are the server's view: what the agent sends was `received`, what the server sends was
 * `sent`. Log data is content and the proxy never records it, so capture stays off.
 */
export function notificationEventAttributes(
  method: string,
  params: JsonObject | undefined,
  fromClient: boolean,
): Attributes {
  return eventAttributes(method, params, fromClient ? 'received' : 'sent', false);
}
