import { context, createContextKey, trace, type Context } from '@opentelemetry/api';
import type { JsonRpcMessage } from '../../core/jsonRpc.js';
import { Connection, type OutgoingCall } from '../../core/recorder/calls.js';
import { reportInternalError } from '../../core/reportInternalError.js';
import { REQUEST_PEER_KEY, requestPeer, type RequestPeer } from '../../core/transport/httpAddresses.js';
import { recordMcpHeaders } from '../../core/transport/mcpHeaders.js';
import { ATTR_HTTP_RESPONSE_STATUS_CODE } from '../../semconv.js';
import { isWrapped, markWrapped, type Fn, type TransportLike } from './hostTypes.js';
import type { ProtocolInstrumentation } from './ProtocolInstrumentation.js';
import { describeTransport } from './transportInfo.js';

// MCP SDK 1.x transport hooks: each transport object a Protocol connects to gets its `send`, `start`
// (to wrap the `onmessage`/`onclose` callbacks), `close` (stdio client), read buffer (stdio) and HTTP
// entry points wrapped once; every message then goes through the instrumentation's dispatch.

/** The context value under which a sent request travels into the HTTP transport's fetch. */
const OUTGOING_CALL_KEY = createContextKey('@mcpscope/sdk outgoing call');

/** Per-transport holder: the transport's wrappers read the current connection through it. */
interface TransportHolder {
  conn: Connection;
}
const TRANSPORT_HOLDER = Symbol.for('@mcpscope/sdk.transport');

/** The stdio `ReadBuffer`'s `readMessage`: the next complete message, or null. */
type ReadMessage = (this: { _buffer?: Uint8Array }) => unknown;

/** Starts tracking a connection to `transport`; wraps `send`/`start` once per transport object. */
export function attachTransport(instr: ProtocolInstrumentation, transport: TransportLike): Connection {
  const info = describeTransport(transport, instr.role === 'client');
  const conn = new Connection(transport, info, !info.inMemory || instr.opts.measureInMemoryBytes);
  instr.recorder.attach(conn);
  const holder = (transport as unknown as Record<symbol, TransportHolder | undefined>)[TRANSPORT_HOLDER];
  if (holder) {
    holder.conn = conn;
    return conn;
  }
  const newHolder: TransportHolder = { conn };
  Object.defineProperty(transport, TRANSPORT_HOLDER, { value: newHolder, configurable: true });
  wrapSend(instr, transport, newHolder);
  wrapStart(instr, transport, newHolder);
  wrapReadBuffer(transport, newHolder);
  if (instr.recorder.peerIsChild(conn)) wrapClose(transport, newHolder);
  if (info.http && instr.role === 'client') wrapFetch(transport);
  if (info.http && instr.role === 'server') wrapRequestEntry(transport);
  return conn;
}

/** Wraps the callbacks the Protocol assigned in `connect()`; runs before the transport delivers anything. */
export function wrapCallbacks(
  instr: ProtocolInstrumentation,
  transport: TransportLike,
  conn: Connection,
): void {
  const onmessage = transport.onmessage as Fn | undefined;
  if (typeof onmessage === 'function' && !isWrapped(onmessage)) {
    const receive = (self: unknown, message: unknown, extra: unknown): unknown => {
      let ctx: Context | undefined;
      // With pins, what the Client reads may be less than what came (withheld tools); the recorder
      // sees what came.
      let delivered = message;
      const pins = instr.pins;
      if (pins !== undefined) {
        try {
          delivered = pins.received(conn, message as JsonRpcMessage);
        } catch (error) {
          reportInternalError(error);
        }
      }
      try {
        ctx = instr.onReceive(conn, message as JsonRpcMessage, extra);
      } catch (error) {
        reportInternalError(error);
      }
      if (ctx === undefined) return onmessage.call(self, delivered, extra);
      // No `this` for context.with: the async-hooks context manager would bind a function per call.
      return context.with(ctx, callWith, undefined, onmessage, self, delivered, extra);
    };
    const wrapped = function mcpscopeOnMessage(this: unknown, message: unknown, extra?: unknown): unknown {
      return receive(this, message, extra);
    };
    markWrapped(wrapped);
    transport.onmessage = wrapped;
  }
  const onclose = transport.onclose as Fn | undefined;
  if (!isWrapped(onclose)) {
    const close = (): void => {
      try {
        instr.recorder.closed(conn);
      } catch (error) {
        reportInternalError(error);
      }
    };
    const wrapped = function mcpscopeOnClose(this: unknown, ...args: unknown[]): unknown {
      close();
      return onclose?.apply(this, args);
    };
    markWrapped(wrapped);
    transport.onclose = wrapped;
  }
}

function wrapSend(instr: ProtocolInstrumentation, transport: TransportLike, holder: TransportHolder): void {
  const original = transport.send as Fn;
  const traced = (self: unknown, args: unknown[]): Promise<void> => {
    let call: OutgoingCall | undefined;
    try {
      instr.sentCall = undefined;
      const message = instr.onSend(
        holder.conn,
        args[0] as JsonRpcMessage,
        args[1] as Record<string, unknown> | undefined,
      );
      call = instr.sentCall;
      instr.sentCall = undefined;
      if (message !== args[0]) args[0] = message;
    } catch (error) {
      reportInternalError(error);
    }
    const refused = instr.refusedReply;
    if (refused !== undefined) {
      instr.refusedReply = undefined;
      return answerLocally(transport, refused);
    }
    // Over HTTP the request's fetch runs in the transport span's context, so the wrapped fetch can
    // attribute the status code to it (and HTTP client instrumentation nests under it).
    if (call?.transportSpan && holder.conn.info.http) {
      const ctx = trace.setSpan(call.parentCtx, call.transportSpan).setValue(OUTGOING_CALL_KEY, call);
      return context.with(ctx, original, self, ...args) as Promise<void>;
    }
    return original.apply(self, args) as Promise<void>;
  };
  transport.send = function mcpscopeSend(this: unknown, ...args: unknown[]): Promise<void> {
    return traced(this, args);
  };
}

/**
 * Hands `reply` to the Protocol as if the peer had sent it, instead of sending the request it answers
 * (a call the pins refuse): the host SDK settles the call the way it settles any answer, with its own
 * error class. Delivered on a microtask, once `send` has returned, as a transport delivers a response;
 * through the transport's current `onmessage`, so the instrumentation sees it as it sees any answer.
 */
function answerLocally(transport: TransportLike, reply: JsonRpcMessage): Promise<void> {
  if (typeof transport.onmessage !== 'function') {
    // Not connected: nothing can be answered; the request fails as a failed send does.
    return Promise.reject(new Error(reply.error?.message ?? 'refused'));
  }
  queueMicrotask(() => {
    try {
      transport.onmessage?.(reply);
    } catch (error) {
      reportInternalError(error);
    }
  });
  return Promise.resolve();
}

function wrapStart(instr: ProtocolInstrumentation, transport: TransportLike, holder: TransportHolder): void {
  const original = transport.start as Fn;
  const wrap = (): void => {
    try {
      wrapCallbacks(instr, transport, holder.conn);
    } catch (error) {
      reportInternalError(error);
    }
  };
  transport.start = function mcpscopeStart(this: unknown, ...args: unknown[]): Promise<void> {
    wrap();
    return original.apply(this, args) as Promise<void>;
  };
}

/**
 * Notes when this process closes the connection (`Client.close()` calls `transport.close()`), so a
 * close it did not ask for — the server process exiting mid-call — can be told from one it did.
 */
function wrapClose(transport: TransportLike, holder: TransportHolder): void {
  const original = transport.close;
  if (typeof original !== 'function') return;
  transport.close = function mcpscopeClose(this: unknown): Promise<void> {
    holder.conn.closedLocally = true;
    return original.call(this);
  };
}

/**
 * stdio: the transports cut each message's line out of a `ReadBuffer` and hand the message to the
 * Protocol at once. The line's length is the message's size on the wire; taking it there spares a
 * second `JSON.stringify` of every received message (and counts what the peer really sent).
 */
function wrapReadBuffer(transport: TransportLike, holder: TransportHolder): void {
  const buffer = (transport as unknown as { _readBuffer?: unknown })._readBuffer as
    { _buffer?: Uint8Array; readMessage?: ReadMessage } | undefined;
  const original = buffer?.readMessage;
  if (!buffer || typeof original !== 'function') return;
  buffer.readMessage = function mcpscopeReadMessage(this: { _buffer?: Uint8Array }): unknown {
    const before = this._buffer?.length ?? 0;
    const message = original.call(this);
    // The line and its `\n` left the buffer; the message is the line.
    if (message !== null && holder.conn.measureBytes)
      holder.conn.wireBytes = before - (this._buffer?.length ?? 0) - 1;
    return message;
  };
}

/**
 * Records the HTTP status of each request's POST on its transport span, and the `Mcp-Method`/`Mcp-Name`
 * headers the transport set on it (MCP SDK 2.x, 2026-07-28 era).
 */
function wrapFetch(transport: TransportLike): void {
  const fields = transport as unknown as { _fetch?: Fn };
  if (!('_fetch' in fields)) return;
  const original = (fields._fetch ?? globalThis.fetch) as Fn;
  fields._fetch = function mcpscopeFetch(this: unknown, ...args: unknown[]): unknown {
    const call = context.active().getValue(OUTGOING_CALL_KEY) as OutgoingCall | undefined;
    const transportSpan = call?.transportSpan;
    if (transportSpan?.isRecording()) {
      try {
        const headers = (args[1] as { headers?: unknown } | undefined)?.headers;
        if (headers !== undefined) recordMcpHeaders(transportSpan, headers);
      } catch (error) {
        reportInternalError(error);
      }
    }
    const result = original.apply(this, args);
    if (call && result instanceof Promise) {
      result.then(
        (response: unknown) => {
          const status = (response as { status?: unknown }).status;
          if (typeof status === 'number') {
            call.httpStatus = status;
            call.transportSpan?.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
          }
        },
        () => undefined,
      );
    }
    return result;
  };
}

/**
 * Server side of HTTP: runs the Node transports' request entry points (`handleRequest` of Streamable
 * HTTP, `handlePostMessage` of SSE) in a context carrying what the request's socket tells (the
 * client's address, TLS), which the messages of that request read when they arrive (the MCP SDK does
 * not pass the socket on). Needs a context manager to carry it across the body parsing; without one,
 * only the headers are seen.
 */
function wrapRequestEntry(transport: TransportLike): void {
  const fields = transport as unknown as Record<string, unknown>;
  for (const name of ['handleRequest', 'handlePostMessage']) {
    const original = fields[name];
    if (typeof original !== 'function') continue;
    fields[name] = function mcpscopeRequestEntry(this: unknown, ...args: unknown[]): unknown {
      let peer: RequestPeer | undefined;
      try {
        peer = requestPeer(args[0]);
      } catch (error) {
        reportInternalError(error);
      }
      if (!peer) return (original as Fn).apply(this, args);
      const ctx = context.active().setValue(REQUEST_PEER_KEY, peer);
      return context.with(ctx, original as Fn, this, ...args);
    };
  }
}

/** Calls `fn` with `self` as `this`: lets context.with run a callback without binding one per call. */
function callWith(fn: Fn, self: unknown, message: unknown, extra: unknown): unknown {
  return fn.call(self, message, extra);
}
