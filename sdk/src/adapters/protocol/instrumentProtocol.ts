import { diag } from '@opentelemetry/api';
import { resolveOptions, type InstrumentationOptions } from '../../core/options.js';
import { clientPinPolicy } from '../../core/pins/PinPolicy.js';
import { reportInternalError } from '../../core/reportInternalError.js';
import type { Role } from '../../core/recorder/SpanRecorder.js';
import type { HostDialect, McpServerLike, ProtocolLike } from './hostTypes.js';
import { ProtocolInstrumentation } from './ProtocolInstrumentation.js';

// Which object of the host SDK to hook (a Client, a low-level Server, or the Server inside an McpServer),
// once per object, with the dialect of its major version. Shared by the 1.x and 2.x adapters, whose
// Protocol objects have the same shape.

const INSTRUMENTED = Symbol.for('@mcpscope/sdk.instrumented');

/**
 * Traces an `McpServer` or a low-level `Server` whose Protocol has the 1.x shape (1.x, and 2.x with
 * its own dialect).
 */
export function instrumentServerWith(
  server: object,
  options: InstrumentationOptions | undefined,
  dialect: HostDialect,
): void {
  const inner = (server as { server?: unknown }).server;
  // McpServer wraps a low-level Server in `.server`; the Protocol to trace is that one.
  if (
    inner !== null &&
    typeof inner === 'object' &&
    typeof (inner as { connect?: unknown }).connect === 'function'
  ) {
    instrumentProtocol(inner, 'server', options, dialect, server);
  } else {
    instrumentProtocol(server, 'server', options, dialect);
  }
}

/**
 * Shared by the client and server entry points (of 1.x and 2.x): idempotent, never throws. A second
 * call does nothing, except that a Client's `pins` given to it take effect: pins added to a client
 * someone instrumented before are enforced, not silently dropped.
 */
export function instrumentProtocol(
  protocol: object,
  role: Role,
  options: InstrumentationOptions | undefined,
  dialect: HostDialect,
  mcpServer?: object,
): void {
  try {
    const marked = protocol as Record<symbol, unknown>;
    const pins = role === 'client' && options?.pins !== undefined;
    const existing = marked[INSTRUMENTED];
    if (existing) {
      if (pins) addPins(existing, options);
      return;
    }
    const candidate = protocol as Partial<ProtocolLike>;
    if (typeof candidate.request !== 'function' || typeof candidate.connect !== 'function') {
      reportInternalError(
        new TypeError(`@mcpscope/sdk: not an MCP SDK ${role} (no request/connect methods)`),
      );
      return;
    }
    const instrumentation = new ProtocolInstrumentation(
      protocol as ProtocolLike,
      role,
      resolveOptions(options),
      mcpServer as McpServerLike | undefined,
      dialect,
    );
    Object.defineProperty(protocol, INSTRUMENTED, { value: instrumentation });
    if (pins) instrumentation.usePins(clientPinPolicy(options.pins, options.onDrift));
    instrumentation.install();
  } catch (error) {
    reportInternalError(error);
  }
}

/** Pins given to a client instrumented before (by this copy of the SDK, or by another one). */
function addPins(existing: unknown, options: InstrumentationOptions): void {
  const instrumentation = existing as Partial<Pick<ProtocolInstrumentation, 'usePins'>>;
  if (typeof instrumentation.usePins === 'function') {
    instrumentation.usePins(clientPinPolicy(options.pins, options.onDrift));
  } else {
    diag.error(
      '@mcpscope/sdk: this client was instrumented by another copy of @mcpscope/sdk: its pins are not enforced',
    );
  }
}
