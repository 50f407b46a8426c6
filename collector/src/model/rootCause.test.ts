import { describe, expect, it } from 'vitest';
import { decideRootCauses, RULES, type RootCause, type VerdictSpan } from './rootCause.js';

// ── span builders: the attributes the SDK, the proxy and other instrumentations record ──────────────
let clock = 1_700_000_000_000_000_000n;

interface Opts {
  parent?: string;
  tool?: string;
  method?: string;
  errorType?: string;
  fault?: string;
  error?: boolean;
  message?: string;
  attrs?: Record<string, string>;
  service?: string;
}

function span(id: string, kind: string, attrs: Record<string, string>, o: Opts): VerdictSpan {
  clock += 1_000_000n;
  const a: Record<string, string> = { ...attrs, ...o.attrs };
  if (o.errorType !== undefined) a['error.type'] = o.errorType;
  if (o.fault !== undefined) a['mcpscope.fault'] = o.fault;
  return {
    spanId: id,
    parentSpanId: o.parent ?? '',
    name: attrs['mcp.method.name'] ? `${attrs['mcp.method.name']} ${o.tool ?? 'get_weather'}` : id,
    kind,
    service: o.service ?? (kind === 'Server' ? 'weather-server' : 'agent'),
    startTimeUnixNano: clock.toString(),
    durationNs: '5000000',
    statusCode: o.error ? 'Error' : 'Unset',
    statusMessage: o.message ?? '',
    attributes: a,
  };
}

function mcp(o: Opts, layer?: string): Record<string, string> {
  const a: Record<string, string> = {
    'mcp.method.name': o.method ?? 'tools/call',
    'gen_ai.tool.name': o.tool ?? 'get_weather',
  };
  if (layer) a['mcpscope.layer'] = layer;
  return a;
}

const client = (id: string, o: Opts = {}) => span(id, 'Client', mcp(o, 'client'), o);
// The SDK's transport span names the method only, not the tool.
const transport = (id: string, o: Opts = {}) =>
  span(id, 'Internal', { 'mcp.method.name': o.method ?? 'tools/call', 'mcpscope.layer': 'transport' }, o);
const server = (id: string, o: Opts = {}) =>
  span(id, 'Server', { ...mcp(o, 'server'), 'mcpscope.server.name': 'weather' }, o);
const proxy = (id: string, o: Opts = {}) =>
  span(id, 'Server', { ...mcp(o, 'server'), 'mcpscope.source': 'proxy' }, o);
const plain = (id: string, kind: string, o: Opts = {}) => span(id, kind, {}, o);
const foreign = (id: string, kind: string, o: Opts = {}) => span(id, kind, mcp(o), o);

/** A client → transport → server chain, each span's options given. */
function chain(c: Opts, t: Opts, s: Opts): VerdictSpan[] {
  return [client('c', c), transport('t', { ...t, parent: 'c' }), server('s', { ...s, parent: 't' })];
}

const invalidArgs = 'MCP error -32602: Input validation error: Invalid arguments for tool get_weather';

interface Row {
  name: string;
  spans: () => VerdictSpan[];
  expected: Pick<RootCause, 'layer' | 'spanId' | 'errorType' | 'rule'> & { message?: string };
}

const table: Row[] = [
  {
    name: 'tool isError seen on both sides → tool (the server span decides)',
    spans: () =>
      chain(
        { errorType: 'tool_error', fault: 'tool', error: true, message: 'card declined' },
        { errorType: 'tool_error' },
        { errorType: 'tool_error', fault: 'tool', error: true, message: 'card declined' },
      ),
    expected: {
      layer: 'tool',
      spanId: 's',
      errorType: 'tool_error',
      rule: 'deepest',
      message: 'card declined',
    },
  },
  {
    name: 'invalid arguments: the server refused (no ERROR status) → caller, message from the client',
    spans: () =>
      chain(
        { errorType: '-32602', fault: 'caller', error: true, message: invalidArgs },
        { errorType: '-32602' },
        { errorType: '-32602', fault: 'caller' },
      ),
    expected: { layer: 'caller', spanId: 's', errorType: '-32602', rule: 'deepest', message: invalidArgs },
  },
  {
    name: 'invalid arguments, a client that says tool: the server span is deeper → caller',
    spans: () =>
      chain(
        { errorType: 'tool_error', fault: 'tool', error: true, message: invalidArgs },
        { errorType: 'tool_error' },
        { errorType: 'tool_error', fault: 'caller' },
      ),
    expected: { layer: 'caller', spanId: 's', errorType: 'tool_error', rule: 'deepest' },
  },
  {
    name: 'McpServer-wrapped -32602 seen only by a client that says tool → caller',
    spans: () => [
      client('c', { errorType: 'tool_error', fault: 'tool', error: true, message: invalidArgs }),
      transport('t', { parent: 'c', errorType: 'tool_error' }),
    ],
    expected: { layer: 'caller', spanId: 'c', errorType: '-32602', rule: 'protocol_error_text' },
  },
  {
    name: 'unknown tool wrapped as isError, other instrumentation (no fault) → caller',
    spans: () => [
      foreign('c', 'Client', {
        errorType: 'tool_error',
        error: true,
        message: 'MCP error -32602: Tool nope not found',
      }),
    ],
    expected: { layer: 'caller', spanId: 'c', errorType: '-32602', rule: 'protocol_error_text' },
  },
  {
    name: "client timeout: the server's cancel by that timeout leaves the timeout standing → server",
    spans: () =>
      chain(
        {
          errorType: 'timeout',
          fault: 'server',
          error: true,
          message: 'MCP error -32001: Request timed out',
        },
        { errorType: 'timeout' },
        { errorType: 'timeout', fault: 'server', error: true, message: 'the requester timed out' },
      ),
    expected: {
      layer: 'server',
      spanId: 'c',
      errorType: 'timeout',
      rule: 'receiver_cancel',
      message: 'MCP error -32001: Request timed out',
    },
  },
  {
    name: 'client timeout, a server that recorded a plain cancel (older SDK) → still server',
    spans: () =>
      chain(
        { errorType: 'timeout', fault: 'server', error: true },
        { errorType: 'timeout' },
        { errorType: 'cancelled', fault: 'caller' },
      ),
    expected: { layer: 'server', spanId: 'c', errorType: 'timeout', rule: 'receiver_cancel' },
  },
  {
    name: 'client timeout while the server finished fine, late → server',
    spans: () => chain({ errorType: 'timeout', fault: 'server', error: true }, { errorType: 'timeout' }, {}),
    expected: { layer: 'server', spanId: 'c', errorType: 'timeout', rule: 'deepest' },
  },
  {
    name: "user abort → caller, the server's cancel does not override it",
    spans: () =>
      chain(
        { errorType: 'cancelled', fault: 'caller', error: true },
        { errorType: 'cancelled' },
        { errorType: 'cancelled', fault: 'caller' },
      ),
    expected: { layer: 'caller', spanId: 'c', errorType: 'cancelled', rule: 'receiver_cancel' },
  },
  {
    name: 'only the server instrumented, cancelled by a timeout → server',
    spans: () => [server('s', { errorType: 'timeout', fault: 'server', error: true })],
    expected: { layer: 'server', spanId: 's', errorType: 'timeout', rule: 'deepest' },
  },
  {
    name: 'only the server instrumented, a user cancel → caller',
    spans: () => [server('s', { errorType: 'cancelled', fault: 'caller' })],
    expected: { layer: 'caller', spanId: 's', errorType: 'cancelled', rule: 'deepest' },
  },
  {
    name: 'downstream HTTP 503 under a failed tool → downstream, that span, "name → status"',
    spans: () => [
      ...chain(
        { errorType: 'tool_error', fault: 'tool', error: true },
        { errorType: 'tool_error' },
        { errorType: 'tool_error', fault: 'tool', error: true },
      ),
      plain('ok', 'Client', { parent: 's', attrs: { 'http.response.status_code': '200' } }),
      plain('d', 'Client', {
        parent: 's',
        error: true,
        attrs: { 'http.response.status_code': '503' },
      }),
    ],
    expected: { layer: 'downstream', spanId: 'd', errorType: '503', rule: 'downstream', message: 'd → 503' },
  },
  {
    name: 'downstream: the deepest failed span wins (a DB span inside a failed HTTP handler span)',
    spans: () => [
      server('s', { errorType: 'tool_error', fault: 'tool', error: true }),
      plain('h', 'Client', { parent: 's', error: true, message: 'lookup failed' }),
      plain('db', 'Client', { parent: 'h', error: true, errorType: 'ECONNREFUSED', message: 'refused' }),
    ],
    expected: {
      layer: 'downstream',
      spanId: 'db',
      errorType: 'ECONNREFUSED',
      rule: 'downstream',
      message: 'db → refused',
    },
  },
  {
    name: "a failed INTERNAL span under a failed tool is the tool's own code → tool",
    spans: () => [
      server('s', { errorType: 'tool_error', fault: 'tool', error: true }),
      plain('v', 'Internal', { parent: 's', error: true, message: 'validation' }),
    ],
    expected: { layer: 'tool', spanId: 's', errorType: 'tool_error', rule: 'deepest' },
  },
  {
    name: 'the server SDK said downstream but the child span never arrived → downstream, its id',
    spans: () => [
      server('s', {
        errorType: '-32603',
        fault: 'downstream',
        error: true,
        message: 'backend down',
        attrs: { 'mcpscope.downstream.span_id': 'lost' },
      }),
    ],
    expected: { layer: 'downstream', spanId: 'lost', errorType: '-32603', rule: 'downstream' },
  },
  {
    name: 'a failed downstream span under a successful call (a retry worked) → no verdict',
    spans: () => [...chain({}, {}, {}), plain('d', 'Client', { parent: 's', error: true })],
    expected: { layer: 'tool', spanId: '', errorType: '', rule: 'deepest' }, // replaced below: none
  },
  {
    name: 'low-level Server handler throws (-32603) → server',
    spans: () =>
      chain(
        { errorType: '-32603', fault: 'server', error: true, message: 'MCP error -32603: boom' },
        { errorType: '-32603' },
        { errorType: '-32603', fault: 'server', error: true, message: 'boom' },
      ),
    expected: { layer: 'server', spanId: 's', errorType: '-32603', rule: 'deepest', message: 'boom' },
  },
  {
    name: 'response lost in the transport while the server answered → transport',
    spans: () =>
      chain(
        { errorType: 'connection_closed', fault: 'transport', error: true },
        { errorType: 'connection_closed', fault: 'transport', error: true },
        {},
      ),
    expected: { layer: 'transport', spanId: 't', errorType: 'connection_closed', rule: 'deepest' },
  },
  {
    name: 'stdio server process died mid-call (server span never exported) → server',
    spans: () => [
      client('c', { errorType: 'connection_closed', fault: 'server', error: true }),
      transport('t', { parent: 'c', errorType: 'connection_closed', fault: 'server', error: true }),
    ],
    expected: { layer: 'server', spanId: 't', errorType: 'connection_closed', rule: 'deepest' },
  },
  {
    name: 'Streamable HTTP 500 → server; session lost (404) → transport',
    spans: () => [
      client('c', { errorType: 'http_500', fault: 'server', error: true }),
      transport('t', { parent: 'c', errorType: 'http_500', fault: 'server', error: true }),
      client('c2', { errorType: 'session_not_found', fault: 'transport', error: true }),
      transport('t2', { parent: 'c2', errorType: 'session_not_found', fault: 'transport', error: true }),
    ],
    expected: { layer: 'server', spanId: 't', errorType: 'http_500', rule: 'deepest' },
  },
  {
    name: 'output schema violation refused by the client; the transport span only copies the type → tool',
    spans: () =>
      chain(
        { errorType: 'output_validation', fault: 'tool', error: true },
        { errorType: 'output_validation' },
        {},
      ),
    expected: { layer: 'tool', spanId: 'c', errorType: 'output_validation', rule: 'deepest' },
  },
  {
    name: 'only the proxy: invalid arguments → caller',
    spans: () => [proxy('p', { errorType: '-32602', fault: 'caller' })],
    expected: { layer: 'caller', spanId: 'p', errorType: '-32602', rule: 'deepest' },
  },
  {
    name: 'proxy before an instrumented server, the tool failed after a downstream 503 → downstream',
    spans: () => [
      proxy('p', { errorType: 'tool_error', fault: 'tool', error: true }),
      server('s', { parent: 'p', errorType: 'tool_error', fault: 'tool', error: true }),
      plain('d', 'Client', { parent: 's', error: true, attrs: { 'http.response.status_code': '503' } }),
    ],
    expected: { layer: 'downstream', spanId: 'd', errorType: '503', rule: 'downstream' },
  },
  {
    name: 'client → proxy → server, a timeout: the proxy and server cancels are consequences → server',
    spans: () => [
      client('c', { errorType: 'timeout', fault: 'server', error: true }),
      transport('t', { parent: 'c', errorType: 'timeout' }),
      proxy('p', { parent: 't', errorType: 'timeout', fault: 'server', error: true }),
      server('s', { parent: 'p', errorType: 'timeout', fault: 'server', error: true }),
    ],
    expected: { layer: 'server', spanId: 'c', errorType: 'timeout', rule: 'receiver_cancel' },
  },
  {
    name: 'another instrumentation (no mcpscope attributes): a SERVER span with -32603 → server',
    spans: () => [foreign('x', 'Server', { errorType: '-32603', error: true, message: 'internal' })],
    expected: { layer: 'server', spanId: 'x', errorType: '-32603', rule: 'derived' },
  },
  {
    name: 'another instrumentation: a CLIENT span with only an ERROR status → client',
    spans: () => [foreign('x', 'Client', { error: true, message: 'failed' })],
    expected: { layer: 'client', spanId: 'x', errorType: 'error', rule: 'derived' },
  },
  {
    name: 'a tool that calls another MCP server which fails: the outer call is downstream',
    spans: () => [
      ...chain(
        { errorType: 'tool_error', fault: 'tool', error: true },
        { errorType: 'tool_error' },
        { errorType: 'tool_error', fault: 'tool', error: true },
      ),
      client('nc', { parent: 's', tool: 'lookup', errorType: '-32603', fault: 'server', error: true }),
      transport('nt', { parent: 'nc', tool: 'lookup', errorType: '-32603' }),
      server('ns', { parent: 'nt', tool: 'lookup', errorType: '-32603', fault: 'server', error: true }),
    ],
    expected: { layer: 'downstream', spanId: 'nc', errorType: '-32603', rule: 'downstream' },
  },
  {
    name: 'a nested MCP call the tool itself cancelled is not a downstream failure',
    spans: () => [
      server('s', { errorType: 'tool_error', fault: 'tool', error: true }),
      client('nc', { parent: 's', tool: 'lookup', errorType: 'cancelled', fault: 'caller', error: true }),
    ],
    expected: { layer: 'tool', spanId: 's', errorType: 'tool_error', rule: 'deepest' },
  },
];

describe('decideRootCauses: one rule per row', () => {
  it.each(table.filter((r) => !r.name.includes('no verdict')))('$name', ({ spans, expected }) => {
    const [first] = decideRootCauses(spans());
    expect(first).toMatchObject(expected);
    expect(Object.keys(RULES)).toContain(first?.rule);
  });

  it('a failed downstream span under a successful call (a retry worked) → no verdict', () => {
    const row = table.find((r) => r.name.includes('no verdict'))!;
    expect(decideRootCauses(row.spans())).toEqual([]);
  });

  it('every rule is exercised by a row of the table', () => {
    const used = new Set(table.map((r) => r.expected.rule));
    expect([...used].sort()).toEqual(Object.keys(RULES).sort());
  });
});

describe('decideRootCauses: trace shape', () => {
  it('nothing failed → no verdict', () => {
    expect(decideRootCauses(chain({}, {}, {}))).toEqual([]);
  });

  it('one verdict per failed call, in start order, with the call described', () => {
    const spans = [
      client('c1', { tool: 'a', errorType: 'tool_error', fault: 'tool', error: true }),
      client('c2', { tool: 'b' }),
      client('c3', { tool: 'c', errorType: 'timeout', fault: 'server', error: true }),
      server('s3', { parent: 'c3', tool: 'c', errorType: 'timeout', fault: 'server', error: true }),
    ];
    const verdicts = decideRootCauses(spans);
    expect(verdicts.map((v) => [v.call.spanId, v.call.tool, v.layer])).toEqual([
      ['c1', 'a', 'tool'],
      ['c3', 'c', 'server'],
    ]);
    expect(verdicts[1]?.call).toMatchObject({
      method: 'tools/call',
      server: 'weather',
      service: 'agent',
      layers: ['client', 'server'],
      startTimeUnixNano: spans[2]!.startTimeUnixNano,
    });
  });

  it('a span stored twice counts once', () => {
    const spans = chain({ errorType: 'tool_error', fault: 'tool', error: true }, {}, {});
    expect(decideRootCauses([...spans, ...spans])).toHaveLength(1);
  });

  it('the server of a call without mcpscope.server.name is its SERVER span service', () => {
    const [v] = decideRootCauses([
      foreign('x', 'Server', { errorType: '-32603', error: true, service: 'py-srv' }),
    ]);
    expect(v?.call.server).toBe('py-srv');
  });

  it('a parent cycle (a broken sender) neither hangs nor throws', () => {
    const a = client('a', { parent: 'b', errorType: 'tool_error', fault: 'tool', error: true });
    const b = plain('b', 'Internal', { parent: 'a' });
    expect(decideRootCauses([a, b])).toHaveLength(1);
  });

  it('a trace 20 000 spans deep is decided without recursion', () => {
    const spans: VerdictSpan[] = [server('s0', { errorType: 'tool_error', fault: 'tool', error: true })];
    for (let i = 1; i < 20_000; i++) spans.push(plain(`p${i}`, 'Internal', { parent: spans[i - 1]!.spanId }));
    spans.push(plain('leaf', 'Client', { parent: 'p19999', error: true, message: 'deep failure' }));
    const [v] = decideRootCauses(spans);
    expect(v).toMatchObject({ layer: 'downstream', spanId: 'leaf' });
  });
});
