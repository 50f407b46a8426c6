import { describe, expect, it } from 'vitest';
import {
  CANCELLED_BY_PEER,
  classifyPeerCancel,
  classifySenderFailure,
  closedConnectionOutcome,
  httpStatusOutcome,
  jsonRpcErrorOutcome,
  toolErrorOutcome,
  toolResultErrorOutcome,
  withDownstreamFailure,
  type FailureOutcome,
  type SenderFailureContext,
} from './classifyOutcome.js';

const base: SenderFailureContext = {
  method: 'tools/call',
  answerer: 'server',
  aborted: false,
  wire: 'none',
  sent: true,
  hadSession: false,
  peerIsChild: false,
  closedLocally: false,
};
const mcpError = (code: number, message: string) =>
  Object.assign(new Error(`MCP error ${code}: ${message}`), { name: 'McpError', code });
const httpError = (status: number) => Object.assign(new Error(`HTTP ${status}`), { code: status });

describe('classifySenderFailure', () => {
  const cases: Array<[string, unknown, Partial<SenderFailureContext>, Partial<FailureOutcome>]> = [
    // A user cancel and a timeout are both -32001: the caller's signal tells them apart.
    [
      'user cancel',
      mcpError(-32001, 'AbortError'),
      { aborted: true },
      { errorType: 'cancelled', fault: 'caller' },
    ],
    [
      'timeout',
      mcpError(-32001, 'Request timed out'),
      {},
      { errorType: 'timeout', fault: 'server', markError: true },
    ],
    [
      'timeout of a server → client request',
      mcpError(-32001, 'Request timed out'),
      { method: 'sampling/createMessage', answerer: 'client' },
      { errorType: 'timeout', fault: 'client' },
    ],
    // A result came back whole and the client library refused it.
    [
      'tool output schema',
      mcpError(-32602, 'schema'),
      { wire: 'result' },
      { errorType: 'output_validation', fault: 'tool', transport: false },
    ],
    [
      'malformed result of another method',
      new Error('zod'),
      { wire: 'result', method: 'resources/read' },
      { errorType: 'output_validation', fault: 'server' },
    ],
    // JSON-RPC errors that came back.
    [
      'caller-fault code',
      mcpError(-32602, 'bad'),
      { wire: 'error' },
      { errorType: '-32602', rpcStatusCode: '-32602', fault: 'caller', markError: true },
    ],
    [
      'server-fault code',
      mcpError(-32603, 'boom'),
      { wire: 'error' },
      { errorType: '-32603', fault: 'server' },
    ],
    [
      'client-fault code on a server → client request',
      mcpError(-32603, 'boom'),
      { wire: 'error', answerer: 'client' },
      { errorType: '-32603', fault: 'client' },
    ],
    // A closed connection: the server's fault only when it is a stdio child that went away by itself.
    [
      'closed, HTTP or in memory',
      mcpError(-32000, 'Connection closed'),
      {},
      { errorType: 'connection_closed', fault: 'transport', transport: true },
    ],
    [
      'closed, stdio server died',
      mcpError(-32000, 'Connection closed'),
      { peerIsChild: true },
      { errorType: 'connection_closed', fault: 'server', transport: true, markError: true },
    ],
    [
      'closed, stdio closed by this process',
      mcpError(-32000, 'Connection closed'),
      { peerIsChild: true, closedLocally: true },
      { errorType: 'connection_closed', fault: 'transport' },
    ],
    [
      'not connected',
      new Error('Not connected'),
      { sent: false, peerIsChild: true },
      { errorType: 'connection_closed', fault: 'transport' },
    ],
    // HTTP statuses from the MCP endpoint.
    [
      'HTTP 500',
      httpError(500),
      {},
      { errorType: 'http_500', fault: 'server', httpStatusCode: 500, transport: true },
    ],
    ['HTTP 501', httpError(501), {}, { errorType: 'http_501', fault: 'server' }],
    ['HTTP 507', httpError(507), {}, { errorType: 'http_507', fault: 'server' }],
    ['HTTP 502', httpError(502), {}, { errorType: 'http_502', fault: 'transport', httpStatusCode: 502 }],
    ['HTTP 503', httpError(503), {}, { errorType: 'http_503', fault: 'transport' }],
    ['HTTP 504', httpError(504), {}, { errorType: 'http_504', fault: 'transport' }],
    ['HTTP 401', httpError(401), {}, { errorType: 'http_401', fault: 'transport' }],
    [
      'HTTP 404 with a session',
      httpError(404),
      { hadSession: true },
      { errorType: 'session_not_found', fault: 'transport', httpStatusCode: 404 },
    ],
    ['fetch failed', new TypeError('fetch failed'), {}, { errorType: 'transport_error', fault: 'transport' }],
    [
      'refused before sending',
      new Error('Server does not support tools'),
      { sent: false },
      { errorType: 'exception', fault: 'client' },
    ],
  ];
  it.each(cases)('%s', (_name, error, ctx, expected) => {
    expect(classifySenderFailure(error, { ...base, ...ctx })).toMatchObject(expected);
  });
});

describe('receiver-side outcomes', () => {
  it('does not mark caller-fault codes as server errors', () => {
    for (const code of [-32700, -32600, -32601, -32602, -32002]) {
      expect(jsonRpcErrorOutcome(code, true)).toMatchObject({ fault: 'caller', markError: false });
      expect(jsonRpcErrorOutcome(code, false).markError).toBe(true);
    }
    expect(jsonRpcErrorOutcome(-32603, true)).toMatchObject({ fault: 'server', markError: true });
    expect(jsonRpcErrorOutcome(-32603, true, 'client')).toMatchObject({ fault: 'client' });
  });
  it('tool errors are the tool’s unless the tool never ran', () => {
    expect(toolErrorOutcome(false)).toMatchObject({
      errorType: 'tool_error',
      fault: 'tool',
      markError: true,
    });
    expect(toolErrorOutcome(true)).toMatchObject({
      errorType: 'tool_error',
      fault: 'caller',
      markError: false,
    });
  });
});

describe('toolResultErrorOutcome', () => {
  const result = (text: string, first: unknown[] = []) => ({
    isError: true,
    content: [...first, { type: 'text', text }],
  });
  const cases: Array<[string, unknown, boolean, boolean | undefined, Partial<FailureOutcome>]> = [
    // McpServer's wrapped protocol errors: the code, the caller's fault for caller-fault codes.
    [
      'invalid arguments, receiver',
      result('MCP error -32602: Input validation error: Invalid arguments for tool echo'),
      true,
      true,
      { errorType: '-32602', fault: 'caller', markError: false },
    ],
    [
      'invalid arguments, sender',
      result('MCP error -32602: Input validation error: x'),
      false,
      undefined,
      { errorType: '-32602', fault: 'caller', markError: true },
    ],
    [
      'unknown tool, receiver whose tool never ran',
      result('MCP error -32602: Tool nope not found'),
      true,
      false,
      { errorType: '-32602', fault: 'caller', markError: false },
    ],
    [
      'wrapped server-fault code',
      result('MCP error -32603: Tool t has taskSupport'),
      true,
      undefined,
      { errorType: '-32603', fault: 'server', markError: true },
    ],
    [
      'wrapped code after an image',
      result('MCP error -32601: requires task augmentation', [
        { type: 'image', data: '', mimeType: 'image/png' },
      ]),
      false,
      undefined,
      { errorType: '-32601', fault: 'caller' },
    ],
    [
      'output schema broken (McpServer)',
      result('MCP error -32602: Output validation error: Invalid structured content for tool t'),
      true,
      true,
      { errorType: 'output_validation', fault: 'tool', markError: true },
    ],
    // Anything else is the tool's own error result.
    [
      'plain tool error',
      result('the weather service is down'),
      false,
      undefined,
      { errorType: 'tool_error', fault: 'tool', markError: true },
    ],
    [
      'text that only mentions an MCP error',
      result('upstream said: MCP error -32602: bad'),
      false,
      undefined,
      { errorType: 'tool_error', fault: 'tool' },
    ],
    [
      'not an integer code',
      result('MCP error abc: bad'),
      false,
      undefined,
      { errorType: 'tool_error', fault: 'tool' },
    ],
    ['no content', { isError: true }, true, true, { errorType: 'tool_error', fault: 'tool' }],
    // The handlerRan fallback: a plain isError whose tool code never ran.
    [
      'plain isError, tool never ran',
      result('Tool nope not found'),
      true,
      false,
      { errorType: 'tool_error', fault: 'caller', markError: false },
    ],
  ];
  it.each(cases)('%s', (_name, res, receiverSide, toolCodeRan, expected) => {
    const outcome = toolResultErrorOutcome(res, receiverSide, toolCodeRan);
    expect(outcome).toMatchObject(expected);
    // A tool result is not a JSON-RPC error: no rpc.response.status_code.
    expect(outcome.rpcStatusCode).toBeUndefined();
  });
});

describe('classifyPeerCancel', () => {
  const cases: Array<[string, string | undefined, 'server' | 'client', Partial<FailureOutcome>]> = [
    [
      'TypeScript SDK timeout',
      'McpError: MCP error -32001: Request timed out',
      'server',
      { errorType: 'timeout', fault: 'server', markError: true },
    ],
    [
      'timeout of a server → client request',
      'McpError: MCP error -32001: Request timed out',
      'client',
      { errorType: 'timeout', fault: 'client' },
    ],
    ['Python SDK timeout', 'Request timed out', 'server', { errorType: 'timeout', fault: 'server' }],
    [
      'AbortController.abort()',
      'AbortError: This operation was aborted',
      'server',
      { errorType: 'cancelled', fault: 'caller', markError: false },
    ],
    [
      'user text',
      'user pressed stop',
      'server',
      { errorType: 'cancelled', fault: 'caller', markError: false },
    ],
    [
      'the caller’s own AbortSignal.timeout()',
      'TimeoutError: The operation was aborted due to timeout',
      'server',
      { errorType: 'cancelled', fault: 'caller' },
    ],
    ['no reason', undefined, 'server', { errorType: 'cancelled', fault: 'caller' }],
  ];
  it.each(cases)('%s', (_name, reason, answerer, expected) => {
    expect(classifyPeerCancel(reason, answerer)).toMatchObject(expected);
  });
  it('says that the requester timed out', () => {
    expect(classifyPeerCancel('Request timed out', 'server').message).toMatch(/requester timed out/);
    expect(classifyPeerCancel('stop', 'server')).toBe(CANCELLED_BY_PEER);
  });
});

describe('closedConnectionOutcome', () => {
  const cases: Array<[boolean, boolean, string]> = [
    [true, false, 'server'],
    [true, true, 'transport'],
    [false, false, 'transport'],
    [false, true, 'transport'],
  ];
  it.each(cases)('peer is a child %s, closed locally %s → %s', (peerIsChild, closedLocally, fault) => {
    expect(closedConnectionOutcome(peerIsChild, closedLocally)).toMatchObject({
      errorType: 'connection_closed',
      fault,
      markError: true,
      transport: true,
    });
  });
});

describe('httpStatusOutcome', () => {
  const cases: Array<[number, boolean, boolean, Partial<FailureOutcome>]> = [
    [500, false, false, { errorType: 'http_500', fault: 'server', markError: true }],
    [500, false, true, { errorType: 'http_500', fault: 'server', markError: true }],
    [503, false, true, { errorType: 'http_503', fault: 'transport', markError: true }],
    [502, false, false, { errorType: 'http_502', fault: 'transport' }],
    [400, false, false, { errorType: 'http_400', fault: 'transport', markError: true }],
    // The proxy in front of the server: a refused request is the caller's, not an error.
    [400, false, true, { errorType: 'http_400', fault: 'caller', markError: false }],
    [404, true, false, { errorType: 'session_not_found', fault: 'transport' }],
    [404, true, true, { errorType: 'session_not_found', fault: 'transport' }],
    [404, false, false, { errorType: 'http_404', fault: 'transport' }],
  ];
  it.each(cases)('%i (session %s, receiver %s)', (status, hadSession, receiverSide, expected) => {
    expect(httpStatusOutcome(status, hadSession, receiverSide)).toMatchObject({
      ...expected,
      httpStatusCode: status,
    });
  });
});

describe('withDownstreamFailure', () => {
  const cases: Array<[string, FailureOutcome, string | undefined, string]> = [
    ['tool error after a failed call', toolErrorOutcome(false), 'abc', 'downstream'],
    ['thrown handler (-32603) after a failed call', jsonRpcErrorOutcome(-32603, true), 'abc', 'downstream'],
    [
      'tool output broken after a failed call',
      classifySenderFailure(new Error('x'), { ...base, wire: 'result' }),
      'abc',
      'downstream',
    ],
    ['tool error without a failed call', toolErrorOutcome(false), undefined, 'tool'],
    ['caller fault stays the caller’s', jsonRpcErrorOutcome(-32602, true), 'abc', 'caller'],
    ['tool never ran', toolErrorOutcome(true), 'abc', 'caller'],
    ['timeout stays the server’s', classifyPeerCancel('Request timed out', 'server'), 'abc', 'server'],
    ['cancel stays the caller’s', CANCELLED_BY_PEER, 'abc', 'caller'],
  ];
  it.each(cases)('%s', (_name, failure, spanId, fault) => {
    const outcome = withDownstreamFailure(failure, spanId);
    expect(outcome.fault).toBe(fault);
    expect(outcome.errorType).toBe(failure.errorType);
    expect(outcome.downstreamSpanId).toBe(fault === 'downstream' ? spanId : undefined);
  });
});
