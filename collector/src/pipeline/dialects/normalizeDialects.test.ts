import { describe, expect, it } from 'vitest';
import { hexId, span, toolCall, type SpanInit } from '../../storage/fixtures.js';
import type { SpanRow } from '../../storage/rows.js';
import { DIALECT_TABLE, detectDialect, normalizeDialects, normalizeSpan } from './normalizeDialects.js';

// Spans in each library's own names, as its source sets them (see the module comment for where each
// name comes from); the real libraries' spans go through the same code in
// test/integration/dialects.test.ts.

const TRACELOOP_JS = '@traceloop/instrumentation-mcp';
const TRACELOOP_PY = 'opentelemetry.instrumentation.mcp.instrumentation';

type ForeignInit = Partial<SpanInit> & { scope?: string };

function foreign(init: ForeignInit): SpanRow {
  const row = span({
    traceId: hexId(16),
    name: 'span',
    service: 'svc',
    startMs: 1_700_000_000_000,
    durationMs: 3,
    ...init,
  });
  row.ScopeName = init.scope ?? 'some-instrumentation';
  return row;
}

/** A Sentry MCP server span (`wrapMcpServerWithSentry`) for a request. */
function sentry(attributes: Record<string, string>, init: Partial<SpanInit> = {}): SpanRow {
  return foreign({
    name: 'tools/call add',
    service: 'math-service',
    scope: '@sentry/node',
    attributes: {
      'mcp.method.name': 'tools/call',
      'mcp.transport': 'StdioServerTransport',
      'network.transport': 'pipe',
      'sentry.op': 'mcp.server',
      'sentry.origin': 'auto.function.mcp_server',
      'sentry.source': 'route',
      ...attributes,
    },
    ...init,
  });
}

function traceloop(name: string, attributes: Record<string, string> = {}, init: ForeignInit = {}): SpanRow {
  return foreign({ name, kind: 'Client', scope: TRACELOOP_JS, attributes, ...init });
}

function openinference(name: string, attributes: Record<string, string>): SpanRow {
  return foreign({
    name,
    scope: 'openinference.instrumentation.openai_agents',
    attributes: { 'openinference.span.kind': 'TOOL', ...attributes },
  });
}

function draft(attributes: Record<string, string>, kind: SpanRow['SpanKind'] = 'Client'): SpanRow {
  return foreign({
    name: 'tools/call add',
    kind,
    attributes: { 'mcp.method.name': 'tools/call', ...attributes },
  });
}

interface RowCase {
  /** `dialect source → canonical` of the table row this case shows. */
  row: string;
  span: () => SpanRow;
  expected: string;
}

const CASES: RowCase[] = [
  // ── Sentry ──
  {
    row: 'sentry mcp.tool.name → gen_ai.tool.name',
    span: () => sentry({ 'mcp.tool.name': 'add' }),
    expected: 'add',
  },
  {
    row: 'sentry mcp.prompt.name → gen_ai.prompt.name',
    span: () => sentry({ 'mcp.method.name': 'prompts/get', 'mcp.prompt.name': 'greet' }),
    expected: 'greet',
  },
  {
    row: 'sentry mcp.request.id → jsonrpc.request.id',
    span: () => sentry({ 'mcp.request.id': '7' }),
    expected: '7',
  },
  {
    row: 'sentry mcp.server.name → mcpscope.server.name',
    span: () => sentry({ 'mcp.server.name': 'math' }),
    expected: 'math',
  },
  { row: 'sentry (service name) → mcpscope.server.name', span: () => sentry({}), expected: 'math-service' },
  {
    row: 'sentry mcp.server.version → mcpscope.server.version',
    span: () => sentry({ 'mcp.server.version': '1.2.0' }),
    expected: '1.2.0',
  },
  {
    row: 'sentry mcp.client.name → mcpscope.client.name',
    span: () => sentry({ 'mcp.client.name': 'agent' }),
    expected: 'agent',
  },
  {
    row: 'sentry mcp.client.version → mcpscope.client.version',
    span: () => sentry({ 'mcp.client.version': '0.9.0' }),
    expected: '0.9.0',
  },
  { row: 'sentry mcp.transport → mcpscope.transport.kind', span: () => sentry({}), expected: 'stdio' },
  { row: 'sentry mcp.method.name → mcpscope.layer', span: () => sentry({}), expected: 'server' },
  {
    row: 'sentry mcp.tool.result.is_error → error.type',
    span: () => sentry({ 'mcp.tool.result.is_error': 'true', 'mcp.tool.result.content_count': '1' }),
    expected: 'tool_error',
  },
  {
    row: 'sentry mcp.tool.result.is_error → mcpscope.fault',
    span: () => sentry({ 'mcp.tool.result.is_error': 'true' }),
    expected: 'tool',
  },
  {
    row: 'sentry (status) → error.type',
    span: () => sentry({}, { status: 'Error', statusMessage: 'cancelled' }),
    expected: 'connection_closed',
  },
  {
    row: 'sentry (status) → mcpscope.fault',
    span: () => sentry({}, { status: 'Error', statusMessage: 'cancelled' }),
    expected: 'transport',
  },

  // ── traceloop ──
  {
    row: 'traceloop (span name) → mcp.method.name',
    span: () => traceloop('tools/list.mcp'),
    expected: 'tools/list',
  },
  {
    row: 'traceloop traceloop.entity.name → gen_ai.tool.name',
    span: () => traceloop('add.tool', { 'traceloop.span.kind': 'tool', 'traceloop.entity.name': 'add' }),
    expected: 'add',
  },
  {
    row: 'traceloop traceloop.entity.input → gen_ai.prompt.name',
    span: () => traceloop('prompts/get.mcp', { 'traceloop.entity.input': '{"name":"greet","arguments":{}}' }),
    expected: 'greet',
  },
  {
    row: 'traceloop traceloop.entity.input → mcp.resource.uri',
    span: () => traceloop('resources/read.mcp', { 'traceloop.entity.input': '{"uri":"file:///a.txt"}' }),
    expected: 'file:///a.txt',
  },
  {
    row: 'traceloop traceloop.workflow.name → mcpscope.server.name',
    span: () =>
      traceloop(
        'add.tool',
        { 'traceloop.entity.name': 'add', 'traceloop.workflow.name': 'calc-server.mcp' },
        { kind: 'Internal', scope: TRACELOOP_PY },
      ),
    expected: 'calc-server',
  },
  {
    row: 'traceloop mcp.request.id → jsonrpc.request.id',
    span: () =>
      traceloop('ResponseStreamWriter', { 'mcp.request.id': '3' }, { kind: 'Internal', scope: TRACELOOP_PY }),
    expected: '3',
  },
  {
    row: 'traceloop (span kind) → mcpscope.layer',
    span: () => traceloop('sampling/createMessage.mcp', {}, { kind: 'Server' }),
    expected: 'server',
  },
  {
    row: 'traceloop (status) → error.type',
    span: () =>
      traceloop(
        'add.tool',
        { 'traceloop.entity.name': 'add' },
        { status: 'Error', statusMessage: 'division by zero' },
      ),
    expected: 'tool_error',
  },
  {
    row: 'traceloop (status) → mcpscope.fault',
    span: () =>
      traceloop(
        'add.tool',
        { 'traceloop.entity.name': 'add' },
        { status: 'Error', statusMessage: 'division by zero' },
      ),
    expected: 'tool',
  },
  {
    row: 'traceloop (status) → rpc.response.status_code',
    span: () =>
      traceloop(
        'tools/list.mcp',
        {},
        {
          status: 'Error',
          statusMessage: 'MCP error -32601: Method not found',
          events: [{ timeMs: 1_700_000_000_001, name: 'exception' }],
        },
      ),
    expected: '-32601',
  },

  // ── OpenInference ──
  {
    row: 'openinference openinference.span.kind → mcp.method.name',
    span: () => openinference('mcp_tools', { 'output.value': '["add","sub"]' }),
    expected: 'tools/list',
  },
  {
    row: 'openinference tool.name → gen_ai.tool.name',
    span: () => openinference('add', { 'tool.name': 'add', 'input.value': '{"a":1,"b":2}' }),
    expected: 'add',
  },
  {
    row: 'openinference openinference.span.kind → mcpscope.layer',
    span: () => openinference('add', { 'tool.name': 'add' }),
    expected: 'client',
  },

  // ── semantic-convention drafts ──
  {
    row: 'otel-draft rpc.method → mcp.method.name',
    span: () =>
      foreign({ kind: 'Client', attributes: { 'rpc.system': 'jsonrpc', 'rpc.method': 'tools/call' } }),
    expected: 'tools/call',
  },
  {
    row: 'otel-draft mcp.tool.name → gen_ai.tool.name',
    span: () => draft({ 'mcp.tool.name': 'add' }),
    expected: 'add',
  },
  {
    row: 'otel-draft mcp.prompt.name → gen_ai.prompt.name',
    span: () => draft({ 'mcp.method.name': 'prompts/get', 'mcp.prompt.name': 'greet' }),
    expected: 'greet',
  },
  {
    row: 'otel-draft mcp.request.id → jsonrpc.request.id',
    span: () => draft({ 'mcp.request.id': '9' }),
    expected: '9',
  },
  {
    row: 'otel-draft rpc.jsonrpc.request_id → jsonrpc.request.id',
    span: () => draft({ 'rpc.jsonrpc.request_id': '11' }),
    expected: '11',
  },
  {
    row: 'otel-draft mcp.server.name → mcpscope.server.name',
    span: () => draft({ 'mcp.server.name': 'math' }),
    expected: 'math',
  },
  {
    row: 'otel-draft mcp.server.version → mcpscope.server.version',
    span: () => draft({ 'mcp.server.name': 'math', 'mcp.server.version': '2.0.0' }),
    expected: '2.0.0',
  },
  {
    row: 'otel-draft (span kind) → mcpscope.layer',
    span: () => draft({ 'mcp.tool.name': 'add' }, 'Server'),
    expected: 'server',
  },
  {
    row: 'otel-draft rpc.jsonrpc.error_code → error.type',
    span: () => draft({ 'rpc.jsonrpc.error_code': '-32603' }),
    expected: '-32603',
  },
  {
    row: 'otel-draft rpc.jsonrpc.error_code → mcpscope.fault',
    span: () => draft({ 'rpc.jsonrpc.error_code': '-32602' }, 'Server'),
    expected: 'caller',
  },
  {
    row: 'otel-draft rpc.jsonrpc.error_code → rpc.response.status_code',
    span: () => draft({ 'rpc.jsonrpc.error_code': '-32603' }),
    expected: '-32603',
  },
];

const rowKey = (r: { dialect: string; source: string; canonical: string }) =>
  `${r.dialect} ${r.source} → ${r.canonical}`;
const canonicalOf = (key: string) => key.slice(key.indexOf('→ ') + 2);

describe('the dialect table', () => {
  it('has a case for every row, and every case names a row', () => {
    expect(CASES.map((c) => c.row).sort()).toEqual(DIALECT_TABLE.map(rowKey).sort());
  });

  it.each(CASES)('$row', ({ row: key, span: make, expected }) => {
    const row = make();
    const sent = { ...row.SpanAttributes };
    expect(normalizeSpan(row)).toBeGreaterThan(0);
    expect(row.SpanAttributes[canonicalOf(key)]).toBe(expected);
    expect(row.SpanAttributes['mcpscope.dialect']).toBe(key.split(' ')[0]);
    // Everything sent is still there, unchanged.
    expect(row.SpanAttributes).toMatchObject(sent);
  });
});

describe('normalizeSpan', () => {
  it('maps a whole Sentry tools/call span onto the columns the views read', () => {
    const row = sentry({
      'mcp.tool.name': 'divide',
      'mcp.request.id': '4',
      'mcp.session.id': 'c0ffee',
      'mcp.server.name': 'math',
      'mcp.server.version': '1.0.0',
      'mcp.client.name': 'agent',
      'mcp.client.version': '2.0.0',
      'mcp.tool.result.is_error': 'true',
      'mcp.tool.result.content': 'MCP error -32602: Invalid arguments for tool divide',
    });
    normalizeSpan(row);
    expect(row.SpanAttributes).toMatchObject({
      'gen_ai.tool.name': 'divide',
      'jsonrpc.request.id': '4',
      'mcp.session.id': 'c0ffee',
      'mcpscope.server.name': 'math',
      'mcpscope.server.version': '1.0.0',
      'mcpscope.client.name': 'agent',
      'mcpscope.client.version': '2.0.0',
      'mcpscope.transport.kind': 'stdio',
      'mcpscope.layer': 'server',
      // McpServer's wrapped invalid-params error: the caller's, as the SDK's rule says on the receiving side.
      'error.type': '-32602',
      'mcpscope.fault': 'caller',
      'mcpscope.dialect': 'sentry',
    });
  });

  it('never overwrites a canonical attribute the sender set', () => {
    const row = sentry({
      'mcp.tool.name': 'add',
      'gen_ai.tool.name': 'add_v2',
      'mcp.server.name': 'math',
      'mcpscope.server.name': 'calculator',
      'mcp.tool.result.is_error': 'true',
      'error.type': 'custom',
      'mcpscope.dialect': 'mine',
    });
    const sent = { ...row.SpanAttributes };
    normalizeSpan(row);
    expect(row.SpanAttributes).toMatchObject(sent);
    expect(row.SpanAttributes['gen_ai.tool.name']).toBe('add_v2');
    expect(row.SpanAttributes['mcpscope.server.name']).toBe('calculator');
    expect(row.SpanAttributes['error.type']).toBe('custom');
    expect(row.SpanAttributes['mcpscope.dialect']).toBe('mine');
    // What the sender did not set is still added.
    expect(row.SpanAttributes['mcpscope.fault']).toBe('tool');
  });

  it('keeps error.type as the Python instrumentation sent it and adds the fault its text implies', () => {
    const row = traceloop(
      'divide.tool',
      { 'traceloop.span.kind': 'tool', 'traceloop.entity.name': 'divide', 'error.type': 'tool_error' },
      { kind: 'Internal', scope: TRACELOOP_PY, status: 'Error', statusMessage: 'cannot divide by zero' },
    );
    normalizeSpan(row);
    expect(row.SpanAttributes).toMatchObject({
      'error.type': 'tool_error',
      'mcpscope.fault': 'tool',
      'mcp.method.name': 'tools/call',
      'mcpscope.layer': 'client',
    });
  });

  it('attributes a traceloop client timeout to the server, as the SDK does', () => {
    const row = traceloop(
      'slow.tool',
      { 'traceloop.entity.name': 'slow' },
      {
        status: 'Error',
        statusMessage: 'MCP error -32001: Request timed out',
        events: [{ timeMs: 1_700_000_000_001, name: 'exception' }],
      },
    );
    normalizeSpan(row);
    expect(row.SpanAttributes['error.type']).toBe('timeout');
    expect(row.SpanAttributes['mcpscope.fault']).toBe('server');
  });

  it('reads a FastMCP server tool span as the server layer and its failure as the tool', () => {
    const row = traceloop(
      'divide.tool',
      {
        'traceloop.entity.name': 'divide',
        'traceloop.workflow.name': 'calc.mcp',
        'error.type': 'ZeroDivisionError',
      },
      { kind: 'Internal', scope: TRACELOOP_PY, status: 'Error', statusMessage: 'division by zero' },
    );
    normalizeSpan(row);
    expect(row.SpanAttributes).toMatchObject({
      'mcpscope.layer': 'server',
      'mcpscope.server.name': 'calc',
      'error.type': 'ZeroDivisionError',
      'mcpscope.fault': 'tool',
    });
  });

  it('leaves an exception it cannot attribute without a fault', () => {
    const row = traceloop(
      'add.tool',
      { 'traceloop.entity.name': 'add' },
      {
        status: 'Error',
        statusMessage: 'fetch failed',
        events: [{ timeMs: 1_700_000_000_001, name: 'exception' }],
      },
    );
    normalizeSpan(row);
    expect(row.SpanAttributes['mcp.method.name']).toBe('tools/call');
    expect(row.SpanAttributes['mcpscope.fault']).toBeUndefined();
    expect(row.SpanAttributes['error.type']).toBeUndefined();
  });

  it("gives traceloop's session span no method (it is not a request)", () => {
    const row = traceloop('mcp.client.session', {
      'traceloop.span.kind': 'session',
      'traceloop.entity.name': 'mcp.client.session',
    });
    const sent = { ...row.SpanAttributes };
    expect(normalizeSpan(row)).toBe(0);
    expect(row.SpanAttributes).toEqual(sent);
  });

  it("reads only traceloop's MCP tracers: the traceloop SDK's own <name>.tool spans are local functions", () => {
    const row = foreign({
      name: 'search.tool',
      scope: 'traceloop.tracer',
      attributes: { 'traceloop.span.kind': 'tool', 'traceloop.entity.name': 'search' },
    });
    expect(detectDialect(row)).toBeUndefined();
    expect(normalizeSpan(row)).toBe(0);
  });

  it('copies a frozen shared attribute map instead of writing into it', () => {
    const shared = Object.freeze({}) as Record<string, string>;
    const row = traceloop('tools/list.mcp');
    row.SpanAttributes = shared;
    normalizeSpan(row);
    expect(shared).toEqual({});
    expect(row.SpanAttributes['mcp.method.name']).toBe('tools/list');
  });

  it('leaves JSON-RPC that is not MCP alone', () => {
    const row = foreign({
      kind: 'Client',
      attributes: { 'rpc.system': 'jsonrpc', 'rpc.method': 'eth_getBalance' },
    });
    expect(normalizeSpan(row)).toBe(0);
    expect(row.SpanAttributes['mcp.method.name']).toBeUndefined();
  });
});

describe('normalizeDialects', () => {
  it("leaves mcpscope's own spans and spans of no MCP instrumentation exactly as they were", () => {
    const rows = [
      ...toolCall({
        traceId: hexId(16),
        agent: 'agent',
        server: 'weather',
        tool: 'get_weather',
        startMs: 1_700_000_000_000,
        durationMs: 12,
        error: { type: 'tool_error', fault: 'tool', message: 'no such city' },
      }),
      foreign({ name: 'GET /inventory', kind: 'Client', attributes: { 'http.request.method': 'GET' } }),
    ];
    const before = structuredClone(rows);
    expect(normalizeDialects(rows)).toBe(0);
    expect(rows).toEqual(before);
  });

  it('normalises the foreign spans of a mixed request and counts what they grew by', () => {
    const rows = [
      traceloop('add.tool', { 'traceloop.entity.name': 'add' }),
      sentry({ 'mcp.tool.name': 'add' }),
    ];
    expect(normalizeDialects(rows)).toBeGreaterThan(0);
    expect(rows.map((r) => r.SpanAttributes['mcpscope.dialect'])).toEqual(['traceloop', 'sentry']);
    expect(rows.map((r) => r.SpanAttributes['gen_ai.tool.name'])).toEqual(['add', 'add']);
  });
});
