import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instrumentClient } from '../instrumentClient.js';
import { instrumentServer } from '../instrumentServer.js';
import {
  ATTR_MCPSCOPE_SERVER_COMMAND,
  ATTR_MCPSCOPE_TOOLS_DEFINITIONS,
  ATTR_MCPSCOPE_TOOLS_FINGERPRINT,
  META_SERVER_COMMAND,
} from '../semconv.js';
import { connectInMemory } from '../testing/connectInMemory.js';
import { setupTestTelemetry, waitFor, type TestTelemetry } from '../testing/otel.js';
import {
  carriesServerCommand,
  namedServerCommand,
  withServerCommand,
  writeServerCommand,
} from './serverCommand.js';

// The rule of who names a stdio server (serverCommand.ts): the helpers on their own, then the server's
// side of it through a real MCP SDK 1.x client and McpServer, both instrumented, in memory. An in-memory
// client launched nothing, so it adds no command of its own: here the host's requests carry the key, as
// a launcher's do (the launcher's side runs over real stdio in adapters/mcp-sdk-v1/stdio.test.ts, the
// proxy's in proxy/proxyServerCommand.test.ts, all of them together in
// test/integration/serverIdentity.test.ts).

describe('serverCommand helpers', () => {
  it('only tools/list carries the command', () => {
    expect(carriesServerCommand('tools/list')).toBe(true);
    for (const method of ['tools/call', 'initialize', 'prompts/list', undefined, 7])
      expect(carriesServerCommand(method)).toBe(false);
  });

  it('reads a non-empty string under the key, nothing else', () => {
    expect(namedServerCommand({ [META_SERVER_COMMAND]: 'npx fs-server /tmp' })).toBe('npx fs-server /tmp');
    for (const value of ['', 42, null, ['npx'], { command: 'npx' }])
      expect(namedServerCommand({ [META_SERVER_COMMAND]: value })).toBeUndefined();
    expect(namedServerCommand({ traceparent: 'x' })).toBeUndefined();
    expect(namedServerCommand(undefined)).toBeUndefined();
  });

  it('in process: adds the key to a copy, keeping the host message and its other _meta fields', () => {
    const meta = { progressToken: 3, traceparent: '00-abc' };
    const message = { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { cursor: 'c', _meta: meta } };
    const out = withServerCommand(message, 'server --flag');
    expect(out).toEqual({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      params: {
        cursor: 'c',
        _meta: { progressToken: 3, traceparent: '00-abc', [META_SERVER_COMMAND]: 'server --flag' },
      },
    });
    expect(message.params._meta).toEqual({ progressToken: 3, traceparent: '00-abc' });
    expect(Object.keys(message.params)).toEqual(['cursor', '_meta']);
    expect(withServerCommand({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, 'srv').params).toEqual({
      _meta: { [META_SERVER_COMMAND]: 'srv' },
    });
  });

  it('the proxy: writes in place, creating params and _meta, and leaves shapes it must not touch', () => {
    const bare: Record<string, unknown> = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    expect(writeServerCommand(bare, 'srv')).toBe(true);
    expect(bare['params']).toEqual({ _meta: { [META_SERVER_COMMAND]: 'srv' } });
    const withMeta = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: { traceparent: 't' } } };
    expect(writeServerCommand(withMeta, 'srv')).toBe(true);
    expect(withMeta.params._meta).toEqual({ traceparent: 't', [META_SERVER_COMMAND]: 'srv' });
    const arrayParams = { jsonrpc: '2.0', id: 3, method: 'tools/list', params: [1] };
    expect(writeServerCommand(arrayParams, 'srv')).toBe(false);
    expect(arrayParams.params).toEqual([1]);
    const stringMeta = { jsonrpc: '2.0', id: 4, method: 'tools/list', params: { _meta: 'x' } };
    expect(writeServerCommand(stringMeta, 'srv')).toBe(false);
    expect(stringMeta.params).toEqual({ _meta: 'x' });
  });
});

describe('an instrumented server named by the request', () => {
  let telemetry: TestTelemetry;
  beforeAll(() => {
    telemetry = setupTestTelemetry();
  });
  afterEach(() => telemetry.reset());

  /** An instrumented McpServer with one tool, connected to an instrumented client. */
  async function connect(serverName: string): Promise<Client> {
    const server = instrumentServer(new McpServer({ name: serverName, version: '1.0.0' }));
    server.registerTool('lookup', { description: 'Looks a word up' }, async () => ({
      content: [{ type: 'text', text: 'found' }],
    }));
    const client = instrumentClient(new Client({ name: 'agent', version: '1.0.0' }));
    await connectInMemory(server, client);
    return client;
  }

  const lists = (kind: SpanKind): ReadableSpan[] =>
    telemetry.spans().filter((span) => span.name === 'tools/list' && span.kind === kind);

  it('records the command a tools/list carries, on both sides, and returns the result unchanged', async () => {
    const client = await connect('named-1');
    const result = await client.listTools({ _meta: { [META_SERVER_COMMAND]: 'dict --db words.db' } });
    expect(JSON.stringify(result)).not.toContain(META_SERVER_COMMAND);
    await waitFor(() => lists(SpanKind.SERVER).length === 1 && lists(SpanKind.CLIENT).length === 1);
    for (const span of [...lists(SpanKind.SERVER), ...lists(SpanKind.CLIENT)])
      expect(span.attributes[ATTR_MCPSCOPE_SERVER_COMMAND]).toBe('dict --db words.db');
    await client.close();
  });

  it('a tools/list without the key, or any other request with it, names nothing', async () => {
    const client = await connect('named-2');
    await client.listTools();
    await client.callTool({ name: 'lookup', arguments: {}, _meta: { [META_SERVER_COMMAND]: 'dict' } });
    await waitFor(() => telemetry.spans().filter((span) => span.kind === SpanKind.SERVER).length >= 2);
    for (const span of telemetry.spans())
      expect(span.attributes[ATTR_MCPSCOPE_SERVER_COMMAND], span.name).toBeUndefined();
    await client.close();
  });

  it('sends the definitions again for a server named by a new command (a new history in the collector)', async () => {
    const client = await connect('named-3');
    for (const command of ['dict --db a.db', 'dict --db b.db', 'dict --db b.db'])
      await client.listTools({ _meta: { [META_SERVER_COMMAND]: command } });
    await waitFor(() => lists(SpanKind.SERVER).length === 3);
    const server = lists(SpanKind.SERVER);
    expect(server.map((span) => span.attributes[ATTR_MCPSCOPE_SERVER_COMMAND])).toEqual([
      'dict --db a.db',
      'dict --db b.db',
      'dict --db b.db',
    ]);
    expect(server.map((span) => span.attributes[ATTR_MCPSCOPE_TOOLS_DEFINITIONS] !== undefined)).toEqual([
      true,
      true,
      false,
    ]);
    expect(new Set(server.map((span) => span.attributes[ATTR_MCPSCOPE_TOOLS_FINGERPRINT])).size).toBe(1);
    await client.close();
  });
});
