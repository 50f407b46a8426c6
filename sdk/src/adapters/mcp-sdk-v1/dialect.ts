import type { HostDialect } from '../protocol/hostTypes.js';

// What MCP SDK 1.x (`@modelcontextprotocol/sdk`) puts where the Protocol hooks read (see
// ../protocol/hostTypes.ts); 2.x has its own dialect in ../mcp-sdk-v2/dialect.ts.

/** MCP SDK 1.x: `request(request, resultSchema, options)`, `callTool(params, resultSchema, options)`. */
export const V1_DIALECT: HostDialect = {
  requestOptions: (args) => args[2],
  callToolOptions: (args) => args[2],
  toolRequestId: (extra) => (extra as { requestId?: string | number } | undefined)?.requestId,
  requestHeaders: (extra) =>
    (extra as { requestInfo?: { headers?: unknown } } | undefined)?.requestInfo?.headers,
  asyncCallTool: false,
};
