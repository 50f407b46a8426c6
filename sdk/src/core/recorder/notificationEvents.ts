import type { Attributes } from '@opentelemetry/api';
import { redactString } from '../content/redact.js';
import {
  ATTR_EVENT_CANCEL_REASON,
  ATTR_EVENT_DIRECTION,
  ATTR_EVENT_LOG_LEVEL,
  ATTR_EVENT_LOGGER,
  ATTR_EVENT_MESSAGE,
  ATTR_EVENT_PROGRESS,
  ATTR_EVENT_PROGRESS_TOTAL,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_RESOURCE_URI,
  EVENT_CANCELLED,
  EVENT_LIST_CHANGED,
  EVENT_LOG_MESSAGE,
  EVENT_PROGRESS,
  EVENT_RESOURCE_UPDATED,
  EVENT_SUBSCRIPTION_ACKNOWLEDGED,
} from '../../semconv.js';

/** The span-event name of a notification method. */
export function notificationEventName(method: string): string {
  switch (method) {
    case 'notifications/progress':
      return EVENT_PROGRESS;
    case 'notifications/cancelled':
      return EVENT_CANCELLED;
    case 'notifications/message':
      return EVENT_LOG_MESSAGE;
    case 'notifications/resources/updated':
      return EVENT_RESOURCE_UPDATED;
    case 'notifications/subscriptions/acknowledged':
      return EVENT_SUBSCRIPTION_ACKNOWLEDGED;
    default:
      return method.endsWith('/list_changed') ? EVENT_LIST_CHANGED : method;
  }
}

const MAX_EVENT_TEXT = 512;

/**
 * Attributes of a notification event. Free text (progress messages, cancel reasons) is scrubbed of
 * credential-looking values and cut to 512 characters; logging payloads (`data`) are only recorded when
 * content capture is on, since they can hold anything.
 */
export function notificationEventAttributes(
  method: string,
  params: Record<string, unknown> | undefined,
  direction: 'sent' | 'received',
  captureContent: boolean,
): Attributes {
  const attributes: Attributes = { [ATTR_MCP_METHOD_NAME]: method, [ATTR_EVENT_DIRECTION]: direction };
  if (!params) return attributes;
  switch (method) {
    case 'notifications/progress':
      if (typeof params['progress'] === 'number') attributes[ATTR_EVENT_PROGRESS] = params['progress'];
      if (typeof params['total'] === 'number') attributes[ATTR_EVENT_PROGRESS_TOTAL] = params['total'];
      if (typeof params['message'] === 'string')
        attributes[ATTR_EVENT_MESSAGE] = shortText(params['message']);
      break;
    case 'notifications/cancelled':
      if (params['reason'] !== undefined)
        attributes[ATTR_EVENT_CANCEL_REASON] = shortText(String(params['reason']));
      break;
    case 'notifications/message':
      if (typeof params['level'] === 'string') attributes[ATTR_EVENT_LOG_LEVEL] = params['level'];
      if (typeof params['logger'] === 'string') attributes[ATTR_EVENT_LOGGER] = params['logger'];
      if (captureContent && params['data'] !== undefined) {
        const data = typeof params['data'] === 'string' ? params['data'] : JSON.stringify(params['data']);
        attributes[ATTR_EVENT_MESSAGE] = shortText(data ?? '');
      }
      break;
    case 'notifications/resources/updated':
      if (typeof params['uri'] === 'string') attributes[ATTR_MCP_RESOURCE_URI] = params['uri'];
      break;
    default:
      break;
  }
  return attributes;
}

function shortText(text: string): string {
  const scrubbed = redactString(text);
  return scrubbed.length > MAX_EVENT_TEXT ? scrubbed.slice(0, MAX_EVENT_TEXT) : scrubbed;
}
