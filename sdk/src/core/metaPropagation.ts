import {
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { isObject, type JsonObject, type JsonRpcLike, type JsonRpcMessage } from './jsonRpc.js';

// Trace context in MCP messages: `params._meta` (SEP-414: unprefixed `traceparent`, `tracestate`,
// `baggage`) for requests and notifications, and the HTTP `traceparent` header as the fallback parent.
// The one module for these rules: the SDK adapters and the proxy both call it. There are two ways to
// inject because there are two owners of a message: in process, the message object belongs to the
// host program, so it is copied on write and the global propagator is used; the proxy parsed the
// message itself and re-serializes it, so it writes in place, with a propagator of its own (W3C by
// default: it is a standalone program that installs no global state).

// ── carriers ──────────────────────────────────────────────────────────────────────────────────────────

/** Set by {@link metaSetter} when the propagator wrote a field (injection is synchronous). */
let wrote = false;

const metaSetter: TextMapSetter<Record<string, unknown>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
    wrote = true;
  },
};

const metaGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

/** Header bags the MCP SDK hands to transports: a plain object (Node) or a Fetch `Headers`. */
type HeaderBag = Record<string, unknown> | { get(name: string): string | null; keys(): Iterable<string> };

const headerGetter: TextMapGetter<HeaderBag> = {
  keys: (carrier) =>
    typeof carrier.get === 'function'
      ? [...(carrier as { keys(): Iterable<string> }).keys()]
      : Object.keys(carrier),
  get: (carrier, key) => {
    if (typeof carrier.get === 'function')
      return (carrier as { get(name: string): string | null }).get(key) ?? undefined;
    const value = (carrier as Record<string, unknown>)[key.toLowerCase()];
    if (Array.isArray(value)) return value.map(String);
    return typeof value === 'string' ? value : undefined;
  },
};

/**
 * The `params._meta` object of a message, if it has one. Any JSON value may stand in `params` of a
 * message the proxy reads; reading `_meta` of a primitive gives undefined, so no type check is needed.
 */
export function metaOf(message: JsonRpcMessage | JsonRpcLike): Record<string, unknown> | undefined {
  const meta = (message.params as Record<string, unknown> | null | undefined)?.['_meta'];
  return meta !== null && typeof meta === 'object' ? (meta as Record<string, unknown>) : undefined;
}

/** The trace id in a `_meta.traceparent` (W3C format), without parsing the rest. */
export function traceIdOfMeta(meta: Record<string, unknown> | undefined): string | undefined {
  const traceparent = meta?.['traceparent'];
  return typeof traceparent === 'string' && traceparent.length >= 35 ? traceparent.slice(3, 35) : undefined;
}

/** A header value from the header bag in `extra.requestInfo.headers`. */
export function headerValue(headers: unknown, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const value = headerGetter.get(headers as HeaderBag, name);
  return Array.isArray(value) ? value[0] : value;
}

// ── in process (SDK adapters): copy on write, global propagator ─────────────────────────────────────

/**
 * Returns `message` with the trace context of `ctx` injected into `params._meta` through the global
 * propagator (unprefixed `traceparent`, `tracestate`, `baggage`: SEP-414). Copies `params` and `_meta`
 * so the caller's objects never change, and never adds a top-level JSON-RPC field (the SDK rejects them).
 * Returns the message unchanged when the propagator has nothing to write.
 *
 * The propagator writes straight into the copy of `_meta` (its fields override existing ones of the
 * same name); a setter flag tells whether it wrote anything, so no carrier object or key scan is needed.
 * Copies are made with `Object.assign` and then extended: V8 makes a spread copy that then gains a new
 * key (`{ ...params, _meta }`) through a slow path costing about half a microsecond per object.
 */
export function injectIntoMessage(message: JsonRpcMessage, ctx: Context): JsonRpcMessage {
  const params = message.params;
  const meta = params?.['_meta'];
  const nextMeta: Record<string, unknown> =
    meta !== null && typeof meta === 'object' ? Object.assign({}, meta as Record<string, unknown>) : {};
  wrote = false;
  propagation.inject(ctx, nextMeta, metaSetter);
  if (!wrote) return message;
  const nextParams: Record<string, unknown> = Object.assign({}, params);
  nextParams['_meta'] = nextMeta;
  const out: JsonRpcMessage = Object.assign({}, message);
  out.params = nextParams;
  return out;
}

/**
 * The parent context of a received message: the trace context in `params._meta` when it has one,
 * else the HTTP `traceparent` header (`headers`), else `active` itself. `fromRemote` tells whether a
 * remote parent was found (then the caller links the ambient span instead of nesting under it).
 * `propagator` is the global one in process, the proxy's own in the proxy.
 */
export function extractParent(
  active: Context,
  meta: Record<string, unknown> | undefined,
  headers: unknown,
  propagator: Pick<TextMapPropagator, 'extract'> = propagation,
): { ctx: Context; fromRemote: boolean } {
  const activeSpan = trace.getSpan(active);
  if (meta) {
    const ctx = propagator.extract(active, meta, metaGetter);
    if (trace.getSpan(ctx) !== activeSpan) return { ctx, fromRemote: true };
    if (ctx !== active) return { ctx, fromRemote: false };
  }
  if (headers !== null && typeof headers === 'object') {
    const ctx = propagator.extract(active, headers as HeaderBag, headerGetter);
    if (trace.getSpan(ctx) !== activeSpan) return { ctx, fromRemote: true };
  }
  return { ctx: active, fromRemote: false };
}

// ── the proxy: in place, its own propagator ─────────────────────────────────────────────────────────

/**
 * The proxy's propagator unless told otherwise: W3C trace context rather than the global propagator,
 * since the proxy is a standalone program that installs no global state, and W3C is what every MCP SDK
 * instrumentation reads.
 */
export const defaultPropagator: TextMapPropagator = new W3CTraceContextPropagator();

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
