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
/**
 * The 2026-07-28 era's `Mcp-Method` and `Mcp-Name` HTTP request headers (SEP-2243), recorded under the
 * general HTTP convention `http.request.header.<lowercase name>` as string arrays.
 */
export const ATTR_HTTP_REQUEST_HEADER_MCP_METHOD = 'http.request.header.mcp-method';
export const ATTR_HTTP_REQUEST_HEADER_MCP_NAME = 'http.request.header.mcp-name';

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
/**
 * `params._meta` key of a tools/list request by which the process that launched a stdio server (an
 * instrumented client, `mcpscope proxy`) tells the server its redacted command line, so the server's own
 * spans record the same `mcpscope.server.command` and every observer keys one tool-definition history.
 */
export const META_SERVER_COMMAND = 'mcpscope/serverCommand';
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
/**
 * Set by the collector at ingest on a span whose canonical MCP attributes it derived from another
 * instrumentation's names: `sentry`, `traceloop`, `openinference` or `otel-draft`.
 */
export const ATTR_MCPSCOPE_DIALECT = 'mcpscope.dialect';

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

// ── 2026-07-28 era features (issue #10) ─────────────────────────────────────────────────────────────
// The MCP conventions (semantic-conventions-genai model/mcp) name the methods `server/discover` and
// `subscriptions/listen` but no attribute for what follows, so these are mcpscope's own.
/** The `resultType` of a result that is not `complete`: `input_required` (multi round-trip) or `task`. */
export const ATTR_MCPSCOPE_RESULT_TYPE = 'mcpscope.result.type';
/** Keys of the embedded input requests (elicitation, sampling, roots) an `input_required` result asks for. */
export const ATTR_MCPSCOPE_INPUT_REQUEST_KEYS = 'mcpscope.input_request.keys';
/** Keys of the input responses a retried request carries (`params.inputResponses`). */
export const ATTR_MCPSCOPE_INPUT_RESPONSE_KEYS = 'mcpscope.input_response.keys';
/** On the span of one embedded input request the client fulfilled: its key in `inputRequests`. */
export const ATTR_MCPSCOPE_INPUT_REQUEST_KEY = 'mcpscope.input_request.key';
/** On a call's CLIENT span: how many `input_required` results it went through before its final result. */
export const ATTR_MCPSCOPE_INPUT_REQUIRED_ROUNDS = 'mcpscope.input_required.rounds';
/** The task a span belongs to: created by its result, or named by `params.taskId` (Tasks, both eras). */
export const ATTR_MCPSCOPE_TASK_ID = 'mcpscope.task.id';
/** The task's status as a task-creating or tasks/* result reports it (`working`, `completed`, …). */
export const ATTR_MCPSCOPE_TASK_STATUS = 'mcpscope.task.status';
/** On a subscriptions/listen span: the notification types the request asked for (filter keys). */
export const ATTR_MCPSCOPE_SUBSCRIPTION_FILTER = 'mcpscope.subscription.filter';
/** On a subscriptions/listen span: how many notifications the subscription delivered. */
export const ATTR_MCPSCOPE_SUBSCRIPTION_NOTIFICATIONS = 'mcpscope.subscription.notifications';
/** Who ended a subscription: `client` (closed it), `server` (result or cancel), `transport` (stream gone). */
export const ATTR_MCPSCOPE_SUBSCRIPTION_CLOSED_BY = 'mcpscope.subscription.closed_by';
/**
 * The cache hints of a cacheable result (SEP-2549: the list methods, resources/read, server/discover):
 * `ttlMs` and `cacheScope`.
 */
export const ATTR_MCPSCOPE_LIST_TTL_MS = 'mcpscope.list.ttl_ms';
export const ATTR_MCPSCOPE_LIST_CACHE_SCOPE = 'mcpscope.list.cache_scope';
/** A call that failed while the client fulfilled the input its server asked for (its handler failed). */
export const ERROR_TYPE_INPUT_REQUEST_FAILED = 'input_request_failed';
/** A call whose server still asked for input after the client's round cap. */
export const ERROR_TYPE_INPUT_ROUNDS_EXCEEDED = 'input_required_rounds_exceeded';
/** A result of a kind the client library does not handle (a task handle to MCP SDK 2.4.0's Client). */
export const ERROR_TYPE_UNSUPPORTED_RESULT_TYPE = 'unsupported_result_type';
/** Event of `notifications/subscriptions/acknowledged` on a subscriptions/listen span. */
export const EVENT_SUBSCRIPTION_ACKNOWLEDGED = 'mcp.subscription_acknowledged';

// ── tool pins (issue #12) ───────────────────────────────────────────────────────────────────────────
/**
 * How tools stand against their pins: on a tools/call span the called tool's (`match`, `drift`,
 * `unpinned`); on a tools/list span the worst of the tools it lists (drift, else unpinned, else match).
 */
export const ATTR_MCPSCOPE_PIN_STATUS = 'mcpscope.pin.status';
/** On a tools/list span: the listed tools whose definitions differ from their pins (string array). */
export const ATTR_MCPSCOPE_PIN_DRIFTED_TOOLS = 'mcpscope.pin.drifted_tools';
/** On a tools/list span: the listed tools that have no pin (string array). */
export const ATTR_MCPSCOPE_PIN_UNPINNED_TOOLS = 'mcpscope.pin.unpinned_tools';
/** On a tools/list span that completes the set: pinned tools the server no longer lists (string array). */
export const ATTR_MCPSCOPE_PIN_MISSING_TOOLS = 'mcpscope.pin.missing_tools';
/** What is done on drift: `block` (drifted and new tools withheld) or `warn` (recorded only). */
export const ATTR_MCPSCOPE_PIN_ON_DRIFT = 'mcpscope.pin.on_drift';
/** True on the span of a tools/call that was answered with the pin error and never reached the server. */
export const ATTR_MCPSCOPE_PIN_BLOCKED = 'mcpscope.pin.blocked';
/** `error.type` of a call withheld because its tool does not match its pin. */
export const ERROR_TYPE_PIN_MISMATCH = 'pin_mismatch';
