import { resolveOptions, type InstrumentationOptions } from './instrument/options.js';
import { ProtocolInstrumentation, type ProtocolLike } from './instrument/ProtocolInstrumentation.js';
import { reportInternalError } from './instrument/reportInternalError.js';

const INSTRUMENTED = Symbol.for('@mcpscope/sdk.instrumented');

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
  instrumentProtocol(client, 'client', options);
  return client;
}

/** Shared by {@link instrumentClient} and instrumentServer: idempotent, never throws. */
export function instrumentProtocol(
  protocol: object,
  role: 'client' | 'server',
  options: InstrumentationOptions | undefined,
  mcpServer?: object,
): void {
  try {
    const marked = protocol as Record<symbol, unknown>;
    if (marked[INSTRUMENTED]) return;
    const candidate = protocol as Partial<ProtocolLike>;
    if (typeof candidate.request !== 'function' || typeof candidate.connect !== 'function') {
      reportInternalError(
        new TypeError(`@mcpscope/sdk: not an MCP SDK ${role} (no request/connect methods)`),
      );
      return;
    }
    Object.defineProperty(protocol, INSTRUMENTED, { value: true });
    new ProtocolInstrumentation(
      protocol as ProtocolLike,
      role,
      resolveOptions(options),
      mcpServer as ConstructorParameters<typeof ProtocolInstrumentation>[3],
    ).install();
  } catch (error) {
    reportInternalError(error);
  }
}
