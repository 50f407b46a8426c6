import { instrumentV1Client } from './adapters/mcp-sdk-v1/instrument.js';
import { isV2Protocol } from './adapters/mcp-sdk-v2/dialect.js';
import { instrumentV2Client } from './adapters/mcp-sdk-v2/instrument.js';
import type { InstrumentationOptions } from './core/options.js';

/**
 * Traces an MCP SDK `Client` (`@modelcontextprotocol/sdk` 1.x or `@modelcontextprotocol/client` 2.x, in
 * either protocol era): a CLIENT span per request it sends (from the call to the validated
 * result), a transport span per request on the wire, and a SERVER span per request the server sends it
 * (sampling, elicitation, roots). Trace context goes to the server in `params._meta`.
 *
 * Call it before or after `connect()`. Returns the same instance. Calling it twice does nothing the
 * second time. Uses the global OpenTelemetry providers unless `options` names others; never installs
 * global state. A failure inside the instrumentation is reported through `diag` and never reaches the
 * client.
 *
 * With `options.pins` (a pin file, `loadPins` of `@mcpscope/sdk/pins`) it also holds the server to its
 * approved tool definitions: in `onDrift: 'block'` mode (the default) tools that do not match their pins
 * are withheld from tools/list results and their calls rejected with an MCP error -32602 without being
 * sent; `'warn'` only records. Pins given to a second call take effect too.
 */
export function instrumentClient<T extends object>(client: T, options?: InstrumentationOptions): T {
  // 1.x or 2.x, told apart by shape: neither SDK is loaded here.
  if (isV2Protocol(client)) instrumentV2Client(client, options);
  else instrumentV1Client(client, options);
  return client;
}
