import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/** The text every benchmark call sends and expects back. */
export const ECHO_TEXT = 'hello';

/**
 * The server every configuration calls: a real McpServer with one small tool (zod input schema, text
 * result), so a call costs what a typical cheap tool call costs in the MCP SDK and little else.
 */
export function createBenchServer(): McpServer {
  const server = new McpServer({ name: 'bench-server', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Returns its text', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  return server;
}
