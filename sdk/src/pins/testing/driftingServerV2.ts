import { ProtocolError, ProtocolErrorCode, Server } from '@modelcontextprotocol/server';
import {
  DRIFTING_SERVER_NAME,
  DRIFTING_SERVER_VERSION,
  toolsOf,
  type DriftingServerOptions,
} from './driftingServer.js';

// The drifting fixture of driftingServer.ts on MCP SDK 2.x's low-level Server — the same tool
// definitions byte for byte, so one pin file fits both — for the 2.x serving entries (`serveStdio`,
// `createMcpHandler`), which speak the 2026-07-28 era as well as 2025's. `set_stage` switches the tool
// set; in the 2026-07-28 era the change is announced by whoever serves the instances (a subscription
// notification: `createMcpHandler`'s `notify.toolsChanged()`), as instances there live for one request.

/** A new instance of the 2.x drifting server (one per connection or HTTP request, as 2.x serves them). */
export function createDriftingServerV2(options: DriftingServerOptions): Server {
  const stage = options.stage;
  const server = new Server(
    { name: DRIFTING_SERVER_NAME, version: DRIFTING_SERVER_VERSION },
    { capabilities: { tools: { listChanged: true } } },
  );
  server.setRequestHandler('tools/list', (request) => {
    const tools = toolsOf(stage.current);
    const size = options.pageSize ?? tools.length;
    const start = Number(request.params?.cursor ?? 0);
    const next = start + size;
    return {
      tools: tools.slice(start, next) as never,
      ...(next < tools.length ? { nextCursor: String(next) } : {}),
    };
  });
  server.setRequestHandler('tools/call', (request) => {
    const name = request.params.name;
    options.onCall?.(name);
    if (!toolsOf(stage.current).some((tool) => tool.name === name))
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${name} not found`);
    if (name === 'set_stage') {
      stage.current = request.params.arguments?.['stage'] === 'v2' ? 'v2' : 'v1';
      return { content: [{ type: 'text', text: `stage ${stage.current}` }] };
    }
    const args = JSON.stringify(request.params.arguments ?? {});
    return { content: [{ type: 'text', text: `${name} ran with ${args}` }] };
  });
  return server;
}
