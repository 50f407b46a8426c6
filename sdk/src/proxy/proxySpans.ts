import type { Attributes } from '@opentelemetry/api';
import type { JsonObject } from '../core/jsonRpc.js';
import { notificationEventAttributes as eventAttributes } from '../core/recorder/notificationEvents.js';

// What the proxy writes on its spans that the core does not: its source, and its view of notification
// events. Everything else is the core recorder's (see proxySession.ts).

/** Value of `mcpscope.source` on every proxy span. */
export const SOURCE_PROXY = 'proxy';

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
