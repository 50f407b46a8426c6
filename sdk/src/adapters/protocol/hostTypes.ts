// The parts of the MCP SDK's Protocol (1.x and 2.x keep its shape) the hooks touch, as structural types
// (the SDKs are peer dependencies and never imported here), and the marker that tells our wrappers apart.

/** The MCP SDK Protocol surface the instrumentation wraps (Client and Server both extend Protocol). */
export interface ProtocolLike {
  request(request: unknown, resultSchema?: unknown, options?: unknown): Promise<unknown>;
  connect(transport: TransportLike, ...rest: unknown[]): Promise<void>;
  readonly transport?: TransportLike;
}

/** The McpServer surface used to read tool annotations and see tool exceptions. */
export interface McpServerLike {
  server: ProtocolLike;
  _registeredTools?: Record<string, { annotations?: unknown } | undefined>;
  executeToolHandler?: (...args: unknown[]) => unknown;
}

/** The parts of an MCP Transport the instrumentation touches (the SDK's public Transport interface). */
export interface TransportLike {
  send(message: unknown, options?: Record<string, unknown>): Promise<void>;
  start(): Promise<void>;
  onmessage?: (message: unknown, extra?: unknown) => void;
  onclose?: () => void;
  close?: () => Promise<void>;
  sessionId?: string;
}

/** Any function the SDK calls with a `this` of its own. */
export type Fn = (this: unknown, ...args: unknown[]) => unknown;

const WRAPPED = Symbol.for('@mcpscope/sdk.wrapped');

/** Marks a function as one of our wrappers, so a second `start()` does not wrap it again. */
export function markWrapped(fn: object): void {
  Object.defineProperty(fn, WRAPPED, { value: true });
}

export function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[WRAPPED] === true;
}

/**
 * Where a major version of the host SDK puts what the Protocol hooks read. The hooks are the same for
 * MCP SDK 1.x and 2.x (both keep the Protocol/Transport shape); these are the differences.
 */
export interface HostDialect {
  /** The caller's request options among the arguments of `Protocol.request`. */
  requestOptions(args: unknown[]): unknown;
  /** The caller's request options among the arguments of `Client.callTool`. */
  callToolOptions(args: unknown[]): unknown;
  /** The JSON-RPC id of the request a tool runs for, from the context McpServer hands the tool. */
  toolRequestId(handlerContext: unknown): string | number | undefined;
  /** The headers of the HTTP request that carried a received message, from the transport's `extra`. */
  requestHeaders(extra: unknown): unknown;
  /**
   * `Client.callTool` calls `request()` after an `await` (2.x awaits its output-validator cache), so
   * the tools/call span is handed to `request()` by the params object, not synchronously.
   */
  readonly asyncCallTool: boolean;
}
