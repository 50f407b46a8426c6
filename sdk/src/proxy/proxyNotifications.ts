import { ROOT_CONTEXT, type TextMapPropagator } from '@opentelemetry/api';
import { idKey, isJsonRpcId, isObject, type JsonObject, type JsonRpcLike } from '../core/jsonRpc.js';
import { extractParent, injectIntoMeta, metaOf } from '../core/metaPropagation.js';
import { notificationEventName } from '../core/recorder/notificationEvents.js';
import { startNotificationSpan } from '../core/recorder/NotificationRecorder.js';
import { META_SUBSCRIPTION_ID } from '../core/recorder/SubscriptionRecorder.js';
import type { SpanRecorder } from '../core/recorder/SpanRecorder.js';
import { recordMcpHeaders } from '../core/transport/mcpHeaders.js';
import {
  ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES,
  EVENT_CANCELLED,
  EVENT_LOG_MESSAGE,
  EVENT_PROGRESS,
} from '../semconv.js';
import { asMessage } from './messageViews.js';
import type { ProxyPinGuard } from './pinGuard.js';
import type { ProxyRequests } from './proxyRequests.js';
import type { MessageInfo } from './proxySessionOptions.js';
import { notificationEventAttributes } from './proxySpans.js';

// The notifications passing through one proxy session, in both directions. Which request one belongs to
// is the proxy's to tell (a progress token, a cancelled id, the one agent request a server log message
// was sent for); the span of one that belongs to none is the core recorder's.

/** The notifications of one proxy session (see the module comment). */
export class ProxyNotifications {
  constructor(
    private readonly recorder: SpanRecorder,
    private readonly requests: ProxyRequests,
    private readonly propagator: TextMapPropagator,
    private readonly pins: ProxyPinGuard | undefined,
  ) {}

  /**
   * A notification. Progress, a cancellation, what a subscription delivers, and a server log message
   * sent while exactly one agent request is being handled are events on that request's span and pass
   * unchanged: the receiver ties them to their request already (progress token, request id,
   * subscription id), and rewriting every progress tick would cost a re-serialization each. Any other
   * notification — list_changed outside a subscription, resource updates, a roots change, a log message
   * with no request to belong to — gets a short span of its own whose context goes into its `_meta`, so
   * the receiving SDK can join it. notifications/initialized is the end of the handshake: neither
   * traced nor changed. Returns true when the message was changed.
   */
  passed(msg: JsonRpcLike, info: MessageInfo, fromClient: boolean): boolean {
    const method = msg.method as string;
    if (method === 'notifications/initialized') return false;
    if (method === 'notifications/tools/list_changed' && !fromClient) this.pins?.listChanged();
    const params = isObject(msg.params) ? msg.params : undefined;
    if (method === 'notifications/progress') {
      const token = params?.['progressToken'];
      const entry = isJsonRpcId(token) ? this.requests.byProgress(idKey(token)) : undefined;
      entry?.span.addEvent(EVENT_PROGRESS, notificationEventAttributes(method, params, fromClient));
      return false;
    }
    if (method === 'notifications/cancelled') {
      if (params !== undefined) this.cancel(method, params, fromClient);
      return false;
    }
    // 2026-07-28: what a subscription delivers names it; an event on its listen request's span.
    const subscription = fromClient ? undefined : metaOf(msg)?.[META_SUBSCRIPTION_ID];
    if (isJsonRpcId(subscription)) {
      const entry = this.requests.findAgentRequest(info.scope ?? '', idKey(subscription));
      if (entry !== undefined) {
        entry.span.addEvent(
          notificationEventName(method),
          notificationEventAttributes(method, params, false),
        );
        return false;
      }
    }
    if (method === 'notifications/message' && !fromClient) {
      const entry = this.requests.soleAgentRequest(info.scope ?? '');
      if (entry !== undefined) {
        entry.span.addEvent(EVENT_LOG_MESSAGE, notificationEventAttributes(method, params, fromClient));
        return false;
      }
    }
    return this.standalone(msg, method, params, info, fromClient);
  }

  /**
   * The recorder's span of a notification that belongs to no request (SERVER from the agent, CLIENT
   * from the server), a child of the context in its `_meta` (else, from the agent, of the HTTP
   * `traceparent` header's), ended as it passes, its context written into the notification's `_meta`.
   */
  private standalone(
    msg: JsonRpcLike,
    method: string,
    params: JsonObject | undefined,
    info: MessageInfo,
    fromClient: boolean,
  ): boolean {
    const meta = metaOf(msg);
    const headers = fromClient ? info.headers : undefined;
    const parent = extractParent(ROOT_CONTEXT, meta, headers, this.propagator).ctx;
    const r = this.recorder;
    const identity = fromClient
      ? r.learnFromReceived(asMessage(msg), meta, headers)
      : this.requests.soleAgentRequest(info.scope ?? '')?.call.identity;
    const base = identity !== undefined ? r.baseOf(identity, true) : r.incomingBase;
    const span = startNotificationSpan(r, method, params, !fromClient, parent, base);
    if (span.isRecording()) {
      if (info.bytes !== undefined) span.setAttribute(ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES, info.bytes);
      if (info.attributes !== undefined) span.setAttributes(info.attributes);
      if (headers !== undefined) recordMcpHeaders(span, headers);
    }
    const changed = injectIntoMeta(this.propagator, msg, span);
    span.end();
    return changed;
  }

  /** A cancel passing: an event on the request it cancels, which then waits for its grace period. */
  private cancel(method: string, params: JsonObject, fromClient: boolean): void {
    const requestId = params['requestId'];
    if (!isJsonRpcId(requestId)) return;
    // The agent cancels its own requests to the server, the server its own requests to the agent.
    const entry = fromClient
      ? this.requests.findAgentRequest(undefined, idKey(requestId))
      : this.requests.toClient.get(idKey(requestId));
    if (entry === undefined || entry.cancelled !== undefined) return;
    entry.span.addEvent(EVENT_CANCELLED, notificationEventAttributes(method, params, fromClient));
    this.requests.cancelled(entry, typeof params['reason'] === 'string' ? params['reason'] : undefined);
  }
}
