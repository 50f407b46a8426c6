import { instrumentV1Server } from './adapters/mcp-sdk-v1/instrument.js';
import { isV2Server } from './adapters/mcp-sdk-v2/dialect.js';
import { instrumentV2Server } from './adapters/mcp-sdk-v2/instrument.js';
import type { InstrumentationOptions } from './core/options.js';

/**
 * Traces an MCP SDK `McpServer` or low-level `Server` (`@modelcontextprotocol/sdk` 1.x or
 * `@modelcontextprotocol/server` 2.x; with 2.x `serveStdio`, instrument the instance the factory
 * returns): a SERVER span per request it receives (receive →
 * response sent), parented on the trace context in `params._meta` (or the HTTP `traceparent` header),
 * with the handler running inside it; a CLIENT span per request it sends (sampling, elicitation, roots),
 * nested under the tool call that caused it.
 *
 * Call it before `connect()` (or after: it then attaches to the live transport). Returns the same
 * instance; idempotent; never throws into the server. With stateless Streamable HTTP, instrument each
 * per-request server.
 */
export function instrumentServer<T extends object>(server: T, options?: InstrumentationOptions): T {
  // 1.x or 2.x, told apart by shape: neither SDK is loaded here.
  if (isV2Server(server)) instrumentV2Server(server, options);
  else instrumentV1Server(server, options);
  return server;
}
