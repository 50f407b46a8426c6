import { instrumentV1Server } from './adapters/mcp-sdk-v1/instrument.js';
import type { InstrumentationOptions } from './core/options.js';

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
  instrumentV1Server(server, options);
  return server;
}
