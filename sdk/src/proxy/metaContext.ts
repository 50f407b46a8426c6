import {
  isSpanContextValid,
  ROOT_CONTEXT,
  trace,
  type Context,
  type Span,
  type TextMapPropagator,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { isObject, type JsonObject, type JsonRpcLike } from './jsonRpc.js';

/**
 * Trace context in `params._meta` (SEP-414: unprefixed `traceparent`, `tracestate`). The proxy uses W3C
 * trace context by default rather than the global propagator: it is a standalone program that installs
 * no global state, and W3C is what every MCP SDK instrumentation reads.
 */
export const defaultPropagator: TextMapPropagator = new W3CTraceContextPropagator();

/** The caller's context from `_meta.traceparent`, or undefined when the message carries none. */
export function extractFromMeta(
  propagator: TextMapPropagator,
  meta: JsonObject | undefined,
): Context | undefined {
  if (meta === undefined || typeof meta['traceparent'] !== 'string') return undefined;
  const ctx = propagator.extract(ROOT_CONTEXT, meta, metaGetter);
  return trace.getSpanContext(ctx) ? ctx : undefined;
}

/**
 * Writes the span's context into the request's `params._meta`, creating `params` and `_meta` when
 * absent (every MCP request may carry `_meta`). Returns false when params has a shape we must not touch.
 */
export function injectIntoMeta(propagator: TextMapPropagator, msg: JsonRpcLike, span: Span): boolean {
  let params: JsonObject;
  if (msg.params === undefined) {
    params = {};
    msg.params = params;
  } else if (isObject(msg.params)) {
    params = msg.params;
  } else {
    return false;
  }
  const existing = params['_meta'];
  let meta: JsonObject;
  if (existing === undefined) {
    meta = {};
    params['_meta'] = meta;
  } else if (isObject(existing)) {
    meta = existing;
  } else {
    return false;
  }
  if (propagator === defaultPropagator) injectW3c(span, meta);
  else propagator.inject(trace.setSpan(ROOT_CONTEXT, span), meta, metaSetter);
  return true;
}

/**
 * What the W3C propagator writes, without building a context for it to read the span back from: this
 * runs before every request is forwarded.
 */
function injectW3c(span: Span, meta: JsonObject): void {
  const spanContext = span.spanContext();
  if (!isSpanContextValid(spanContext)) return;
  meta['traceparent'] =
    `00-${spanContext.traceId}-${spanContext.spanId}-0${Number(spanContext.traceFlags || 0).toString(16)}`;
  if (spanContext.traceState !== undefined) meta['tracestate'] = spanContext.traceState.serialize();
}

const metaGetter = {
  get(carrier: JsonObject, key: string): string | undefined {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
  keys(carrier: JsonObject): string[] {
    return Object.keys(carrier);
  },
};

const metaSetter = {
  set(carrier: JsonObject, key: string, value: string): void {
    carrier[key] = value;
  },
};
