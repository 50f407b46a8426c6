import type { BenchServer } from './benchTelemetry.js';
import type { BenchTool, HostSdk } from './hostSdk.js';

/** The text every benchmark call sends and expects back. */
export const ECHO_TEXT = 'hello';

/** The tool every configuration calls: one string argument, a text result. */
const ECHO: BenchTool = {
  name: 'echo',
  description: 'Returns its text',
  input: 'text',
  run: async ({ text }) => ({ content: [{ type: 'text', text: text ?? '' }] }),
};

/**
 * The server every configuration calls: a real McpServer of the configuration's SDK with one small tool
 * (validated input schema, text result), so a call costs what a typical cheap tool call costs in that
 * SDK and little else; `extra` adds the stdio server's own tools.
 */
export function createBenchServer(sdk: HostSdk, extra: readonly BenchTool[] = []): BenchServer {
  return sdk.createServer([ECHO, ...extra]);
}
