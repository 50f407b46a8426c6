// The parts of @modelcontextprotocol/sdk 1.x the adapter touches, as structural types (the SDK is a
// peer dependency and never imported here), and the marker that tells our wrappers apart.

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
