/**
 * Realistic MCP span rows for tests and the storage measurement script: what the SDK emits for one
 * tools/call across the client, transport and server layers, and for tools/list. Deterministic given
 * the inputs (ids come from a counter-seeded generator), so tests can state exact expectations.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '@mcpscope/sdk/canonical-json';
import type { SpanRow, StatusCodeName } from './rows.js';

let counter = 0;

/** Random-looking but reproducible hex ids. */
export function hexId(bytes: 8 | 16, seed: string = String(++counter)): string {
  return createHash('sha256')
    .update(seed)
    .digest('hex')
    .slice(0, bytes * 2);
}

export function msToNs(ms: number): string {
  return (BigInt(Math.round(ms * 1000)) * 1000n).toString();
}

export interface SpanInit {
  traceId: string;
  spanId?: string;
  parentSpanId?: string;
  name: string;
  kind?: SpanRow['SpanKind'];
  service: string;
  startMs: number;
  durationMs: number;
  attributes?: Record<string, string>;
  status?: StatusCodeName;
  statusMessage?: string;
  events?: { timeMs: number; name: string; attributes?: Record<string, string> }[];
  links?: { traceId: string; spanId: string }[];
}

export function span(init: SpanInit): SpanRow {
  return {
    Timestamp: msToNs(init.startMs),
    TraceId: init.traceId,
    SpanId: init.spanId ?? hexId(8),
    ParentSpanId: init.parentSpanId ?? '',
    TraceState: '',
    SpanName: init.name,
    SpanKind: init.kind ?? 'Internal',
    ServiceName: init.service,
    ResourceAttributes: {
      'service.name': init.service,
      'telemetry.sdk.language': 'nodejs',
      'telemetry.sdk.name': 'opentelemetry',
    },
    ScopeName: '@mcpscope/sdk',
    ScopeVersion: '0.1.0',
    SpanAttributes: init.attributes ?? {},
    Duration: msToNs(init.durationMs),
    StatusCode: init.status ?? 'Unset',
    StatusMessage: init.statusMessage ?? '',
    'Events.Timestamp': (init.events ?? []).map((e) => msToNs(e.timeMs)),
    'Events.Name': (init.events ?? []).map((e) => e.name),
    'Events.Attributes': (init.events ?? []).map((e) => e.attributes ?? {}),
    'Links.TraceId': (init.links ?? []).map((l) => l.traceId),
    'Links.SpanId': (init.links ?? []).map((l) => l.spanId),
    'Links.TraceState': (init.links ?? []).map(() => ''),
    'Links.Attributes': (init.links ?? []).map(() => ({})),
  };
}

export interface ToolCallInit {
  traceId?: string;
  startMs: number;
  /** Server-side handler time; client time adds ~0.4 ms of transport. */
  durationMs: number;
  tool: string;
  server?: string;
  agent?: string;
  sessionId?: string;
  requestId?: number;
  /** Failure to simulate: a tool result with isError, a JSON-RPC error code, or a caller-fault code. */
  error?: { type: string; fault: string; message: string };
  arguments?: string;
  result?: string;
}

/** One tools/call as three spans: client → transport → server, with the SDK's attributes. */
export function toolCall(c: ToolCallInit): SpanRow[] {
  const traceId = c.traceId ?? hexId(16);
  const server = c.server ?? 'weather';
  const agent = c.agent ?? 'agent';
  const rid = String(c.requestId ?? 1);
  const session = c.sessionId ?? '';
  const common: Record<string, string> = {
    'mcp.method.name': 'tools/call',
    'gen_ai.tool.name': c.tool,
    'gen_ai.operation.name': 'execute_tool',
    'jsonrpc.request.id': rid,
    'mcp.protocol.version': '2025-06-18',
    'network.transport': 'pipe',
    'mcpscope.server.name': server,
    ...(session ? { 'mcp.session.id': session } : {}),
  };
  const callerFault = c.error?.fault === 'caller';
  const errAttrs: Record<string, string> = c.error
    ? {
        'error.type': c.error.type,
        ...(/^-\d+$/.test(c.error.type) ? { 'rpc.response.status_code': c.error.type } : {}),
      }
    : {};
  const clientId = hexId(8);
  const transportId = hexId(8);
  const serverId = hexId(8);
  const content: Record<string, string> = {
    ...(c.arguments !== undefined ? { 'gen_ai.tool.call.arguments': c.arguments } : {}),
    ...(c.result !== undefined ? { 'gen_ai.tool.call.result': c.result } : {}),
  };
  return [
    span({
      traceId,
      spanId: clientId,
      name: `tools/call ${c.tool}`,
      kind: 'Client',
      service: agent,
      startMs: c.startMs,
      durationMs: c.durationMs + 0.4,
      attributes: {
        ...common,
        ...errAttrs,
        ...content,
        'mcpscope.layer': 'client',
        'mcpscope.client.name': agent,
        'mcpscope.server.version': '1.0.0',
        'mcpscope.tool.annotations.readOnlyHint': 'true',
      },
      status: c.error ? 'Error' : 'Unset',
      statusMessage: c.error?.message ?? '',
    }),
    span({
      traceId,
      spanId: transportId,
      parentSpanId: clientId,
      name: 'stdio tools/call',
      kind: 'Internal',
      service: agent,
      startMs: c.startMs + 0.05,
      durationMs: c.durationMs + 0.3,
      attributes: {
        'mcp.method.name': 'tools/call',
        'mcpscope.layer': 'transport',
        'mcpscope.server.name': server,
        'network.transport': 'pipe',
        'mcpscope.transport.request_bytes': '187',
        'mcpscope.transport.response_bytes': '412',
      },
    }),
    span({
      traceId,
      spanId: serverId,
      parentSpanId: transportId,
      name: `tools/call ${c.tool}`,
      kind: 'Server',
      service: server,
      startMs: c.startMs + 0.2,
      durationMs: c.durationMs,
      attributes: {
        ...common,
        ...errAttrs,
        ...content,
        'mcpscope.layer': 'server',
        'mcpscope.server.version': '1.0.0',
        ...(c.error ? { 'mcpscope.fault': c.error.fault } : {}),
      },
      // Caller-fault codes do not mark the server span as an error (DESIGN.md "Errors").
      status: c.error && !callerFault ? 'Error' : 'Unset',
      statusMessage: c.error && !callerFault ? c.error.message : '',
    }),
  ];
}

export interface ToolDef {
  name: string;
  description: string;
  inputSchema?: unknown;
  annotations?: Record<string, unknown>;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface ToolsListInit {
  startMs: number;
  server?: string;
  serverVersion?: string;
  sessionId?: string;
  /** Client-side spans know where the server is. */
  serverAddress?: string;
  tools: ToolDef[];
  /** False: the span carries only the set fingerprint (the SDK saw this set before). Default true. */
  withDefinitions?: boolean;
}

/** A client-side tools/list span with the set fingerprint and, unless told otherwise, the definitions. */
export function toolsList(l: ToolsListInit): SpanRow {
  // As the SDK records them: each definition an object, fingerprinted over its canonical JSON.
  const defs = l.tools.map((t) => ({ name: t.name, fingerprint: sha256(canonicalJson(t)), definition: t }));
  const setFingerprint = sha256(canonicalJson(l.tools));
  const server = l.server ?? 'weather';
  return span({
    traceId: hexId(16),
    name: 'tools/list',
    kind: 'Client',
    service: 'agent',
    startMs: l.startMs,
    durationMs: 1.2,
    attributes: {
      'mcp.method.name': 'tools/list',
      'mcpscope.layer': 'client',
      'mcpscope.server.name': server,
      'mcpscope.server.version': l.serverVersion ?? '1.0.0',
      'mcpscope.tools.fingerprint': setFingerprint,
      'mcpscope.tools.count': String(l.tools.length),
      ...(l.sessionId ? { 'mcp.session.id': l.sessionId } : {}),
      ...(l.serverAddress
        ? {
            'server.address': l.serverAddress.split(':')[0] ?? '',
            'server.port': l.serverAddress.split(':')[1] ?? '',
          }
        : {}),
      ...(l.withDefinitions === false ? {} : { 'mcpscope.tools.definitions': JSON.stringify(defs) }),
    },
  });
}
