import { INPUT_REQUEST_METHODS } from '../../core/recorder/InputRequestRecorder.js';
import type { SpanRecorder } from '../../core/recorder/SpanRecorder.js';
import { type Fn, type HostDialect, type McpServerLike, type ProtocolLike } from './hostTypes.js';

// MCP SDK 1.x hooks on the code that handles a received request: the Protocol's request handlers and
// McpServer's tool execution. They report what the handler did (threw, ran the tool's own code) to the
// recorder; results and timing are never changed.

/**
 * Records exceptions thrown by request handlers (with their stack) on the SERVER span. The Protocol
 * looks handlers up with `_requestHandlers.get(method)` for each request; the wrapped handler returns
 * the original promise untouched and observes its rejection on a side branch, so results and timing
 * do not change. McpServer's tools/call handler is left alone when its tool execution is observed
 * (wrapToolExecution): it turns a tool's exception into an isError result itself, and the exception
 * is recorded where the tool runs, so a second side branch would only cost a promise per call.
 */
export function wrapRequestHandlers(protocol: ProtocolLike, recorder: SpanRecorder): void {
  const handlers = (protocol as { _requestHandlers?: unknown })._requestHandlers;
  if (!(handlers instanceof Map)) return;
  const get = handlers.get;
  const wrappedByHandler = new WeakMap<Fn, Fn>();
  const wrap = (handler: Fn, method: unknown): Fn => {
    if (method === 'tools/call' && recorder.tracksToolHandler) return handler;
    // MCP SDK 2.x fulfils the input requests embedded in a result (2026-07-28) with the same handlers.
    if (typeof method === 'string' && INPUT_REQUEST_METHODS.has(method))
      return wrapInputHandler(handler, method, recorder);
    return wrapHandler(handler, recorder);
  };
  Object.defineProperty(handlers, 'get', {
    configurable: true,
    writable: true,
    value: function mcpscopeGet(this: Map<unknown, unknown>, key: unknown): unknown {
      const handler = get.call(this, key) as Fn | undefined;
      if (typeof handler !== 'function') return handler;
      let wrapped = wrappedByHandler.get(handler);
      if (!wrapped) {
        wrapped = wrap(handler, key);
        wrappedByHandler.set(handler, wrapped);
      }
      return wrapped;
    },
  });
}

/** Sees McpServer tool code run and throw (McpServer turns the exception into an isError result). */
export function wrapToolExecution(
  mcpServer: McpServerLike,
  recorder: SpanRecorder,
  dialect: HostDialect,
): void {
  const original = mcpServer.executeToolHandler;
  if (typeof original !== 'function') return;
  recorder.tracksToolHandler = true;
  const incoming = recorder.incoming;
  const traced = (self: unknown, args: unknown[]): unknown => {
    // executeToolHandler(tool, args, extra): the request id in `extra` (1.x) or `ctx` (2.x) finds the call.
    const requestId = dialect.toolRequestId(args[2]);
    const observed = incoming.toolHandlerStarted(requestId);
    let result: unknown;
    try {
      result = original.apply(self, args);
    } catch (error) {
      incoming.handlerFailed(error);
      throw error;
    }
    if (observed && result instanceof Promise) result.then(undefined, incoming.handlerFailed);
    return result;
  };
  mcpServer.executeToolHandler = function mcpscopeExecuteToolHandler(
    this: unknown,
    ...args: unknown[]
  ): unknown {
    return traced(this, args);
  };
}

/**
 * Wraps a request handler to record its exceptions (with their stack) on the SERVER span. The
 * handler's promise is returned untouched; its rejection is observed on a side branch.
 */
function wrapHandler(handler: Fn, recorder: SpanRecorder): Fn {
  const incoming = recorder.incoming;
  const traced = (self: unknown, args: unknown[]): unknown => {
    let result: unknown;
    try {
      result = handler.apply(self, args);
    } catch (error) {
      incoming.handlerFailed(error);
      throw error;
    }
    if (result instanceof Promise) result.then(undefined, incoming.handlerFailed);
    return result;
  };
  return function mcpscopeHandler(this: unknown, ...args: unknown[]): unknown {
    return traced(this, args);
  };
}

/**
 * Wraps the handler of a kind of request a result can embed (elicitation, sampling, roots). Called with a
 * request that came over the wire, it is a request handler like any other; called by MCP SDK 2.x for an
 * input request embedded in a result (its id is the request's key), it runs in a span of its own under
 * the call that asked (see InputRequestRecorder).
 */
function wrapInputHandler(handler: Fn, method: string, recorder: SpanRecorder): Fn {
  const inputs = recorder.inputs;
  const wired = wrapHandler(handler, recorder);
  return function mcpscopeInputHandler(this: unknown, ...args: unknown[]): unknown {
    const embedded = inputs.embeddedStarted(
      method,
      args[0] as { id?: unknown; params?: unknown } | undefined,
    );
    if (embedded === undefined) return wired.apply(this, args);
    return inputs.runEmbedded(embedded, () => handler.apply(this, args));
  };
}
