import type { HostDialect } from '../protocol/hostTypes.js';

// What MCP SDK 2.x (`@modelcontextprotocol/client`, `@modelcontextprotocol/server`) does differently
// from 1.x at the places the Protocol hooks read. Its Protocol, Transport and McpServer keep the 1.x
// shape (`request`, `connect`, `_requestHandlers`, `transport.send/start/onmessage`,
// `executeToolHandler`), so the shared hooks (../protocol/) serve both; nothing here imports the 2.x packages.

/**
 * 2.x: `request(request, options)` for spec methods, `request(request, resultSchema, options)` with an
 * explicit Standard Schema (recognised by its `~standard` property); `callTool(params, options)`; the
 * tool's context carries the request id as `ctx.mcpReq.id`; `callTool` awaits its output-validator
 * cache before `request()`, and the active context does not reliably survive that await.
 */
export const V2_DIALECT: HostDialect = {
  requestOptions: (args) => (isStandardSchema(args[1]) ? args[2] : args[1]),
  callToolOptions: (args) => args[1],
  toolRequestId: (ctx) =>
    (ctx as { mcpReq?: { id?: string | number } } | undefined)?.mcpReq?.id ??
    (ctx as { requestId?: string | number } | undefined)?.requestId,
  // 2.x hands the web-standard `Request` itself (`extra.request`); 1.x-style `requestInfo` otherwise.
  requestHeaders: (extra) =>
    (extra as { request?: { headers?: unknown } } | undefined)?.request?.headers ??
    (extra as { requestInfo?: { headers?: unknown } } | undefined)?.requestInfo?.headers,
  asyncCallTool: true,
};

function isStandardSchema(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    '~standard' in (value as object)
  );
}

/**
 * Tells a 2.x Protocol object (Client, low-level Server) from a 1.x one by shape, without loading
 * either SDK: 2.x routes every outbound message through its era codec (`_resolveOutboundCodec`),
 * which 1.x does not have.
 */
export function isV2Protocol(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { _resolveOutboundCodec?: unknown })._resolveOutboundCodec === 'function'
  );
}

/** A 2.x `McpServer` (wrapping a 2.x Server in `.server`) or a 2.x low-level `Server`. */
export function isV2Server(value: unknown): boolean {
  return isV2Protocol(value) || isV2Protocol((value as { server?: unknown } | null)?.server);
}
