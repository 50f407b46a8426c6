import {
  classifySenderFailure,
  jsonRpcErrorOutcome,
  toolErrorTextOutcome,
  toolResultErrorOutcome,
  type FailureOutcome,
} from '@mcpscope/sdk/outcome';
import { ATTR_MCPSCOPE_LAYER, LAYER_CLIENT, LAYER_SERVER } from '@mcpscope/sdk/semconv';
import type { SpanRow } from '../../storage/rows.js';
import {
  MCP_TOOL_RESULT_CONTENT,
  MCP_TOOL_RESULT_FIRST_CONTENT,
  TRACELOOP_WORKFLOW_NAME,
  MCP_METHOD,
  SERVER_INITIATED,
  MCP_ERROR_MESSAGE,
  LOCAL_CODES,
} from './foreignNames.js';
import { method, type DialectSpan } from './dialectRows.js';

// How the dialect rows read what other instrumentations recorded: span names, JSON inputs and results,
// and which of the SDK's outcome rules applies (never a second copy of them).

export function textResult(text: string | undefined): unknown {
  return text === undefined ? undefined : { content: [{ type: 'text', text }] };
}

/** Parses a JSON object, or undefined. */
export function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function jsonField(text: string | undefined, field: string): string | undefined {
  if (text === undefined) return undefined;
  const v = jsonObject(text)?.[field];
  return typeof v === 'string' ? v : undefined;
}

export function hasExceptionEvent(row: SpanRow): boolean {
  return row['Events.Name'].includes('exception');
}

export const FASTMCP_SERVER_SUFFIX = '.mcp';

/** The server name in a traceloop FastMCP workflow name (`<server>.mcp`), or undefined. */
export function fastMcpServer(workflow: string | undefined): string | undefined {
  return workflow !== undefined && workflow.endsWith(FASTMCP_SERVER_SUFFIX) && workflow.length > 4
    ? workflow.slice(0, -FASTMCP_SERVER_SUFFIX.length)
    : undefined;
}

export function traceloopLayer(s: DialectSpan): string | undefined {
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
export function traceloopOutcome(s: DialectSpan): FailureOutcome | undefined {
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

export function sentryOutcome(isError: string | undefined, s: DialectSpan): FailureOutcome | undefined {
  if (isError !== 'true') return undefined;
  const text = s.attrs[MCP_TOOL_RESULT_CONTENT] ?? s.attrs[MCP_TOOL_RESULT_FIRST_CONTENT];
  return toolResultErrorOutcome(textResult(text), true);
}

export function draftOutcome(code: string | undefined, s: DialectSpan): FailureOutcome | undefined {
  if (code === undefined || !/^-?\d+$/.test(code)) return undefined;
  return jsonRpcErrorOutcome(Number(code), s.row.SpanKind === 'Server');
}

export function traceloopMethod(name: string): string | undefined {
  if (name.endsWith('.tool') && name.length > 5) return 'tools/call';
  if (name.endsWith('.mcp')) {
    const m = name.slice(0, -4);
    return MCP_METHOD.test(m) ? m : undefined;
  }
  return undefined;
}

/** The mapping table (see the module comment); rows of one dialect apply in this order. */
