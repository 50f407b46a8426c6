import { context, SpanKind, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import type { JsonRpcMessage } from '../jsonRpc.js';
import { extractParent, injectIntoMessage, metaOf, traceIdOfMeta } from '../metaPropagation.js';
import { ATTR_MCP_METHOD_NAME, ATTR_MCP_RESOURCE_URI } from '../../semconv.js';
import type { Connection, OutgoingCall } from './calls.js';
import { notificationEventAttributes, notificationEventName } from './notificationEvents.js';
import type { SpanRecorder } from './SpanRecorder.js';

// Notifications in either direction. They are events on the span of the request they belong to
// (progress, cancellation, messages sent while handling a request), or short spans of their own when
// they belong to none (list_changed, resources/updated, a log message outside a request, …), kind
// following the direction like a request's. notifications/initialized, the end of the handshake, is
// not traced.

/** Records the notifications of one endpoint (see the module comment). */
export class NotificationRecorder {
  constructor(private readonly r: SpanRecorder) {}

  /**
   * A notification goes out on `conn`; `relatedRequestId` is the request being handled that it belongs
   * to, when the host says. A cancellation becomes an event on the request it cancels, one related to a
   * request being handled an event on that request's span; any other gets a short span of its own.
   * Returns the message to send: with that span's context injected, so the receiver's span of the
   * notification joins it (else with the active context's).
   */
  sent(conn: Connection, message: JsonRpcMessage, relatedRequestId: unknown): JsonRpcMessage {
    const r = this.r;
    const method = message.method as string;
    const params = message.params;
    const active = context.active();
    if (method === 'notifications/cancelled') {
      const requestId = params?.['requestId'];
      const call = conn.outgoing.get(Number(requestId));
      if (call) {
        call.span.addEvent(
          notificationEventName(method),
          notificationEventAttributes(method, params, 'sent', false),
        );
        if (call.direct) r.outgoing.cancelSent(call, params?.['reason']);
      } else if (conn.subscriptions.size > 0) {
        // The client closing a subscription (2026-07-28): cancel the listen request.
        r.subscriptions.cancelled(conn, requestId, 'client');
      }
      return injectIntoMessage(message, active);
    }
    if (method === 'notifications/initialized') return injectIntoMessage(message, active);
    const capture = r.opts.capture !== undefined;
    const call =
      relatedRequestId === undefined ? undefined : conn.incoming.get(relatedRequestId as string | number);
    if (call) {
      if (call.span.isRecording()) {
        call.span.addEvent(
          notificationEventName(method),
          notificationEventAttributes(method, params, 'sent', capture),
        );
      }
      return injectIntoMessage(message, active);
    }
    const span = startNotificationSpan(r, method, params, true, active, r.outgoingBase);
    span.end();
    return injectIntoMessage(message, trace.setSpan(active, span));
  }

  /**
   * A notification arrived on `conn`. Progress goes on the request with that progress token, a
   * cancellation on (and ends) the request it cancels, anything else on the in-flight request of the
   * same trace (else the most recent one); with no request in flight it becomes a short span of its own.
   */
  received(conn: Connection, message: JsonRpcMessage): void {
    const r = this.r;
    const method = message.method as string;
    const params = message.params;
    const capture = r.opts.capture !== undefined;
    if (method === 'notifications/initialized') return;
    if (method === 'notifications/cancelled') {
      const call = conn.incoming.get(params?.['requestId'] as string | number);
      if (!call && conn.subscriptions.size > 0)
        r.subscriptions.cancelled(conn, params?.['requestId'], 'server');
      if (call) {
        call.span.addEvent(
          notificationEventName(method),
          notificationEventAttributes(method, params, 'received', false),
        );
        r.incoming.cancelled(conn, call, params?.['reason']);
      }
      return;
    }
    if (method === 'notifications/progress') {
      const call = conn.outgoing.get(Number(params?.['progressToken']));
      if (call) {
        call.span.addEvent(
          notificationEventName(method),
          notificationEventAttributes(method, params, 'received', capture),
        );
        return;
      }
    }
    const meta = metaOf(message);
    // 2026-07-28 era: delivered on a subscription (its `_meta` names it): an event on its span.
    if (conn.subscriptions.size > 0 && r.subscriptions.notificationReceived(conn, message, meta)) return;
    const related = relatedOutgoing(conn, meta);
    if (related) {
      related.span.addEvent(
        notificationEventName(method),
        notificationEventAttributes(method, params, 'received', capture),
      );
      return;
    }
    const { ctx } = extractParent(context.active(), meta, undefined, r.propagator);
    startNotificationSpan(r, method, params, false, ctx, r.incomingBase).end();
  }
}

/** The request in flight a received notification belongs to: same trace, else the most recent one. */
function relatedOutgoing(
  conn: Connection,
  meta: Record<string, unknown> | undefined,
): OutgoingCall | undefined {
  if (conn.outgoing.size === 0) return undefined;
  const traceId = traceIdOfMeta(meta);
  let last: OutgoingCall | undefined;
  for (const call of conn.outgoing.values()) {
    if (traceId !== undefined && call.span.spanContext().traceId === traceId) return call;
    last = call;
  }
  return traceId === undefined ? last : undefined;
}

/**
 * Starts the span of a notification that belongs to no request: named after its method, CLIENT when
 * `sent` and SERVER when received (like a request's), with `base` and the notification as its one
 * event. The caller adds what it knows besides and ends it.
 */
export function startNotificationSpan(
  r: SpanRecorder,
  method: string,
  params: Record<string, unknown> | undefined,
  sent: boolean,
  parent: Context,
  base: Attributes,
): Span {
  const attributes: Attributes = { [ATTR_MCP_METHOD_NAME]: method };
  const uri = params?.['uri'];
  if (method === 'notifications/resources/updated' && typeof uri === 'string')
    attributes[ATTR_MCP_RESOURCE_URI] = uri;
  const span = r.opts.tracer.startSpan(
    method,
    { kind: sent ? SpanKind.CLIENT : SpanKind.SERVER, attributes },
    parent,
  );
  if (span.isRecording()) {
    span.setAttributes(base);
    span.addEvent(
      notificationEventName(method),
      notificationEventAttributes(method, params, sent ? 'sent' : 'received', r.opts.capture !== undefined),
    );
  }
  return span;
}
