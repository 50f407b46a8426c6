/**
 * MCP spans from other instrumentations, mapped at ingest onto the attributes mcpscope reads.
 *
 * The span table's MCP columns (McpMethod, McpTool, McpServer, McpSession, McpLayer, ErrorType, Fault,
 * IsError), the root-cause model and the tool-definition history read the canonical names that the
 * mcpscope SDK sends (`mcp.method.name`, `gen_ai.tool.name`, `mcpscope.server.name`, …). Other
 * libraries name the same facts differently, or leave them in the span name. {@link normalizeDialects}
 * runs on every decoded span before it is stored, for OTLP/HTTP and OTLP/gRPC alike, and ADDS the
 * canonical attributes a span lacks from what its library did send:
 *
 * - every attribute stays exactly as sent; a canonical key the sender set is never overwritten;
 * - `mcpscope.dialect` names the library whose names were read, so a reader can tell a mapped value
 *   from a sent one;
 * - error types and faults come from the SDK's own outcome rules (`@mcpscope/sdk/outcome`) applied to
 *   what the span recorded, never from a second copy of them here.
 *
 * Which dialect a span speaks is decided by one cheap look at it ({@link detectDialect}): a span of
 * mcpscope's own SDK or proxy (it has `mcpscope.layer`) is left alone after one lookup.
 *
 * The mapping, one row per source (in the order applied; the first row that yields a value for a
 * canonical key wins). A source in parentheses is a field of the span, not an attribute.
 *
 * | dialect | source | canonical | transform |
 * |---|---|---|---|
 * | sentry | `mcp.tool.name` | `gen_ai.tool.name` | as sent |
 * | sentry | `mcp.prompt.name` | `gen_ai.prompt.name` | as sent |
 * | sentry | `mcp.request.id` | `jsonrpc.request.id` | as sent |
 * | sentry | `mcp.server.name` | `mcpscope.server.name` | as sent |
 * | sentry | (service name) | `mcpscope.server.name` | the span's service, when no `mcp.server.name` (the wrapper instruments servers only) |
 * | sentry | `mcp.server.version` | `mcpscope.server.version` | as sent |
 * | sentry | `mcp.client.name` | `mcpscope.client.name` | as sent |
 * | sentry | `mcp.client.version` | `mcpscope.client.version` | as sent |
 * | sentry | `mcp.transport` | `mcpscope.transport.kind` | transport class → `stdio`, `streamable-http`, `sse`, `in-memory`; other classes as sent |
 * | sentry | `mcp.method.name` | `mcpscope.layer` | `server`: the wrapper sees requests as the server |
 * | sentry | `mcp.tool.result.is_error` | `error.type`, `mcpscope.fault` | `true` → the SDK's `toolResultErrorOutcome` (receiving side) on `mcp.tool.result.content` when recorded: `tool_error`/`tool`, or McpServer's wrapped JSON-RPC code |
 * | sentry | (status) | `error.type`, `mcpscope.fault` | status message `cancelled` (a request pending when its transport closed) → the SDK's `CLOSED_BEFORE_RESPONSE` |
 * | traceloop | (span name) | `mcp.method.name` | `<tool>.tool` → `tools/call`; `<method>.mcp` → `<method>` (MCP method names only) |
 * | traceloop | `traceloop.entity.name` | `gen_ai.tool.name` | as sent, on `tools/call` spans |
 * | traceloop | `traceloop.entity.input` | `gen_ai.prompt.name` | JSON input's `name`, on `prompts/get` spans |
 * | traceloop | `traceloop.entity.input` | `mcp.resource.uri` | JSON input's `uri`, on `resources/read` spans |
 * | traceloop | `traceloop.workflow.name` | `mcpscope.server.name` | `<server>.mcp` (Python FastMCP server spans) → `<server>` |
 * | traceloop | `mcp.request.id` | `jsonrpc.request.id` | as sent (Python response spans) |
 * | traceloop | (span kind) | `mcpscope.layer` | `server` for SERVER spans, FastMCP server spans and server-initiated methods; else `client` |
 * | traceloop | (status) | `error.type`, `mcpscope.fault`, `rpc.response.status_code` | ERROR without an exception event on `tools/call` (an `isError` result) → the SDK's `toolErrorTextOutcome` on the status message (receiving side: `toolResultErrorOutcome`); with an exception whose message is `MCP error <code>: …` → the SDK's `classifySenderFailure` for that code |
 * | openinference | `openinference.span.kind` | `mcp.method.name` | `TOOL` with `tool.name` → `tools/call`; `TOOL` named `mcp_tools` (OpenAI Agents' MCP list) → `tools/list` |
 * | openinference | `tool.name` | `gen_ai.tool.name` | as sent, on `TOOL` spans |
 * | openinference | `openinference.span.kind` | `mcpscope.layer` | `client`: a TOOL span is the agent's view of the call |
 * | otel-draft | `rpc.method` | `mcp.method.name` | as sent, when it names an MCP method |
 * | otel-draft | `mcp.tool.name` | `gen_ai.tool.name` | as sent |
 * | otel-draft | `mcp.prompt.name` | `gen_ai.prompt.name` | as sent |
 * | otel-draft | `mcp.request.id` | `jsonrpc.request.id` | as sent |
 * | otel-draft | `rpc.jsonrpc.request_id` | `jsonrpc.request.id` | as sent |
 * | otel-draft | `mcp.server.name` | `mcpscope.server.name` | as sent |
 * | otel-draft | `mcp.server.version` | `mcpscope.server.version` | as sent |
 * | otel-draft | (span kind) | `mcpscope.layer` | CLIENT → `client`, SERVER → `server` |
 * | otel-draft | `rpc.jsonrpc.error_code` | `error.type`, `mcpscope.fault`, `rpc.response.status_code` | the SDK's `jsonRpcErrorOutcome` (receiving side for SERVER spans) |
 * | any | — | `mcpscope.dialect` | the dialect, on a span that gained any canonical key |
 *
 * Where the names come from:
 * - sentry: `@sentry/core` src/integrations/mcp-server (attributes.ts, sessionExtraction.ts,
 *   resultExtraction.ts, correlation.ts), used by `wrapMcpServerWithSentry`; spans carry
 *   `sentry.origin` `auto.function.mcp_server` / `auto.mcp.notification` and always `mcp.transport`.
 * - traceloop: `@traceloop/instrumentation-mcp` (JS, tracer `@traceloop/instrumentation-mcp`) and
 *   `opentelemetry-instrumentation-mcp` (Python, tracer `opentelemetry.instrumentation.mcp…`). The JS
 *   one patches `Client.request` (CLIENT spans) and `Server.request` (server-initiated requests, as
 *   SERVER spans); spans other than tools/call carry no attribute but their name. Only spans of those
 *   tracers are read: traceloop's SDK also names local functions `<name>.tool`.
 * - openinference: OpenInference's MCP instrumentation only propagates context; MCP calls show up as
 *   TOOL spans of its agent-framework instrumentations (e.g. OpenAI Agents). Those do not say whether a
 *   tool is an MCP server's or a local function, so every TOOL span with a `tool.name` is read as a call.
 * - otel-draft: the MCP semantic-conventions drafts before semconv v1.39 (`mcp.tool.name`,
 *   `mcp.prompt.name`, `mcp.request.id`, `rpc.jsonrpc.error_code`) and the older JSON-RPC flavour of the
 *   RPC conventions (`rpc.method`, `rpc.jsonrpc.request_id`, `rpc.jsonrpc.error_code`).
 */
import { CLOSED_BEFORE_RESPONSE } from '@mcpscope/sdk/outcome';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCPSCOPE_CLIENT_NAME,
  ATTR_MCPSCOPE_CLIENT_VERSION,
  ATTR_MCPSCOPE_FAULT,
  ATTR_MCPSCOPE_LAYER,
  ATTR_MCPSCOPE_SERVER_NAME,
  ATTR_MCPSCOPE_SERVER_VERSION,
  ATTR_MCPSCOPE_TRANSPORT_KIND,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  LAYER_CLIENT,
  LAYER_SERVER,
} from '@mcpscope/sdk/semconv';
import {
  MCP_TOOL_NAME,
  MCP_PROMPT_NAME,
  MCP_REQUEST_ID,
  MCP_SERVER_NAME,
  MCP_SERVER_VERSION,
  MCP_CLIENT_NAME,
  MCP_CLIENT_VERSION,
  MCP_TRANSPORT,
  MCP_TOOL_RESULT_IS_ERROR,
  TRACELOOP_ENTITY_NAME,
  TRACELOOP_ENTITY_INPUT,
  TRACELOOP_WORKFLOW_NAME,
  OPENINFERENCE_SPAN_KIND,
  OPENINFERENCE_TOOL_NAME,
  OPENINFERENCE_KIND_TOOL,
  OPENINFERENCE_MCP_LIST_TOOLS,
  RPC_METHOD,
  RPC_JSONRPC_REQUEST_ID,
  RPC_JSONRPC_ERROR_CODE,
  MCP_METHOD,
  TRANSPORT_KINDS,
} from './foreignNames.js';
import { copy, method, outcomeRows, type DialectRow } from './dialectRows.js';
import {
  jsonField,
  fastMcpServer,
  traceloopLayer,
  traceloopOutcome,
  sentryOutcome,
  draftOutcome,
  traceloopMethod,
} from './dialectRules.js';

export const DIALECT_TABLE: readonly DialectRow[] = [
  // ── Sentry ──
  copy('sentry', MCP_TOOL_NAME, ATTR_GEN_AI_TOOL_NAME),
  copy('sentry', MCP_PROMPT_NAME, ATTR_GEN_AI_PROMPT_NAME),
  copy('sentry', MCP_REQUEST_ID, ATTR_JSONRPC_REQUEST_ID),
  copy('sentry', MCP_SERVER_NAME, ATTR_MCPSCOPE_SERVER_NAME),
  {
    dialect: 'sentry',
    source: '(service name)',
    canonical: ATTR_MCPSCOPE_SERVER_NAME,
    transform: "the span's service, when no mcp.server.name (the wrapper instruments servers only)",
    map: (_, s) => (method(s) !== undefined && s.row.ServiceName !== '' ? s.row.ServiceName : undefined),
  },
  copy('sentry', MCP_SERVER_VERSION, ATTR_MCPSCOPE_SERVER_VERSION),
  copy('sentry', MCP_CLIENT_NAME, ATTR_MCPSCOPE_CLIENT_NAME),
  copy('sentry', MCP_CLIENT_VERSION, ATTR_MCPSCOPE_CLIENT_VERSION),
  {
    dialect: 'sentry',
    source: MCP_TRANSPORT,
    canonical: ATTR_MCPSCOPE_TRANSPORT_KIND,
    transform: 'transport class → stdio, streamable-http, sse, in-memory; other classes as sent',
    map: (value) => (value === undefined ? undefined : (TRANSPORT_KINDS.get(value) ?? value)),
  },
  {
    dialect: 'sentry',
    source: ATTR_MCP_METHOD_NAME,
    canonical: ATTR_MCPSCOPE_LAYER,
    transform: 'server: the wrapper sees requests as the server',
    map: () => LAYER_SERVER,
  },
  ...outcomeRows(
    'sentry',
    MCP_TOOL_RESULT_IS_ERROR,
    "true → the SDK's toolResultErrorOutcome (receiving side) on mcp.tool.result.content when recorded",
    sentryOutcome,
  ),
  ...outcomeRows(
    'sentry',
    '(status)',
    "status message 'cancelled' (pending when the transport closed) → the SDK's CLOSED_BEFORE_RESPONSE",
    (_, s) =>
      s.row.StatusCode === 'Error' && s.row.StatusMessage === 'cancelled' && method(s) !== undefined
        ? CLOSED_BEFORE_RESPONSE
        : undefined,
  ),

  // ── OpenLLMetry / traceloop ──
  {
    dialect: 'traceloop',
    source: '(span name)',
    canonical: ATTR_MCP_METHOD_NAME,
    transform: '<tool>.tool → tools/call; <method>.mcp → <method> (MCP method names only)',
    map: (_, s) => traceloopMethod(s.row.SpanName),
  },
  {
    dialect: 'traceloop',
    source: TRACELOOP_ENTITY_NAME,
    canonical: ATTR_GEN_AI_TOOL_NAME,
    transform: 'as sent, on tools/call spans',
    map: (value, s) => (method(s) === 'tools/call' ? value : undefined),
  },
  {
    dialect: 'traceloop',
    source: TRACELOOP_ENTITY_INPUT,
    canonical: ATTR_GEN_AI_PROMPT_NAME,
    transform: "JSON input's name, on prompts/get spans",
    map: (value, s) => (method(s) === 'prompts/get' ? jsonField(value, 'name') : undefined),
  },
  {
    dialect: 'traceloop',
    source: TRACELOOP_ENTITY_INPUT,
    canonical: ATTR_MCP_RESOURCE_URI,
    transform: "JSON input's uri, on resources/read spans",
    map: (value, s) => (method(s) === 'resources/read' ? jsonField(value, 'uri') : undefined),
  },
  {
    dialect: 'traceloop',
    source: TRACELOOP_WORKFLOW_NAME,
    canonical: ATTR_MCPSCOPE_SERVER_NAME,
    transform: '<server>.mcp (Python FastMCP server spans) → <server>',
    map: (value) => fastMcpServer(value),
  },
  copy('traceloop', MCP_REQUEST_ID, ATTR_JSONRPC_REQUEST_ID, 'as sent (Python response spans)'),
  {
    dialect: 'traceloop',
    source: '(span kind)',
    canonical: ATTR_MCPSCOPE_LAYER,
    transform: 'server for SERVER spans, FastMCP server spans and server-initiated methods; else client',
    map: (_, s) => traceloopLayer(s),
  },
  ...outcomeRows(
    'traceloop',
    '(status)',
    "ERROR tools/call without exception → the SDK's toolErrorTextOutcome on the message; " +
      "an exception 'MCP error <code>: …' → the SDK's classifySenderFailure",
    (_, s) => traceloopOutcome(s),
    [ATTR_ERROR_TYPE, ATTR_MCPSCOPE_FAULT, ATTR_RPC_RESPONSE_STATUS_CODE],
  ),

  // ── OpenInference ──
  {
    dialect: 'openinference',
    source: OPENINFERENCE_SPAN_KIND,
    canonical: ATTR_MCP_METHOD_NAME,
    transform: 'TOOL with tool.name → tools/call; TOOL named mcp_tools → tools/list',
    map: (value, s) => {
      if (value !== OPENINFERENCE_KIND_TOOL) return undefined;
      if (s.attrs[OPENINFERENCE_TOOL_NAME] !== undefined) return 'tools/call';
      return s.row.SpanName === OPENINFERENCE_MCP_LIST_TOOLS ? 'tools/list' : undefined;
    },
  },
  {
    dialect: 'openinference',
    source: OPENINFERENCE_TOOL_NAME,
    canonical: ATTR_GEN_AI_TOOL_NAME,
    transform: 'as sent, on TOOL spans',
    map: (value, s) => (s.attrs[OPENINFERENCE_SPAN_KIND] === OPENINFERENCE_KIND_TOOL ? value : undefined),
  },
  {
    dialect: 'openinference',
    source: OPENINFERENCE_SPAN_KIND,
    canonical: ATTR_MCPSCOPE_LAYER,
    transform: "client: a TOOL span is the agent's view of the call",
    map: (_, s) => (method(s) !== undefined ? LAYER_CLIENT : undefined),
  },

  // ── semantic-convention drafts ──
  {
    dialect: 'otel-draft',
    source: RPC_METHOD,
    canonical: ATTR_MCP_METHOD_NAME,
    transform: 'as sent, when it names an MCP method',
    map: (value) => (value !== undefined && MCP_METHOD.test(value) ? value : undefined),
  },
  copy('otel-draft', MCP_TOOL_NAME, ATTR_GEN_AI_TOOL_NAME),
  copy('otel-draft', MCP_PROMPT_NAME, ATTR_GEN_AI_PROMPT_NAME),
  copy('otel-draft', MCP_REQUEST_ID, ATTR_JSONRPC_REQUEST_ID),
  copy('otel-draft', RPC_JSONRPC_REQUEST_ID, ATTR_JSONRPC_REQUEST_ID),
  copy('otel-draft', MCP_SERVER_NAME, ATTR_MCPSCOPE_SERVER_NAME),
  copy('otel-draft', MCP_SERVER_VERSION, ATTR_MCPSCOPE_SERVER_VERSION),
  {
    dialect: 'otel-draft',
    source: '(span kind)',
    canonical: ATTR_MCPSCOPE_LAYER,
    transform: 'CLIENT → client, SERVER → server',
    map: (_, s) => {
      if (method(s) === undefined) return undefined;
      return s.row.SpanKind === 'Client'
        ? LAYER_CLIENT
        : s.row.SpanKind === 'Server'
          ? LAYER_SERVER
          : undefined;
    },
  },
  ...outcomeRows(
    'otel-draft',
    RPC_JSONRPC_ERROR_CODE,
    "the SDK's jsonRpcErrorOutcome (receiving side for SERVER spans)",
    draftOutcome,
    [ATTR_ERROR_TYPE, ATTR_MCPSCOPE_FAULT, ATTR_RPC_RESPONSE_STATUS_CODE],
  ),
];
