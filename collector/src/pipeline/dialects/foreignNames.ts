import {
  TRANSPORT_KIND_IN_MEMORY,
  TRANSPORT_KIND_SSE,
  TRANSPORT_KIND_STDIO,
  TRANSPORT_KIND_STREAMABLE_HTTP,
} from '@mcpscope/sdk/semconv';

// The attribute names and values other MCP instrumentations use (see dialectTable.ts for the mapping
// and where each comes from).

/** The instrumentations whose MCP attribute names are mapped. */
export type Dialect = 'sentry' | 'traceloop' | 'openinference' | 'otel-draft';

/** Every {@link Dialect}. */
export const DIALECTS: readonly Dialect[] = ['sentry', 'traceloop', 'openinference', 'otel-draft'];

// ── foreign attribute names ─────────────────────────────────────────────────────────────────────────
// Sentry (@sentry/core integrations/mcp-server/attributes.ts) and the semconv drafts share the first
// four names.
export const MCP_TOOL_NAME = 'mcp.tool.name';
export const MCP_PROMPT_NAME = 'mcp.prompt.name';
export const MCP_REQUEST_ID = 'mcp.request.id';
export const MCP_SERVER_NAME = 'mcp.server.name';
export const MCP_SERVER_VERSION = 'mcp.server.version';
export const MCP_CLIENT_NAME = 'mcp.client.name';
export const MCP_CLIENT_VERSION = 'mcp.client.version';
export const MCP_TRANSPORT = 'mcp.transport';
export const MCP_TOOL_RESULT_IS_ERROR = 'mcp.tool.result.is_error';
/** The tool result's text when Sentry records outputs: `.content` for one item, `.0.content` for many. */
export const MCP_TOOL_RESULT_CONTENT = 'mcp.tool.result.content';
export const MCP_TOOL_RESULT_FIRST_CONTENT = 'mcp.tool.result.0.content';
export const SENTRY_ORIGIN = 'sentry.origin';
export const SENTRY_MCP_ORIGINS: ReadonlySet<string> = new Set([
  'auto.function.mcp_server',
  'auto.mcp.notification',
]);
// OpenLLMetry (@traceloop/ai-semantic-conventions, opentelemetry-semantic-conventions-ai).
export const TRACELOOP_ENTITY_NAME = 'traceloop.entity.name';
export const TRACELOOP_ENTITY_INPUT = 'traceloop.entity.input';
export const TRACELOOP_WORKFLOW_NAME = 'traceloop.workflow.name';
/** Tracer names of traceloop's MCP instrumentations: JS, Python (module of the tracer), older Python. */
export const TRACELOOP_MCP_SCOPES: ReadonlySet<string> = new Set([
  '@traceloop/instrumentation-mcp',
  'opentelemetry.instrumentation.mcp.instrumentation',
  'opentelemetry.instrumentation.mcp',
]);
// OpenInference (openinference-semantic-conventions).
export const OPENINFERENCE_SPAN_KIND = 'openinference.span.kind';
export const OPENINFERENCE_TOOL_NAME = 'tool.name';
export const OPENINFERENCE_KIND_TOOL = 'TOOL';
/** Span name of OpenAI Agents' MCPListToolsSpanData (its `type`), as OpenInference exports it. */
export const OPENINFERENCE_MCP_LIST_TOOLS = 'mcp_tools';
// Semantic-convention drafts and the JSON-RPC flavour of the older RPC conventions.
export const RPC_METHOD = 'rpc.method';
export const RPC_JSONRPC_REQUEST_ID = 'rpc.jsonrpc.request_id';
export const RPC_JSONRPC_ERROR_CODE = 'rpc.jsonrpc.error_code';

/**
 * An MCP method name: the lifecycle requests and the method families of the specification. Other
 * JSON-RPC users (`rpc.method` of an Ethereum client, a span named `x.mcp`) do not match.
 */
export const MCP_METHOD =
  /^(?:initialize|ping|(?:tools|prompts|resources|completion|logging|sampling|elicitation|roots|notifications|tasks|server|subscriptions)\/[A-Za-z_/]+)$/;

/** Requests a server sends to its client (their spans in a server process are the server's layer). */
export const SERVER_INITIATED: ReadonlySet<string> = new Set([
  'sampling/createMessage',
  'elicitation/create',
  'roots/list',
]);

/** `McpError.message` of the MCP TypeScript SDK: `MCP error <code>: <message>`. */
export const MCP_ERROR_MESSAGE = /^MCP error (-?\d+):/;
/** Codes the MCP SDK raises locally without a response (connection closed, request timeout). */
export const LOCAL_CODES: ReadonlySet<number> = new Set([-32000, -32001]);

// Transport classes of the MCP SDKs (what Sentry's `mcp.transport` holds) → `mcpscope.transport.kind`.
export const TRANSPORT_KINDS: ReadonlyMap<string, string> = new Map([
  ['StdioServerTransport', TRANSPORT_KIND_STDIO],
  ['StreamableHTTPServerTransport', TRANSPORT_KIND_STREAMABLE_HTTP],
  ['WebStandardStreamableHTTPServerTransport', TRANSPORT_KIND_STREAMABLE_HTTP],
  ['NodeStreamableHTTPServerTransport', TRANSPORT_KIND_STREAMABLE_HTTP],
  ['SSEServerTransport', TRANSPORT_KIND_SSE],
  ['InMemoryTransport', TRANSPORT_KIND_IN_MEMORY],
]);
