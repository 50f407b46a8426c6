import { instrumentV1Client } from './adapters/mcp-sdk-v1/instrument.js';
import type { InstrumentationOptions } from './core/options.js';

/**
 * Traces an MCP SDK `Client`: a CLIENT span per request it sends (from the call to the validated
 * result), a transport span per request on the wire, and a SERVER span per request the server sends it
 * (sampling, elicitation, roots). Trace context goes to the server in `params._meta`.
 *
 * Call it before or after `connect()`. Returns the same instance. Calling it twice does nothing the
 * second time. Uses the global OpenTelemetry providers unless `options` names others; never installs
 * global state. A failure inside the instrumentation is reported through `diag` and never reaches the
 * client.
 */
export function instrumentClient<T extends object>(client: T, options?: InstrumentationOptions): T {
  instrumentV1Client(client, options);
  return client;
}
