/**
 * @mcpscope/sdk — OpenTelemetry tracing for MCP clients, servers and transports.
 *
 * ```ts
 * import { startTracing, instrumentClient, instrumentServer } from '@mcpscope/sdk';
 * const tracing = startTracing({ serviceName: 'my-agent' });
 * const client = instrumentClient(new Client({ name: 'agent', version: '1.0.0' }));
 * const server = instrumentServer(new McpServer({ name: 'weather', version: '1.0.0' }));
 * await tracing.shutdown();
 * ```
 */
export { startTracing, type StartTracingOptions, type Tracing } from './startTracing.js';
export { instrumentClient } from './instrumentClient.js';
export { instrumentServer } from './instrumentServer.js';
export type { InstrumentationOptions } from './core/options.js';
// Pins are passed to instrumentClient; they are loaded with `loadPins` from '@mcpscope/sdk/pins', which
// keeps file and network reading out of this entry point.
export type { OnDrift } from './core/pins/PinPolicy.js';
export type { PinFile } from './pins/pinFile.js';
export { McpscopeSpanProcessor } from './core/McpscopeSpanProcessor.js';
export { REDACTED, type RedactHook } from './core/content/redact.js';
export { DEFAULT_MAX_CAPTURE_BYTES } from './core/content/capture.js';
export { OPERATION_DURATION_BUCKETS, SESSION_DURATION_BUCKETS } from './core/metrics/McpMetrics.js';
export {
  fingerprintTools,
  type ToolDefinition,
  type ToolFingerprint,
  type ToolSetFingerprint,
} from './core/tools/fingerprint.js';
export { canonicalJson } from './core/tools/canonicalJson.js';
export * as semconv from './semconv.js';
export * from './semconv.js';
