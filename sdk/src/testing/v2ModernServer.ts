import { acceptedContent, inputRequired, McpServer } from '@modelcontextprotocol/server';
import { instrumentServer } from '../instrumentServer.js';

// An instrumented MCP SDK 2.x McpServer that uses the 2026-07-28 features, for the tests of the SDK v2
// adapter (in memory, over stdio through v2ModernServerFixture.ts, and over Streamable HTTP):
// - `get_weather`: an ordinary tool;
// - `confirm_delete`: asks the client to confirm (an elicitation embedded in an `input_required` result,
//   multi round-trip) before it answers;
// - `add_tool`: registers a tool, so the server's tool list changes (a list_changed notification);
// - cache hints on tools/list (`ttlMs`, `cacheScope`).

/** The cache hint the server gives its tools/list results. */
export const TOOLS_LIST_CACHE_HINT = { ttlMs: 60_000, cacheScope: 'public' } as const;

/** The elicitation schema of `confirm_delete` (JSON Schema: the root zod is 3.x, which 2.x cannot convert). */
const CONFIRM_SCHEMA = {
  type: 'object',
  properties: { confirm: { type: 'boolean' } },
  required: ['confirm'],
} as const;

/** A new instrumented server (one per connection or HTTP request, as the 2.x serving entries want). */
export function createModernServer(name = 'files-v2'): McpServer {
  const server = new McpServer(
    { name, version: '2.3.0' },
    { cacheHints: { 'tools/list': TOOLS_LIST_CACHE_HINT } },
  );
  server.registerTool('get_weather', { description: 'Weather' }, async () => ({
    content: [{ type: 'text', text: 'sunny' }],
  }));
  server.registerTool('confirm_delete', { description: 'Deletes a file once confirmed' }, async (ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, 'confirm');
    if (answer?.['confirm'] !== true) {
      return inputRequired({
        inputRequests: {
          confirm: inputRequired.elicit({
            message: 'Delete report.txt?',
            requestedSchema: CONFIRM_SCHEMA as never,
          }),
        },
      });
    }
    return { content: [{ type: 'text', text: 'deleted report.txt' }] };
  });
  let added = 0;
  server.registerTool('add_tool', { description: 'Adds a tool' }, async () => {
    added++;
    server.registerTool(`extra_${added}`, { description: 'Added at run time' }, async () => ({
      content: [],
    }));
    return { content: [{ type: 'text', text: `extra_${added}` }] };
  });
  return instrumentServer(server);
}
