/**
 * Issue #13 part 2: Sentry's MCP server wrapper, seen through mcpscope's views.
 *
 * Real parts: `@sentry/node` initialised as its users do (it owns the process's OpenTelemetry globals,
 * hence a test file, and so a process, of its own), with an extra OpenTelemetry span processor that
 * exports through the official OTLP/gRPC exporter into a real collector's gRPC receiver; two real
 * McpServers wrapped with `wrapMcpServerWithSentry`, called by a real MCP SDK 1.x Client over the SDK's
 * in-memory transport. The DSN is never contacted: Sentry's own transport drops every envelope.
 */
import * as Sentry from '@sentry/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { z } from 'zod';
import { startCollector, type TestCollector } from '../helpers/collector.js';
import { freePort } from '../collector/helpers/grpcExport.js';
import { callsOf, DialectApi, toolRows } from './dialectApi.js';

let collector: TestCollector;
let api: DialectApi;
/** Requests each server answered (each is one Sentry span): initialize and tools/list included. */
const requests = { math: 0, notes: 0 };

async function connect(server: McpServer): Promise<Client> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'sentry-test-agent', version: '3.1.0' });
  await client.connect(clientTransport);
  return client;
}

beforeAll(async () => {
  const grpcPort = await freePort();
  collector = await startCollector({ env: { MCPSCOPE_GRPC_PORT: String(grpcPort) } });
  api = new DialectApi(collector.url);

  const otlp = new BatchSpanProcessor(new OTLPTraceExporter({ url: `http://127.0.0.1:${grpcPort}` }), {
    scheduledDelayMillis: 50,
  });
  Sentry.init({
    // A syntactically valid DSN that is never contacted: the transport drops every envelope.
    dsn: 'https://0123456789abcdef0123456789abcdef@127.0.0.1/1',
    tracesSampleRate: 1,
    sendClientReports: false,
    transport: () => ({ send: () => Promise.resolve({}), flush: () => Promise.resolve(true) }),
    openTelemetrySpanProcessors: [otlp],
  });

  // `math` records tool outputs, so its error results carry their text; `notes` keeps Sentry's default
  // (no outputs).
  const math = Sentry.wrapMcpServerWithSentry(new McpServer({ name: 'math', version: '1.2.0' }), {
    recordOutputs: true,
  });
  math.tool('add', { a: z.number(), b: z.number() }, ({ a, b }) => ({
    content: [{ type: 'text', text: String(a + b) }],
  }));
  math.tool('divide', { a: z.number(), b: z.number() }, ({ a, b }) =>
    b === 0
      ? { isError: true, content: [{ type: 'text', text: 'cannot divide by zero' }] }
      : { content: [{ type: 'text', text: String(a / b) }] },
  );
  const notes = Sentry.wrapMcpServerWithSentry(new McpServer({ name: 'notes', version: '0.3.0' }));
  notes.tool('save', { text: z.string() }, () => ({ content: [{ type: 'text', text: 'saved' }] }));
  notes.tool('sync', {}, () => {
    throw new Error('notes backend unreachable');
  });

  const mathClient = await connect(math);
  const notesClient = await connect(notes);
  requests.math++; // initialize
  requests.notes++;
  const call = async (client: Client, server: keyof typeof requests, name: string, args = {}) => {
    requests[server]++;
    await client.callTool({ name, arguments: args });
  };
  requests.math++;
  await mathClient.listTools();
  await call(mathClient, 'math', 'add', { a: 1, b: 2 });
  await call(mathClient, 'math', 'add', { a: 2, b: 3 });
  await call(mathClient, 'math', 'divide', { a: 1, b: 0 });
  await call(mathClient, 'math', 'sqrt', { x: 2 }); // no such tool
  await call(notesClient, 'notes', 'save', { text: 'hello' });
  await call(notesClient, 'notes', 'sync');
  await mathClient.close();
  await notesClient.close();
  await otlp.forceFlush();
});

afterAll(async () => {
  await Sentry.close(2_000);
  await collector?.stop();
});

describe('wrapMcpServerWithSentry, exported over OTLP/gRPC', () => {
  it('names the server from mcp.server.name and the tool from mcp.tool.name: a row per tool', async () => {
    const rows = await api.toolsWhenStored({ method: 'tools/call' }, 6);
    expect(toolRows(rows)).toEqual([
      { server: 'math', method: 'tools/call', tool: 'add', layer: 'server', count: 2, errors: 0 },
      { server: 'math', method: 'tools/call', tool: 'divide', layer: 'server', count: 1, errors: 1 },
      // McpServer refuses an unknown tool with an isError result "MCP error -32602: …": a failed call
      // (the caller's fault, which the root cause says; see below).
      { server: 'math', method: 'tools/call', tool: 'sqrt', layer: 'server', count: 1, errors: 1 },
      { server: 'notes', method: 'tools/call', tool: 'save', layer: 'server', count: 1, errors: 0 },
      { server: 'notes', method: 'tools/call', tool: 'sync', layer: 'server', count: 1, errors: 1 },
    ]);
  });

  it('counts each server’s requests in the overview, and one tool’s with ?tool=', async () => {
    await api.toolsWhenStored({}, requests.math + requests.notes);
    expect((await api.overview({ server: 'math' })).totals.count).toBe(requests.math);
    expect((await api.overview({ server: 'notes' })).totals.count).toBe(requests.notes);
    expect((await api.overview({ server: 'math', tool: 'add' })).totals).toMatchObject({
      count: 2,
      errors: 0,
    });
  });

  it('finds the calls with ?tool= and keeps what Sentry sent beside what was added', async () => {
    const traces = await api.traces({ tool: 'add' });
    expect(traces).toHaveLength(2); // Sentry makes each request a transaction: a trace of its own
    expect(await api.traces({ tool: 'multiply' })).toEqual([]);
    const { spans } = await api.trace(traces[0]!.traceId);
    const [span] = callsOf(spans, 'add');
    expect(span?.attributes).toMatchObject({
      // as Sentry sent them
      'mcp.method.name': 'tools/call',
      'mcp.tool.name': 'add',
      'mcp.server.name': 'math',
      'mcp.client.name': 'sentry-test-agent',
      'mcp.transport': 'InMemoryTransport',
      'sentry.origin': 'auto.function.mcp_server',
      // added at ingest
      'gen_ai.tool.name': 'add',
      'mcpscope.server.name': 'math',
      'mcpscope.server.version': '1.2.0',
      'mcpscope.client.name': 'sentry-test-agent',
      'mcpscope.client.version': '3.1.0',
      'mcpscope.transport.kind': 'in-memory',
      'mcpscope.layer': 'server',
      'mcpscope.dialect': 'sentry',
    });
    expect(span?.attributes['jsonrpc.request.id']).toBe(span?.attributes['mcp.request.id']);
  });

  it('lists the failures with their error type, fault and root cause', async () => {
    const errors = await api.errorsWhenDecided({}, 3);
    const groups = errors.map(({ server, tool, errorType, fault }) => ({ server, tool, errorType, fault }));
    expect(groups).toEqual(
      expect.arrayContaining([
        { server: 'math', tool: 'divide', errorType: 'tool_error', fault: 'tool' },
        { server: 'math', tool: 'sqrt', errorType: '-32602', fault: 'caller' },
        // The handler threw; McpServer answered an isError result (Sentry: status internal_error).
        { server: 'notes', tool: 'sync', errorType: 'tool_error', fault: 'tool' },
      ]),
    );
    const divide = errors.find((e) => e.tool === 'divide')!;
    const { rootCauses } = await api.trace(divide.exampleTraceId);
    expect(rootCauses).toEqual([
      expect.objectContaining({
        layer: 'tool',
        errorType: 'tool_error',
        call: expect.objectContaining({ server: 'math', tool: 'divide', layers: ['server'] }),
      }),
    ]);
  });
});
