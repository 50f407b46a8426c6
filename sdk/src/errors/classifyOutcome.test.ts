import { describe, expect, it } from 'vitest';
import {
  classifySenderFailure,
  jsonRpcErrorOutcome,
  toolErrorOutcome,
  type SenderFailureContext,
} from './classifyOutcome.js';

const base: SenderFailureContext = { aborted: false, wire: 'none', sent: true, hadSession: false };
const mcpError = (code: number, message: string) =>
  Object.assign(new Error(message), { name: 'McpError', code });

describe('classifySenderFailure', () => {
  it('tells a user cancel from a timeout although both are -32001', () => {
    expect(classifySenderFailure(mcpError(-32001, 'AbortError'), { ...base, aborted: true })).toMatchObject({
      errorType: 'cancelled',
      fault: 'caller',
    });
    expect(classifySenderFailure(mcpError(-32001, 'Request timed out'), base)).toMatchObject({
      errorType: 'timeout',
      fault: 'server',
    });
  });
  it('blames the client for rejecting a good wire result', () => {
    expect(classifySenderFailure(mcpError(-32602, 'schema'), { ...base, wire: 'result' })).toMatchObject({
      errorType: 'output_validation',
      fault: 'client',
      transport: false,
    });
  });
  it('uses the JSON-RPC code of an error response', () => {
    expect(classifySenderFailure(mcpError(-32602, 'bad'), { ...base, wire: 'error' })).toMatchObject({
      errorType: '-32602',
      rpcStatusCode: '-32602',
      fault: 'caller',
      markError: true,
    });
    expect(classifySenderFailure(mcpError(-32603, 'boom'), { ...base, wire: 'error' })).toMatchObject({
      errorType: '-32603',
      fault: 'server',
    });
  });
  it('blames the transport for closed connections and HTTP statuses', () => {
    expect(classifySenderFailure(mcpError(-32000, 'Connection closed'), base)).toMatchObject({
      errorType: 'connection_closed',
      fault: 'transport',
      transport: true,
    });
    expect(classifySenderFailure(new Error('Not connected'), { ...base, sent: false })).toMatchObject({
      errorType: 'connection_closed',
      fault: 'transport',
    });
    expect(
      classifySenderFailure(Object.assign(new Error('x'), { code: 404 }), { ...base, hadSession: true }),
    ).toMatchObject({ errorType: 'session_not_found', httpStatusCode: 404 });
    expect(classifySenderFailure(Object.assign(new Error('x'), { code: 502 }), base)).toMatchObject({
      errorType: 'http_502',
      fault: 'transport',
    });
    expect(classifySenderFailure(new TypeError('fetch failed'), base)).toMatchObject({
      errorType: 'transport_error',
      fault: 'transport',
    });
  });
  it('blames the client for failures before anything was sent', () => {
    expect(
      classifySenderFailure(new Error('Server does not support tools'), { ...base, sent: false }),
    ).toMatchObject({ errorType: 'exception', fault: 'client' });
  });
});

describe('receiver-side outcomes', () => {
  it('does not mark caller-fault codes as server errors', () => {
    for (const code of [-32700, -32600, -32601, -32602, -32002]) {
      expect(jsonRpcErrorOutcome(code, true)).toMatchObject({ fault: 'caller', markError: false });
      expect(jsonRpcErrorOutcome(code, false).markError).toBe(true);
    }
    expect(jsonRpcErrorOutcome(-32603, true)).toMatchObject({ fault: 'server', markError: true });
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
