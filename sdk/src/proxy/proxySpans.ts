import { SpanStatusCode, type Attributes, type AttributeValue, type Span } from '@opentelemetry/api';
import type { FailureOutcome } from '../core/classifyOutcome.js';
import type { JsonObject } from '../core/jsonRpc.js';
import { notificationEventAttributes as eventAttributes } from '../core/recorder/notificationEvents.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCPSCOPE_FAULT,
  ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES,
  ATTR_RPC_RESPONSE_STATUS_CODE,
} from '../semconv.js';

// What the proxy writes on its spans: the attributes a request's span gets once the request has been
// forwarded, a failure's attributes and status, and the proxy's view of notification events.

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

/** Records a failure on a proxy span: its error type, fault, codes, and ERROR status when it is one. */
export function applyOutcome(span: Span, outcome: FailureOutcome, message: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, outcome.errorType);
  span.setAttribute(ATTR_MCPSCOPE_FAULT, outcome.fault);
  if (outcome.rpcStatusCode !== undefined)
    span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, outcome.rpcStatusCode);
  if (outcome.httpStatusCode !== undefined)
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, outcome.httpStatusCode);
  if (outcome.markError) span.setStatus({ code: SpanStatusCode.ERROR, message });
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
