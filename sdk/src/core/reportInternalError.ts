import { diag } from '@opentelemetry/api';

/**
 * Reports a failure inside the instrumentation to the OpenTelemetry diagnostic logger. Never throws:
 * telemetry must not break the MCP call it observes.
 */
export function reportInternalError(error: unknown): void {
  try {
    diag.error('@mcpscope/sdk: instrumentation failure (the MCP call is unaffected)', error);
  } catch {
    // A broken diag logger must not break the host either.
  }
}
