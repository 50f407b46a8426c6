import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { CLOSED_BEFORE_RESPONSE, jsonRpcErrorOutcome, type FailureOutcome } from '../classifyOutcome.js';
import type { JsonRpcMessage } from '../jsonRpc.js';
import { injectIntoMessage } from '../metaPropagation.js';
import { reportInternalError } from '../reportInternalError.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCPSCOPE_FAULT,
  ATTR_MCPSCOPE_SUBSCRIPTION_CLOSED_BY,
  ATTR_MCPSCOPE_SUBSCRIPTION_FILTER,
  ATTR_MCPSCOPE_SUBSCRIPTION_NOTIFICATIONS,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ERROR_TYPE_CANCELLED,
} from '../../semconv.js';
import type { Connection } from './calls.js';
import { notificationEventAttributes, notificationEventName } from './notificationEvents.js';
import type { SpanRecorder } from './SpanRecorder.js';

// `subscriptions/listen` (2026-07-28, SEP-1865), mostly on the side that opens the subscription. The request
// stays open for as long as the subscription lives: the server acknowledges it
// (`notifications/subscriptions/acknowledged`), then delivers the notification types it asked for on
// it, each stamped with the subscription's id (`_meta["io.modelcontextprotocol/subscriptionId"]` = the
// listen request's JSON-RPC id). So its CLIENT span lasts as long as the subscription, and a normal end
// is not an error: the client closing it (`notifications/cancelled` for the listen id, or aborting its
// stream), the server ending it (its empty result, or a cancel) or the stream going away after the
// acknowledgement. Only a subscription that never got its acknowledgement failed.
//
// The notifications it delivers are events on its span, like progress on a tool call's: in a waterfall
// the subscription is one bar with a mark per delivery, where a span per notification would give a
// stack of zero-length bars, one per list change, under a bar that says the same. Events are exported
// with the span, so they appear when the subscription ends, and the OpenTelemetry SDK keeps the first
// 128 events of a span by default; the count of all deliveries is on the span as well.
//
// There is no transport span: the request is on the wire for exactly as long as the CLIENT span, so a
// second bar of the same length would say nothing; the listen span's own context goes into `_meta`.
//
// On the serving side a listen request is an incoming request like any other (a SERVER span, the
// notifications it sends for it are events on it, see NotificationRecorder.sent), except that the
// client's cancel or the connection closing ends it normally (servedEnded). MCP SDK 2.4.0's serving
// entries (`serveStdio`, `createMcpHandler`) answer listen themselves, before any server instance sees
// it, so instrumentServer records this side only for a server that serves listen through its Protocol.

/** `_meta` key (2026-07-28) on every notification a subscription delivers: the listen request's id. */
export const META_SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';

/** Who ended a subscription (`mcpscope.subscription.closed_by`). */
export type ClosedBy = 'client' | 'server' | 'transport';

/** One open subscriptions/listen request this endpoint sent. */
export class Subscription {
  notifications = 0;
  acknowledged = false;
  ended = false;

  constructor(
    readonly id: string | number,
    readonly span: Span,
  ) {}
}

/** Records the subscriptions one endpoint opens (see the module comment). */
export class SubscriptionRecorder {
  constructor(private readonly r: SpanRecorder) {}

  /**
   * A subscriptions/listen request goes on the wire: starts its span and returns the message with the
   * span's context injected. `endSignal` is a signal the host aborts when the subscription ends, however
   * it ends (MCP SDK 2.x aborts the listen request's signal on every path), when it has one.
   */
  sent(conn: Connection, message: JsonRpcMessage, endSignal: AbortSignal | undefined): JsonRpcMessage {
    const r = this.r;
    const id = message.id as string | number;
    const parent = context.active();
    const span = r.opts.tracer.startSpan(
      'subscriptions/listen',
      { kind: SpanKind.CLIENT, attributes: r.outgoingBase },
      parent,
    );
    if (span.isRecording()) {
      span.setAttribute(ATTR_MCP_METHOD_NAME, 'subscriptions/listen');
      span.setAttribute(ATTR_JSONRPC_REQUEST_ID, String(id));
      const filter = message.params?.['notifications'];
      if (filter !== null && typeof filter === 'object')
        span.setAttribute(ATTR_MCPSCOPE_SUBSCRIPTION_FILTER, Object.keys(filter));
    }
    const subscription = new Subscription(id, span);
    conn.subscriptions.set(id, subscription);
    // The SDK aborts the signal before it sends the cancel of a client-side close (in the same turn), so
    // the end is decided a microtask later, when the cancel has said who closed it.
    endSignal?.addEventListener(
      'abort',
      () => queueMicrotask(() => this.end(conn, subscription, 'transport')),
      { once: true },
    );
    return injectIntoMessage(message, trace.setSpan(parent, span));
  }

  /** A response arrived for `id`: the server ended the subscription (a result) or refused it (an error). */
  responseReceived(conn: Connection, message: JsonRpcMessage): boolean {
    const subscription = conn.subscriptions.get(message.id as string | number);
    if (subscription === undefined) return false;
    const error = message.error;
    this.end(conn, subscription, 'server', error ? jsonRpcErrorOutcome(error.code, false) : undefined);
    return true;
  }

  /** A notifications/cancelled for `requestId` went out (`client`) or came in (`server`). */
  cancelled(conn: Connection, requestId: unknown, by: ClosedBy): void {
    const subscription = conn.subscriptions.get(requestId as string | number);
    if (subscription !== undefined) this.end(conn, subscription, by);
  }

  /**
   * A notification arrived: when a subscription delivered it (its `_meta` names one), it becomes an
   * event on that subscription's span. Returns whether it did.
   */
  notificationReceived(
    conn: Connection,
    message: JsonRpcMessage,
    meta: Record<string, unknown> | undefined,
  ): boolean {
    const id = meta?.[META_SUBSCRIPTION_ID];
    if (id === undefined) return false;
    const subscription = conn.subscriptions.get(id as string | number);
    if (subscription === undefined) return false;
    const method = message.method as string;
    if (method === 'notifications/subscriptions/acknowledged') subscription.acknowledged = true;
    else subscription.notifications++;
    if (subscription.span.isRecording()) {
      subscription.span.addEvent(
        notificationEventName(method),
        notificationEventAttributes(method, message.params, 'received', this.r.opts.capture !== undefined),
      );
    }
    return true;
  }

  /**
   * A subscriptions/listen this endpoint served ended (see IncomingRequestRecorder.end): with its response
   * (`response`: the server ended it, or refused it), the client's cancel or the connection closing
   * (`forced`). Records who ended it; returns the outcome to record instead of `forced`: none, since a
   * subscription that ends is not a failure (an error response is judged as any other).
   */
  servedEnded(
    span: Span,
    response: JsonRpcMessage | undefined,
    forced: FailureOutcome | undefined,
  ): undefined {
    if (span.isRecording()) {
      const by: ClosedBy = response ? 'server' : forced === CLOSED_BEFORE_RESPONSE ? 'transport' : 'client';
      span.setAttribute(ATTR_MCPSCOPE_SUBSCRIPTION_CLOSED_BY, by);
    }
    return undefined;
  }

  /** The connection closed: every subscription on it ends (the stream is gone). */
  closeAll(conn: Connection): void {
    for (const subscription of [...conn.subscriptions.values()]) this.end(conn, subscription, 'transport');
  }

  /**
   * Ends a subscription's span once: `by` is who ended it, `failure` a refusal by the server. Ending
   * after the acknowledgement is never an error.
   */
  private end(conn: Connection, subscription: Subscription, by: ClosedBy, failure?: FailureOutcome): void {
    try {
      if (subscription.ended) return;
      subscription.ended = true;
      conn.subscriptions.delete(subscription.id);
      const span = subscription.span;
      if (span.isRecording()) {
        span.setAttribute(ATTR_MCPSCOPE_SUBSCRIPTION_CLOSED_BY, by);
        span.setAttribute(ATTR_MCPSCOPE_SUBSCRIPTION_NOTIFICATIONS, subscription.notifications);
        const outcome = failure ?? (subscription.acknowledged ? undefined : unacknowledgedOutcome(by));
        if (outcome) {
          span.setAttribute(ATTR_ERROR_TYPE, outcome.errorType);
          span.setAttribute(ATTR_MCPSCOPE_FAULT, outcome.fault);
          if (outcome.rpcStatusCode !== undefined)
            span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, outcome.rpcStatusCode);
          if (outcome.markError) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.errorType });
        }
      }
      span.end();
    } catch (error) {
      reportInternalError(error);
    }
  }
}

/** The caller gave up on a subscription the server had not acknowledged yet. */
const CANCELLED_BEFORE_ACK: FailureOutcome = {
  errorType: ERROR_TYPE_CANCELLED,
  fault: 'caller',
  markError: true,
  transport: false,
};

/**
 * A subscription that ended before the server acknowledged it never opened: closed by the client, the
 * caller gave up (its signal, or the SDK's acknowledgement timeout, which the wire cannot tell apart);
 * closed by the server or the transport, the stream went away first.
 */
function unacknowledgedOutcome(closedBy: ClosedBy): FailureOutcome {
  return closedBy === 'client' ? CANCELLED_BEFORE_ACK : CLOSED_BEFORE_RESPONSE;
}
