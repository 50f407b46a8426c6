import type { InstrumentationOptions } from './instrument/options.js';
import { instrumentProtocol } from './instrumentClient.js';

/**
 * Traces an MCP SDK `McpServer` or low-level `Server`: a SERVER span per request it receives (receive →
 * response sent), parented on the trace context in `params._meta` (or the HTTP `traceparent` header),
 * with the handler running inside it; a CLIENT span per request it sends (sampling, elicitation, roots),
 * nested under the tool call that caused it.
 *
 * Call it before `connect()` (or after: it then attaches to the live transport). Returns the same
 * instance; idempotent; never throws into the server. With stateless Streamable HTTP, instrument each
 * per-request server.
 */
export function instrumentServer<T extends object>(server: T, options?: InstrumentationOptions): T {
  const inner = (server as { server?: unknown }).server;
  // McpServer wraps a low-level Server in `.server`; the Protocol to trace is that one.
  if (
    inner !== null &&
    typeof inner === 'object' &&
    typeof (inner as { connect?: unknown }).connect === 'function'
  ) {
    instrumentProtocol(inner, 'server', options, server);
  } else {
    instrumentProtocol(server, 'server', options);
  }
  return server;
}
