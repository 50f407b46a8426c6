/**
 * The compatibility matrix of issue #10: the same trace checks on `@modelcontextprotocol/sdk` 1.4.0 (the
 * oldest supported, installed here as `mcp-sdk-oldest`), the current 1.x, and the current 2.x
 * (`@modelcontextprotocol/client` + `/server`) in both protocol eras: the 2025 era with `initialize`, and
 * the stateless 2026-07-28 era (no initialize; identity and protocol version in each message's `_meta`).
 *
 * Every version runs every check. Where a version cannot give the same trace, the difference is a field
 * of its `Differences` (with the reason) and the check asserts that version's own value, so a difference
 * that appears or disappears fails the test instead of passing unnoticed.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentClient, instrumentServer } from '@mcpscope/sdk';
import { onlySpan, parentSpanId, setupTestTelemetry, waitFor } from '../../sdk/src/testing/otel.js';
import * as oldClient from 'mcp-sdk-oldest/client/index.js';
import * as oldServer from 'mcp-sdk-oldest/server/mcp.js';
import * as oldMemory from 'mcp-sdk-oldest/inMemory.js';
import * as newClient from '@modelcontextprotocol/sdk/client/index.js';
import * as newServer from '@modelcontextprotocol/sdk/server/mcp.js';
import * as newMemory from '@modelcontextprotocol/sdk/inMemory.js';
import * as v2Client from '@modelcontextprotocol/client';
import * as v2Server from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

const telemetry = setupTestTelemetry();
afterEach(() => telemetry.reset());

type ToolResult = Record<string, unknown>;
type ToolArgs = { city: string };

// The server's tools, the same on every version: an answer, an isError result, a tool that throws and
// one that answers too late for a caller that cancels or times out.
const TOOLS: Record<string, (args: ToolArgs) => ToolResult | Promise<ToolResult>> = {
  get_weather: ({ city }) => ({ content: [{ type: 'text', text: `${city}: 20°C` }] }),
  decline: () => ({ isError: true, content: [{ type: 'text', text: 'no' }] }),
  explode: () => {
    throw new Error('tool exploded');
  },
  slow: async () => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    return { content: [{ type: 'text', text: 'late' }] };
  },
};
const CITY_JSON_SCHEMA = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
} as const;

/** What a test does with a connected, instrumented client of one version. */
interface Session {
  callTool(name: string, options?: { signal?: AbortSignal; timeout?: number }): Promise<ToolResult>;
  close(): Promise<void>;
}

/** How a version's trace differs from the others', each with the reason. */
interface Differences {
  /**
   * The exception of a tool that throws is an event on the SERVER span. Not on 1.4.0: its McpServer
   * catches the exception inside its own tools/call handler and has no `executeToolHandler` for the
   * adapter to observe, so only the isError result it makes of it is seen.
   */
  thrownToolException: boolean;
  /**
   * How the server answers a call of an unknown tool: a JSON-RPC error (-32602), or, in current 1.x, an
   * isError result whose text carries "MCP error -32602" (McpServer 1.x turns every tools/call failure
   * into a result). Either way the call is the caller's fault, -32602; only a JSON-RPC error sets
   * `rpc.response.status_code` and makes the client's call reject (an exception event on its span).
   */
  unknownTool: 'json-rpc-error' | 'tool-result';
  /**
   * The unknown-tool error is an exception event on the SERVER span. Only on 1.4.0: there the tools/call
   * handler itself is wrapped (no tool execution to observe instead), and it throws; later versions
   * are observed at the tool, which never runs for an unknown tool.
   */
  unknownToolServerException: boolean;
}

const SAME: Differences = {
  thrownToolException: true,
  unknownTool: 'json-rpc-error',
  unknownToolServerException: false,
};

interface Version {
  label: string;
  /** The protocol version the session negotiates (each SDK's latest). */
  protocolVersion: string;
  differences: Differences;
  connect(): Promise<Session>;
}

// 1.x classes, driven through the API that 1.4.0 already had (server.tool(), callTool(params, schema, options)).
interface V1Sdk {
  Client: new (info: { name: string; version: string }) => {
    connect(transport: unknown): Promise<void>;
    callTool(params: object, resultSchema?: unknown, options?: object): Promise<ToolResult>;
    close(): Promise<void>;
  };
  McpServer: new (info: { name: string; version: string }) => {
    tool(name: string, schema: Record<string, unknown>, cb: (args: ToolArgs) => unknown): unknown;
    connect(transport: unknown): Promise<void>;
    close(): Promise<void>;
  };
  InMemoryTransport: { createLinkedPair(): [unknown, unknown] };
}

async function connectV1(sdk: V1Sdk): Promise<Session> {
  const server = instrumentServer(
    new sdk.McpServer({ name: 'weather', version: '1.0.0' }) as never,
  ) as InstanceType<V1Sdk['McpServer']>;
  for (const [name, cb] of Object.entries(TOOLS)) server.tool(name, { city: z.string() }, cb);
  const client = instrumentClient(
    new sdk.Client({ name: 'agent', version: '1.0.0' }) as never,
  ) as InstanceType<V1Sdk['Client']>;
  const [clientTransport, serverTransport] = sdk.InMemoryTransport.createLinkedPair();
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return {
    callTool: (name, options) => client.callTool({ name, arguments: { city: 'Lisbon' } }, undefined, options),
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

function createV2Server(): v2Server.McpServer {
  const server = new v2Server.McpServer({ name: 'weather', version: '1.0.0' });
  const inputSchema = v2Server.fromJsonSchema<ToolArgs>(CITY_JSON_SCHEMA);
  for (const [name, cb] of Object.entries(TOOLS)) {
    server.registerTool(name, { inputSchema }, cb as unknown as v2Server.ToolCallback<typeof inputSchema>);
  }
  return instrumentServer(server);
}

/**
 * A 2.x Client and McpServer over the SDK's in-memory pair: in the 2025 era the server connects to its
 * end; in the 2026-07-28 era the Client negotiates with `server/discover` and the server is served by
 * `serveStdio` on that end (as in sdk/src/adapters/mcp-sdk-v2/modernEra.test.ts).
 */
async function connectV2(era: 'legacy' | 'modern'): Promise<Session> {
  const [clientTransport, serverTransport] = v2Client.InMemoryTransport.createLinkedPair();
  const client = instrumentClient(
    new v2Client.Client(
      { name: 'agent', version: '1.0.0' },
      era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : undefined,
    ),
  );
  let closeServer: () => Promise<void>;
  if (era === 'modern') {
    const handle = serveStdio(createV2Server, { transport: serverTransport });
    closeServer = () => handle.close();
  } else {
    const server = createV2Server();
    await server.connect(serverTransport);
    closeServer = () => server.close();
  }
  await client.connect(clientTransport);
  expect(client.getProtocolEra()).toBe(era);
  return {
    callTool: async (name, options) =>
      (await client.callTool({ name, arguments: { city: 'Lisbon' } }, options)) as ToolResult,
    close: async () => {
      await client.close();
      await closeServer();
    },
  };
}

const versions: Version[] = [
  {
    label: '@modelcontextprotocol/sdk 1.4.0',
    protocolVersion: '2024-11-05',
    differences: { ...SAME, thrownToolException: false, unknownToolServerException: true },
    connect: () =>
      connectV1({
        Client: oldClient.Client,
        McpServer: oldServer.McpServer,
        InMemoryTransport: oldMemory.InMemoryTransport,
      } as unknown as V1Sdk),
  },
  {
    label: '@modelcontextprotocol/sdk current 1.x',
    protocolVersion: '2025-11-25',
    differences: { ...SAME, unknownTool: 'tool-result' },
    connect: () =>
      connectV1({
        Client: newClient.Client,
        McpServer: newServer.McpServer,
        InMemoryTransport: newMemory.InMemoryTransport,
      } as unknown as V1Sdk),
  },
  {
    label: '@modelcontextprotocol/client + /server 2.x, 2025 era (initialize)',
    protocolVersion: '2025-11-25',
    differences: SAME,
    connect: () => connectV2('legacy'),
  },
  {
    label: '@modelcontextprotocol/client + /server 2.x, 2026-07-28 era (stateless)',
    protocolVersion: '2026-07-28',
    differences: SAME,
    connect: () => connectV2('modern'),
  },
];

/** The CLIENT, transport and SERVER spans of the one call of `tool`, once all three have ended. */
async function spansOf(
  tool: string,
): Promise<{ client: ReadableSpan; transport: ReadableSpan; server: ReadableSpan }> {
  const name = `tools/call ${tool}`;
  await waitFor(() => telemetry.spans().filter((span) => span.name === name).length >= 2);
  const spans = telemetry.spans();
  const client = onlySpan(spans, name, SpanKind.CLIENT);
  const server = onlySpan(spans, name, SpanKind.SERVER);
  const id = client.attributes['jsonrpc.request.id'];
  const transports = spans.filter(
    (span) =>
      span.attributes['mcpscope.layer'] === 'transport' && span.attributes['jsonrpc.request.id'] === id,
  );
  expect(transports).toHaveLength(1);
  return { client, transport: transports[0] as ReadableSpan, server };
}

const exceptions = (span: ReadableSpan): number =>
  span.events.filter((event) => event.name === 'exception').length;

describe.each(versions)('$label', ({ protocolVersion, differences, connect }) => {
  it('one tools/call is one trace of a CLIENT, a transport and a SERVER span, with the session identity', async () => {
    const session = await connect();
    telemetry.reset();
    const result = await session.callTool('get_weather');
    expect(result).toMatchObject({ content: [{ type: 'text', text: 'Lisbon: 20°C' }] });
    const { client, transport, server } = await spansOf('get_weather');
    // One span per layer: the v2 Client once made two CLIENT spans in two traces per callTool.
    expect(telemetry.spans()).toHaveLength(3);
    const traceId = client.spanContext().traceId;
    expect(transport.spanContext().traceId).toBe(traceId);
    expect(server.spanContext().traceId).toBe(traceId);
    expect(parentSpanId(transport)).toBe(client.spanContext().spanId);
    // The transport span's context crossed in params._meta and is the SERVER span's parent.
    expect(parentSpanId(server)).toBe(transport.spanContext().spanId);
    expect(client.attributes['mcpscope.layer']).toBe('client');
    expect(transport.attributes['mcpscope.layer']).toBe('transport');
    expect(server.attributes['mcpscope.layer']).toBe('server');
    for (const span of [client, transport, server]) {
      expect(span.attributes['mcp.method.name']).toBe('tools/call');
      expect(span.attributes['gen_ai.tool.name']).toBe('get_weather');
      expect(span.attributes['jsonrpc.request.id']).toBe(client.attributes['jsonrpc.request.id']);
      expect(span.attributes['mcp.protocol.version']).toBe(protocolVersion);
      expect(span.attributes['mcpscope.client.name']).toBe('agent');
      expect(span.attributes['mcpscope.server.name']).toBe('weather');
      expect(span.attributes['mcpscope.server.version']).toBe('1.0.0');
      expect(span.attributes['error.type']).toBeUndefined();
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
    }
    expect(client.attributes['gen_ai.operation.name']).toBe('execute_tool');
    expect(server.attributes['gen_ai.operation.name']).toBe('execute_tool');
    expect(client.attributes['mcpscope.transport.kind']).toBe('in-memory');
    expect(transport.attributes['mcpscope.transport.kind']).toBe('in-memory');
    // Every server here is connected in memory; the 2.x modern-era one through `serveStdio` (the entry
    // that negotiates the era per connection), whose channel is described by the transport it serves.
    expect(server.attributes['mcpscope.transport.kind']).toBe('in-memory');
    await session.close();
  });

  it('an isError result and a tool that throws are the tool’s fault, on both sides', async () => {
    const session = await connect();
    telemetry.reset();
    expect(await session.callTool('decline')).toMatchObject({ isError: true });
    expect(await session.callTool('explode')).toMatchObject({ isError: true });
    for (const tool of ['decline', 'explode']) {
      const { client, transport, server } = await spansOf(tool);
      for (const span of [client, server]) {
        expect(span.attributes['error.type']).toBe('tool_error');
        expect(span.attributes['mcpscope.fault']).toBe('tool');
        expect(span.status.code).toBe(SpanStatusCode.ERROR);
      }
      // The wire carried a result: the transport did its job.
      expect(transport.attributes['error.type']).toBeUndefined();
      expect(transport.status.code).toBe(SpanStatusCode.UNSET);
      expect(exceptions(client)).toBe(0);
      const thrown = tool === 'explode' && differences.thrownToolException;
      expect(exceptions(server)).toBe(thrown ? 1 : 0);
    }
    await session.close();
  });

  it('an unknown tool is the caller’s fault, -32602: an error of the client, not of the server', async () => {
    const session = await connect();
    telemetry.reset();
    const call = session.callTool('nope');
    const rejects = differences.unknownTool === 'json-rpc-error';
    if (rejects) await expect(call).rejects.toThrow(/nope/);
    else expect(await call).toMatchObject({ isError: true });
    const { client, server } = await spansOf('nope');
    for (const span of [client, server]) {
      expect(span.attributes['error.type']).toBe('-32602');
      expect(span.attributes['mcpscope.fault']).toBe('caller');
      expect(span.attributes['rpc.response.status_code']).toBe(rejects ? '-32602' : undefined);
    }
    expect(client.status.code).toBe(SpanStatusCode.ERROR);
    expect(server.status.code).toBe(SpanStatusCode.UNSET);
    expect(exceptions(client)).toBe(rejects ? 1 : 0);
    expect(exceptions(server)).toBe(differences.unknownToolServerException ? 1 : 0);
    await session.close();
  });

  it('a caller’s AbortSignal is a cancel by the caller; a caller’s timeout is the server’s', async () => {
    const session = await connect();
    telemetry.reset();
    const controller = new AbortController();
    const cancelled = session.callTool('slow', { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(cancelled).rejects.toThrow();
    const cancel = await spansOf('slow');
    // The caller gave up: an error of its call, the caller's fault; the server was told and ends the
    // span of the request it no longer answers as cancelled, not as its own error.
    for (const span of [cancel.client, cancel.server]) {
      expect(span.attributes['error.type']).toBe('cancelled');
      expect(span.attributes['mcpscope.fault']).toBe('caller');
      expect(span.events.some((event) => event.name === 'mcp.cancelled')).toBe(true);
    }
    expect(cancel.client.status.code).toBe(SpanStatusCode.ERROR);
    expect(cancel.server.status.code).toBe(SpanStatusCode.UNSET);
    expect(cancel.transport.attributes['error.type']).toBe('cancelled');
    expect(cancel.transport.status.code).toBe(SpanStatusCode.UNSET);

    telemetry.reset();
    await expect(session.callTool('slow', { timeout: 20 })).rejects.toThrow(/timed out/i);
    const timeout = await spansOf('slow');
    for (const span of [timeout.client, timeout.server]) {
      expect(span.attributes['error.type']).toBe('timeout');
      expect(span.attributes['mcpscope.fault']).toBe('server');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
    }
    expect(timeout.transport.attributes['error.type']).toBe('timeout');
    await session.close();
  });
});
