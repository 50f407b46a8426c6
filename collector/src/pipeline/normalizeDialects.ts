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
import {
  classifySenderFailure,
  CLOSED_BEFORE_RESPONSE,
  jsonRpcErrorOutcome,
  toolErrorTextOutcome,
  toolResultErrorOutcome,
  type FailureOutcome,
} from '@mcpscope/sdk/outcome';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCPSCOPE_CLIENT_NAME,
  ATTR_MCPSCOPE_CLIENT_VERSION,
  ATTR_MCPSCOPE_DIALECT,
  ATTR_MCPSCOPE_FAULT,
  ATTR_MCPSCOPE_LAYER,
  ATTR_MCPSCOPE_SERVER_NAME,
  ATTR_MCPSCOPE_SERVER_VERSION,
  ATTR_MCPSCOPE_TRANSPORT_KIND,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  LAYER_CLIENT,
  LAYER_SERVER,
  TRANSPORT_KIND_IN_MEMORY,
  TRANSPORT_KIND_SSE,
  TRANSPORT_KIND_STDIO,
  TRANSPORT_KIND_STREAMABLE_HTTP,
} from '@mcpscope/sdk/semconv';
import type { SpanRow } from '../storage/rows.js';

/** The instrumentations whose MCP attribute names are mapped. */
export type Dialect = 'sentry' | 'traceloop' | 'openinference' | 'otel-draft';

/** Every {@link Dialect}. */
export const DIALECTS: readonly Dialect[] = ['sentry', 'traceloop', 'openinference', 'otel-draft'];

// ── foreign attribute names ─────────────────────────────────────────────────────────────────────────
// Sentry (@sentry/core integrations/mcp-server/attributes.ts) and the semconv drafts share the first
// four names.
const MCP_TOOL_NAME = 'mcp.tool.name';
const MCP_PROMPT_NAME = 'mcp.prompt.name';
const MCP_REQUEST_ID = 'mcp.request.id';
const MCP_SERVER_NAME = 'mcp.server.name';
const MCP_SERVER_VERSION = 'mcp.server.version';
const MCP_CLIENT_NAME = 'mcp.client.name';
const MCP_CLIENT_VERSION = 'mcp.client.version';
const MCP_TRANSPORT = 'mcp.transport';
const MCP_TOOL_RESULT_IS_ERROR = 'mcp.tool.result.is_error';
/** The tool result's text when Sentry records outputs: `.content` for one item, `.0.content` for many. */
const MCP_TOOL_RESULT_CONTENT = 'mcp.tool.result.content';
const MCP_TOOL_RESULT_FIRST_CONTENT = 'mcp.tool.result.0.content';
const SENTRY_ORIGIN = 'sentry.origin';
const SENTRY_MCP_ORIGINS: ReadonlySet<string> = new Set([
  'auto.function.mcp_server',
  'auto.mcp.notification',
]);
// OpenLLMetry (@traceloop/ai-semantic-conventions, opentelemetry-semantic-conventions-ai).
const TRACELOOP_ENTITY_NAME = 'traceloop.entity.name';
const TRACELOOP_ENTITY_INPUT = 'traceloop.entity.input';
const TRACELOOP_WORKFLOW_NAME = 'traceloop.workflow.name';
/** Tracer names of traceloop's MCP instrumentations: JS, Python (module of the tracer), older Python. */
const TRACELOOP_MCP_SCOPES: ReadonlySet<string> = new Set([
  '@traceloop/instrumentation-mcp',
  'opentelemetry.instrumentation.mcp.instrumentation',
  'opentelemetry.instrumentation.mcp',
]);
// OpenInference (openinference-semantic-conventions).
const OPENINFERENCE_SPAN_KIND = 'openinference.span.kind';
const OPENINFERENCE_TOOL_NAME = 'tool.name';
const OPENINFERENCE_KIND_TOOL = 'TOOL';
/** Span name of OpenAI Agents' MCPListToolsSpanData (its `type`), as OpenInference exports it. */
const OPENINFERENCE_MCP_LIST_TOOLS = 'mcp_tools';
// Semantic-convention drafts and the JSON-RPC flavour of the older RPC conventions.
const RPC_METHOD = 'rpc.method';
const RPC_JSONRPC_REQUEST_ID = 'rpc.jsonrpc.request_id';
const RPC_JSONRPC_ERROR_CODE = 'rpc.jsonrpc.error_code';

/**
 * An MCP method name: the lifecycle requests and the method families of the specification. Other
 * JSON-RPC users (`rpc.method` of an Ethereum client, a span named `x.mcp`) do not match.
 */
const MCP_METHOD =
  /^(?:initialize|ping|(?:tools|prompts|resources|completion|logging|sampling|elicitation|roots|notifications|tasks|server|subscriptions)\/[A-Za-z_/]+)$/;

/** Requests a server sends to its client (their spans in a server process are the server's layer). */
const SERVER_INITIATED: ReadonlySet<string> = new Set([
  'sampling/createMessage',
  'elicitation/create',
  'roots/list',
]);

/** `McpError.message` of the MCP TypeScript SDK: `MCP error <code>: <message>`. */
const MCP_ERROR_MESSAGE = /^MCP error (-?\d+):/;
/** Codes the MCP SDK raises locally without a response (connection closed, request timeout). */
const LOCAL_CODES: ReadonlySet<number> = new Set([-32000, -32001]);

// Transport classes of the MCP SDKs (what Sentry's `mcp.transport` holds) → `mcpscope.transport.kind`.
const TRANSPORT_KINDS: ReadonlyMap<string, string> = new Map([
  ['StdioServerTransport', TRANSPORT_KIND_STDIO],
  ['StreamableHTTPServerTransport', TRANSPORT_KIND_STREAMABLE_HTTP],
  ['WebStandardStreamableHTTPServerTransport', TRANSPORT_KIND_STREAMABLE_HTTP],
  ['NodeStreamableHTTPServerTransport', TRANSPORT_KIND_STREAMABLE_HTTP],
  ['SSEServerTransport', TRANSPORT_KIND_SSE],
  ['InMemoryTransport', TRANSPORT_KIND_IN_MEMORY],
]);

/** What the rows read of one span. */
export interface DialectSpan {
  readonly row: SpanRow;
  /** The span's attributes: as sent, plus what earlier rows added. */
  readonly attrs: Record<string, string>;
  /** The outcome the last group of outcome rows decided (null: none), and which group that was. */
  outcome?: FailureOutcome | null;
  outcomeOf?: OutcomeRule;
}

/** One row of the mapping table. */
export interface DialectRow {
  dialect: Dialect;
  /** An attribute key, or a field of the span in parentheses: `(span name)`, `(span kind)`, … */
  source: string;
  canonical: string;
  /** The transform in words (as in the table above). */
  transform: string;
  /**
   * The canonical value, or undefined when the row has nothing to add. `value` is the source
   * attribute's value; rows whose source is a span field get undefined and read the span.
   */
  map: (value: string | undefined, span: DialectSpan) => string | undefined;
}

/** How a dialect's data decides a failure's outcome (by the SDK's rules), or undefined if it cannot. */
type OutcomeRule = (value: string | undefined, span: DialectSpan) => FailureOutcome | undefined;

const asSent = (value: string | undefined): string | undefined => value;
/** A row that copies the source attribute's value as sent. */
const copy = (dialect: Dialect, source: string, canonical: string, transform = 'as sent'): DialectRow => ({
  dialect,
  source,
  canonical,
  transform,
  map: asSent,
});
const method = (s: DialectSpan): string | undefined => s.attrs[ATTR_MCP_METHOD_NAME];

const OUTCOME_FIELDS: Readonly<Record<string, (o: FailureOutcome) => string | undefined>> = {
  [ATTR_ERROR_TYPE]: (o) => o.errorType,
  [ATTR_MCPSCOPE_FAULT]: (o) => o.fault,
  [ATTR_RPC_RESPONSE_STATUS_CODE]: (o) => o.rpcStatusCode,
};

/**
 * Rows for the fields of one outcome (`error.type`, `mcpscope.fault`, …): the rule runs once per span
 * for the group, whichever of its rows asks first.
 */
function outcomeRows(
  dialect: Dialect,
  source: string,
  transform: string,
  rule: OutcomeRule,
  canonicals: readonly string[] = [ATTR_ERROR_TYPE, ATTR_MCPSCOPE_FAULT],
): DialectRow[] {
  return canonicals.map((canonical) => {
    const pick = OUTCOME_FIELDS[canonical]!;
    return {
      dialect,
      source,
      canonical,
      transform,
      map: (value, s) => {
        if (s.outcomeOf !== rule) {
          s.outcome = rule(value, s) ?? null;
          s.outcomeOf = rule;
        }
        return s.outcome ? pick(s.outcome) : undefined;
      },
    };
  });
}

/** The first text content of a result the span recorded, as the SDK's outcome rules take it. */
function textResult(text: string | undefined): unknown {
  return text === undefined ? undefined : { content: [{ type: 'text', text }] };
}

/** Parses a JSON object, or undefined. */
function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function jsonField(text: string | undefined, field: string): string | undefined {
  if (text === undefined) return undefined;
  const v = jsonObject(text)?.[field];
  return typeof v === 'string' ? v : undefined;
}

function hasExceptionEvent(row: SpanRow): boolean {
  return row['Events.Name'].includes('exception');
}

const FASTMCP_SERVER_SUFFIX = '.mcp';

/** The server name in a traceloop FastMCP workflow name (`<server>.mcp`), or undefined. */
function fastMcpServer(workflow: string | undefined): string | undefined {
  return workflow !== undefined && workflow.endsWith(FASTMCP_SERVER_SUFFIX) && workflow.length > 4
    ? workflow.slice(0, -FASTMCP_SERVER_SUFFIX.length)
    : undefined;
}

function traceloopLayer(s: DialectSpan): string | undefined {
  const m = method(s);
  if (m === undefined) return undefined;
  const { row } = s;
  if (row.SpanKind === 'Server') return LAYER_SERVER;
  if (row.SpanKind === 'Client') return LAYER_CLIENT;
  // Python spans are INTERNAL: FastMCP's server-side tool spans carry the server's workflow name, and
  // a session sends the server-initiated requests only from the server.
  if (fastMcpServer(s.attrs[TRACELOOP_WORKFLOW_NAME]) !== undefined || SERVER_INITIATED.has(m))
    return LAYER_SERVER;
  return LAYER_CLIENT;
}

/**
 * What a traceloop span's status says, by the SDK's rules: an ERROR tools/call without an exception
 * event is an `isError` result (its message is the result's first text); an exception that is an
 * McpError carries its JSON-RPC code in the message. Anything else says too little to attribute.
 */
function traceloopOutcome(s: DialectSpan): FailureOutcome | undefined {
  const { row } = s;
  const m = method(s);
  if (row.StatusCode !== 'Error' || m === undefined) return undefined;
  const receiving = s.attrs[ATTR_MCPSCOPE_LAYER] === LAYER_SERVER && !SERVER_INITIATED.has(m);
  if (receiving) {
    // FastMCP's tool span: the tool raised (FastMCP answers with an isError result).
    return m === 'tools/call' ? toolResultErrorOutcome(textResult(row.StatusMessage), true) : undefined;
  }
  if (!hasExceptionEvent(row))
    return m === 'tools/call' ? toolErrorTextOutcome(row.StatusMessage) : undefined;
  const code = MCP_ERROR_MESSAGE.exec(row.StatusMessage)?.[1];
  if (code === undefined) return undefined;
  const error = Object.assign(new Error(row.StatusMessage), { code: Number(code) });
  return classifySenderFailure(error, {
    method: m,
    answerer: SERVER_INITIATED.has(m) ? 'client' : 'server',
    aborted: false,
    wire: LOCAL_CODES.has(Number(code)) ? 'none' : 'error',
    sent: true,
    hadSession: false,
    peerIsChild: false,
    closedLocally: false,
  });
}

function sentryOutcome(isError: string | undefined, s: DialectSpan): FailureOutcome | undefined {
  if (isError !== 'true') return undefined;
  const text = s.attrs[MCP_TOOL_RESULT_CONTENT] ?? s.attrs[MCP_TOOL_RESULT_FIRST_CONTENT];
  return toolResultErrorOutcome(textResult(text), true);
}

function draftOutcome(code: string | undefined, s: DialectSpan): FailureOutcome | undefined {
  if (code === undefined || !/^-?\d+$/.test(code)) return undefined;
  return jsonRpcErrorOutcome(Number(code), s.row.SpanKind === 'Server');
}

function traceloopMethod(name: string): string | undefined {
  if (name.endsWith('.tool') && name.length > 5) return 'tools/call';
  if (name.endsWith('.mcp')) {
    const m = name.slice(0, -4);
    return MCP_METHOD.test(m) ? m : undefined;
  }
  return undefined;
}

/** The mapping table (see the module comment); rows of one dialect apply in this order. */
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

/** A row as applied: `key` is the source attribute, undefined for a span-field source. */
interface AppliedRow {
  canonical: string;
  key: string | undefined;
  map: DialectRow['map'];
}

const ROWS_BY_DIALECT: ReadonlyMap<Dialect, readonly AppliedRow[]> = new Map(
  DIALECTS.map((d) => [
    d,
    DIALECT_TABLE.filter((r) => r.dialect === d).map((r) => ({
      canonical: r.canonical,
      key: r.source.startsWith('(') ? undefined : r.source,
      map: r.map,
    })),
  ]),
);

/**
 * The dialect a span speaks, or undefined for a span to leave alone: mcpscope's own (it has
 * `mcpscope.layer`: one lookup, the common case) and spans of no MCP instrumentation.
 */
export function detectDialect(row: SpanRow): Dialect | undefined {
  const a = row.SpanAttributes;
  if (a[ATTR_MCPSCOPE_LAYER] !== undefined) return undefined;
  if (TRACELOOP_MCP_SCOPES.has(row.ScopeName)) return 'traceloop';
  // Named lookups, not a loop over a list of keys: a keyed load in a loop is megamorphic and cost a
  // span without any of these keys ~90 ns; these cost ~5 ns (measured on the ingest benchmark's HTTP
  // spans, test/bench/dialects.bench.ts).
  const origin = a[SENTRY_ORIGIN];
  if ((origin !== undefined && SENTRY_MCP_ORIGINS.has(origin)) || a[MCP_TRANSPORT] !== undefined)
    return 'sentry';
  if (a[OPENINFERENCE_SPAN_KIND] !== undefined) return 'openinference';
  if (
    a[MCP_TOOL_NAME] !== undefined ||
    a[MCP_PROMPT_NAME] !== undefined ||
    a[MCP_REQUEST_ID] !== undefined ||
    a[MCP_SERVER_NAME] !== undefined ||
    a[RPC_JSONRPC_REQUEST_ID] !== undefined ||
    a[RPC_JSONRPC_ERROR_CODE] !== undefined ||
    a[RPC_METHOD] !== undefined
  )
    return 'otel-draft';
  return undefined;
}

/**
 * Adds the canonical MCP attributes a span lacks from its dialect's names (see the table above), and
 * `mcpscope.dialect` when it added any. Returns how many attributes it added. Never removes or changes
 * an attribute the sender set.
 */
export function normalizeSpan(row: SpanRow): number {
  const dialect = detectDialect(row);
  if (dialect === undefined) return 0;
  let attrs = row.SpanAttributes;
  // Decoders may share one frozen empty map between spans without attributes.
  if (Object.isFrozen(attrs)) row.SpanAttributes = attrs = { ...attrs };
  const span: DialectSpan = { row, attrs };
  let added = 0;
  for (const r of ROWS_BY_DIALECT.get(dialect)!) {
    if (attrs[r.canonical] !== undefined) continue;
    const value = r.key === undefined ? undefined : attrs[r.key];
    if (r.key !== undefined && value === undefined) continue;
    const mapped = r.map(value, span);
    if (mapped === undefined || mapped === '') continue;
    attrs[r.canonical] = mapped;
    added++;
  }
  if (added > 0 && attrs[ATTR_MCPSCOPE_DIALECT] === undefined) {
    attrs[ATTR_MCPSCOPE_DIALECT] = dialect;
    added++;
  }
  return added;
}

/**
 * {@link normalizeSpan} for each row of a decoded request; returns the approximate bytes added (for
 * the queue's accounting).
 */
export function normalizeDialects(rows: SpanRow[]): number {
  let bytes = 0;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    // The common case, inlined: mcpscope's own spans need nothing.
    if (row.SpanAttributes[ATTR_MCPSCOPE_LAYER] !== undefined) continue;
    if (normalizeSpan(row) > 0) bytes += ADDED_BYTES_ESTIMATE;
  }
  return bytes;
}

/** A few canonical keys and values: what a normalised span grows by, roughly. */
const ADDED_BYTES_ESTIMATE = 160;
