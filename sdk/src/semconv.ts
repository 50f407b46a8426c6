/**
 * Attribute names, values and span-name rules of the OpenTelemetry MCP semantic conventions
 * (semconv v1.39+, semantic-conventions-genai, status Development), plus mcpscope's own `mcpscope.*`
 * attributes. Every string that names telemetry lives here, once: the npm semconv constants for MCP are
 * still moving and partly deprecated, so we do not depend on them.
 */

// ── MCP semantic conventions ────────────────────────────────────────────────────────────────────────
export const ATTR_MCP_METHOD_NAME = 'mcp.method.name';
export const ATTR_MCP_SESSION_ID = 'mcp.session.id';
export const ATTR_MCP_PROTOCOL_VERSION = 'mcp.protocol.version';
export const ATTR_MCP_RESOURCE_URI = 'mcp.resource.uri';
export const ATTR_JSONRPC_REQUEST_ID = 'jsonrpc.request.id';
export const ATTR_JSONRPC_PROTOCOL_VERSION = 'jsonrpc.protocol.version';
export const ATTR_RPC_RESPONSE_STATUS_CODE = 'rpc.response.status_code';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_GEN_AI_PROMPT_NAME = 'gen_ai.prompt.name';
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
export const ATTR_GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';
export const ATTR_NETWORK_TRANSPORT = 'network.transport';
export const ATTR_NETWORK_PROTOCOL_NAME = 'network.protocol.name';
export const ATTR_NETWORK_PROTOCOL_VERSION = 'network.protocol.version';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_CLIENT_ADDRESS = 'client.address';
export const ATTR_CLIENT_PORT = 'client.port';
export const ATTR_HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';

/** `gen_ai.operation.name` value on tools/call spans. */
export const GEN_AI_OPERATION_EXECUTE_TOOL = 'execute_tool';
/** `network.transport` values: stdio is a pipe, Streamable HTTP and SSE are TCP. */
export const NETWORK_TRANSPORT_PIPE = 'pipe';
export const NETWORK_TRANSPORT_TCP = 'tcp';

// ── semconv metrics (histograms, seconds) ───────────────────────────────────────────────────────────
export const METRIC_MCP_CLIENT_OPERATION_DURATION = 'mcp.client.operation.duration';
export const METRIC_MCP_SERVER_OPERATION_DURATION = 'mcp.server.operation.duration';
export const METRIC_MCP_CLIENT_SESSION_DURATION = 'mcp.client.session.duration';
export const METRIC_MCP_SERVER_SESSION_DURATION = 'mcp.server.session.duration';

// ── error.type values that are not JSON-RPC codes ───────────────────────────────────────────────────
export const ERROR_TYPE_TOOL_ERROR = 'tool_error';
export const ERROR_TYPE_TIMEOUT = 'timeout';
export const ERROR_TYPE_CANCELLED = 'cancelled';
export const ERROR_TYPE_CONNECTION_CLOSED = 'connection_closed';
export const ERROR_TYPE_OUTPUT_VALIDATION = 'output_validation';
export const ERROR_TYPE_TRANSPORT = 'transport_error';
export const ERROR_TYPE_HTTP_PREFIX = 'http_'; // followed by the status code: http_404, http_503
export const ERROR_TYPE_SESSION_NOT_FOUND = 'session_not_found';
export const ERROR_TYPE_EXCEPTION = 'exception'; // fallback when nothing more specific is known
/** A request whose id the peer reused while the first request with that id was still in flight. */
export const ERROR_TYPE_DUPLICATE_ID = 'duplicate_id';

/**
 * JSON-RPC codes that are the caller's fault: on the server side they do not mark the server span as
 * an error (the server behaved correctly by refusing). Parse error, invalid request, method not found,
 * invalid params, resource not found.
 */
export const CALLER_FAULT_CODES: ReadonlySet<number> = new Set([-32700, -32600, -32601, -32602, -32002]);

// ── mcpscope's own attributes ───────────────────────────────────────────────────────────────────────
/** Which layer a span describes: one of {@link Layer}. */
export const ATTR_MCPSCOPE_LAYER = 'mcpscope.layer';
/**
 * Which layer a failed call is attributed to (set on the span where the failure was decided):
 * one of {@link FaultLayer}.
 */
export const ATTR_MCPSCOPE_FAULT = 'mcpscope.fault';
/**
 * On a SERVER span with `mcpscope.fault=downstream`: the hex span id of the failed span (an HTTP or
 * database CLIENT span the handler made) that the failure is attributed to.
 */
export const ATTR_MCPSCOPE_DOWNSTREAM_SPAN_ID = 'mcpscope.downstream.span_id';
export const ATTR_MCPSCOPE_SERVER_NAME = 'mcpscope.server.name';
export const ATTR_MCPSCOPE_SERVER_VERSION = 'mcpscope.server.version';
export const ATTR_MCPSCOPE_CLIENT_NAME = 'mcpscope.client.name';
export const ATTR_MCPSCOPE_CLIENT_VERSION = 'mcpscope.client.version';
/** For stdio servers: the command line that started the server (server identity for rug-pull history). */
export const ATTR_MCPSCOPE_SERVER_COMMAND = 'mcpscope.server.command';
/** Transport kind: stdio, streamable-http, sse, in-memory, or the constructor name of another transport. */
export const ATTR_MCPSCOPE_TRANSPORT_KIND = 'mcpscope.transport.kind';
export const ATTR_MCPSCOPE_TRANSPORT_REQUEST_BYTES = 'mcpscope.transport.request_bytes';
export const ATTR_MCPSCOPE_TRANSPORT_RESPONSE_BYTES = 'mcpscope.transport.response_bytes';
/** Prefix of the tool annotations copied onto each tools/call: `mcpscope.tool.annotations.readOnlyHint` … */
export const ATTR_MCPSCOPE_TOOL_ANNOTATIONS_PREFIX = 'mcpscope.tool.annotations.';
/**
 * SHA-256 (hex) of the canonical JSON of the whole tool set, on the tools/list span that completes it:
 * every tools/list of an unpaginated server, the last page of a paginated one (over all its pages).
 */
export const ATTR_MCPSCOPE_TOOLS_FINGERPRINT = 'mcpscope.tools.fingerprint';
/** Tools in the set (with the fingerprint) or, on a page with more pages to come, in that page. */
export const ATTR_MCPSCOPE_TOOLS_COUNT = 'mcpscope.tools.count';
/**
 * JSON array `[{ name, fingerprint, definition }]` of the canonical tool definitions, on a tools/list
 * span whose set fingerprint differs from the last one this process saw for that server (and on the first).
 */
export const ATTR_MCPSCOPE_TOOLS_DEFINITIONS = 'mcpscope.tools.definitions';
/** Original size in bytes of a captured payload that was truncated. */
export const ATTR_MCPSCOPE_CAPTURE_TRUNCATED_SUFFIX = '.original_size';
/**
 * Captured prompt arguments on prompts/get spans (JSON string, opt-in like the tool arguments). The MCP
 * semconv has no attribute for them yet, so it lives under our own prefix.
 */
export const ATTR_MCPSCOPE_PROMPT_ARGUMENTS = 'mcpscope.prompt.arguments';
/** Set to 'proxy' on spans made by `mcpscope proxy`. */
export const ATTR_MCPSCOPE_SOURCE = 'mcpscope.source';

/** The layers of one MCP request. */
export type Layer = 'client' | 'transport' | 'server';
export const LAYER_CLIENT: Layer = 'client';
export const LAYER_TRANSPORT: Layer = 'transport';
export const LAYER_SERVER: Layer = 'server';

/** Where a failed call is attributed: exactly one per failed call. */
export type FaultLayer = 'caller' | 'client' | 'transport' | 'server' | 'tool' | 'downstream';
/** Every {@link FaultLayer}, outermost first. */
export const FAULT_LAYERS: readonly FaultLayer[] = [
  'caller',
  'client',
  'transport',
  'server',
  'tool',
  'downstream',
];

/** `mcpscope.transport.kind` values for the MCP SDK's own transports. */
export const TRANSPORT_KIND_STDIO = 'stdio';
export const TRANSPORT_KIND_STREAMABLE_HTTP = 'streamable-http';
export const TRANSPORT_KIND_SSE = 'sse';
export const TRANSPORT_KIND_IN_MEMORY = 'in-memory';

// ── span events ─────────────────────────────────────────────────────────────────────────────────────
export const EVENT_PROGRESS = 'mcp.progress';
export const EVENT_CANCELLED = 'mcp.cancelled';
export const EVENT_LOG_MESSAGE = 'mcp.log_message';
export const EVENT_LIST_CHANGED = 'mcp.list_changed';
export const EVENT_RESOURCE_UPDATED = 'mcp.resource_updated';
/** Event attributes (kept short: events are stored as Nested columns). */
export const ATTR_EVENT_PROGRESS = 'mcp.progress.value';
export const ATTR_EVENT_PROGRESS_TOTAL = 'mcp.progress.total';
export const ATTR_EVENT_MESSAGE = 'mcp.message';
export const ATTR_EVENT_LOG_LEVEL = 'mcp.log.level';
export const ATTR_EVENT_LOGGER = 'mcp.log.logger';
export const ATTR_EVENT_CANCEL_REASON = 'mcp.cancel.reason';
/** Direction of a notification recorded as an event: `sent` or `received`. */
export const ATTR_EVENT_DIRECTION = 'mcp.direction';

/**
 * Span name: `{mcp.method.name} {target}` where target is the tool or prompt name (and for resources the
 * URI is deliberately NOT used: it is high-cardinality), else just the method name.
 */
export function spanName(method: string, target?: string): string {
  return target ? `${method} ${target}` : method;
}
