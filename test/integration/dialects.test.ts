/**
 * Issue #13 part 2: MCP spans of other instrumentations, normalised at ingest, seen through the views.
 *
 * 1. OpenLLMetry's `@traceloop/instrumentation-mcp` on a real MCP SDK 1.x Client, with the real
 *    OpenTelemetry tracer provider and OTLP/HTTP exporter, calling a real McpServer over the SDK's
 *    in-memory transport, into a real collector (embedded ClickHouse).
 * 2. Libraries that cannot run here (Python's traceloop instrumentation, OpenInference, senders of the
 *    older semantic-convention drafts): OTLP/JSON bodies BUILT FROM THE ATTRIBUTE NAMES IN THOSE
 *    LIBRARIES' SOURCES (cited beside each), not recorded from the libraries themselves — Python does
 *    not run on this machine, and OpenInference's MCP instrumentation only propagates context.
 *
 * Sentry's MCP server wrapper, which takes over the process's OpenTelemetry globals, has its own
 * process: dialects-sentry.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { McpInstrumentation } from '@traceloop/instrumentation-mcp';
import { z } from 'zod';
import { startCollector, waitFor, type TestCollector } from '../helpers/collector.js';
import { callsOf, DialectApi, toolRows } from './dialectApi.js';

let collector: TestCollector;
let api: DialectApi;

beforeAll(async () => {
  collector = await startCollector();
  api = new DialectApi(collector.url);
});

afterAll(async () => {
  await collector?.stop();
});

/** A small calculator server: a tool that works, one that reports an error result, a prompt, a resource. */
function calculatorServer(): McpServer {
  const server = new McpServer({ name: 'calc', version: '1.4.0' });
  server.tool('add', { a: z.number(), b: z.number() }, ({ a, b }) => ({
    content: [{ type: 'text', text: String(a + b) }],
  }));
  server.tool('divide', { a: z.number(), b: z.number() }, ({ a, b }) =>
    b === 0
      ? { isError: true, content: [{ type: 'text', text: 'cannot divide by zero' }] }
      : { content: [{ type: 'text', text: String(a / b) }] },
  );
  server.prompt('explain', { topic: z.string() }, ({ topic }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Explain ${topic}` } }],
  }));
  server.resource(
    'constant',
    new ResourceTemplate('const://{name}', { list: undefined }),
    (uri, { name }) => {
      if (name !== 'pi') throw new Error(`no constant ${String(name)}`);
      return { contents: [{ uri: uri.href, text: '3.14159' }] };
    },
  );
  return server;
}

describe('@traceloop/instrumentation-mcp on a real client and server, over OTLP/HTTP', () => {
  const SERVICE = 'traceloop-agent';
  let provider: NodeTracerProvider;
  /** Requests the client sent, as the instrumentation sees them (each is one span). */
  let requests = 0;

  beforeAll(async () => {
    provider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': SERVICE }),
      spanProcessors: [
        new BatchSpanProcessor(new OTLPTraceExporter({ url: `${collector.url}/v1/traces` }), {
          scheduledDelayMillis: 50,
        }),
      ],
    });
    provider.register();
    // Module hooks cannot see an ESM module that is already loaded: patch the Client class the way
    // traceloop documents for ESM (the same wrappers the hooks install).
    const instrumentation = new McpInstrumentation({ enabled: false });
    instrumentation.setTracerProvider(provider);
    instrumentation.manuallyInstrument({ Client });

    const server = calculatorServer();
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    const client = new Client({ name: SERVICE, version: '1.0.0' });
    const send = async (call: () => Promise<unknown>) => {
      requests++;
      await call().catch(() => undefined);
    };
    requests++; // initialize, sent by connect()
    await client.connect(clientTransport);
    await send(() => client.listTools());
    for (const [a, b] of [
      [1, 2],
      [3, 4],
      [5, 6],
    ])
      await send(() => client.callTool({ name: 'add', arguments: { a, b } }));
    await send(() => client.callTool({ name: 'divide', arguments: { a: 1, b: 0 } }));
    await send(() => client.callTool({ name: 'sqrt', arguments: { x: 2 } })); // no such tool
    await send(() => client.getPrompt({ name: 'explain', arguments: { topic: 'division' } }));
    await send(() => client.readResource({ uri: 'const://pi' }));
    await send(() => client.readResource({ uri: 'const://tau' })); // the handler throws
    await client.close(); // ends traceloop's session span, the root of every call's span
    await provider.forceFlush();
  });

  afterAll(async () => {
    await provider?.shutdown();
  });

  it('fills the method, tool and layer columns: /api/tools has a row per tool', async () => {
    const rows = await api.toolsWhenStored({ service: SERVICE }, requests);
    const calls = toolRows(rows).filter((r) => r.method === 'tools/call');
    expect(calls).toEqual([
      { server: '', method: 'tools/call', tool: 'add', layer: 'client', count: 3, errors: 0 },
      { server: '', method: 'tools/call', tool: 'divide', layer: 'client', count: 1, errors: 1 },
      { server: '', method: 'tools/call', tool: 'sqrt', layer: 'client', count: 1, errors: 1 },
    ]);
    const methods = new Set(rows.map((r) => r.method));
    for (const m of ['initialize', 'tools/list', 'prompts/get', 'resources/read'])
      expect(methods).toContain(m);
    expect(rows.find((r) => r.method === 'prompts/get')?.tool).toBe('explain');
  });

  it('counts every request in the overview, and the calls of one tool with ?tool=', async () => {
    const overview = await api.overview({ service: SERVICE });
    expect(overview.totals.count).toBe(requests);
    expect(overview.totals.errors).toBe(3); // divide's error result, sqrt's, const://tau's JSON-RPC error
    const add = await api.overview({ service: SERVICE, tool: 'add' });
    expect(add.totals).toMatchObject({ count: 3, errors: 0 });
  });

  it('finds the calls with ?tool= and keeps every attribute traceloop sent', async () => {
    const [found] = await api.traces({ service: SERVICE, tool: 'add' });
    expect(found).toBeDefined();
    expect(await api.traces({ service: SERVICE, tool: 'multiply' })).toEqual([]);
    const { spans } = await api.trace(found!.traceId);
    const adds = callsOf(spans, 'add');
    expect(adds).toHaveLength(3);
    for (const s of adds) {
      expect(s.name).toBe('add.tool');
      expect(s.scope?.name).toBe('@traceloop/instrumentation-mcp');
      expect(s.attributes).toMatchObject({
        'mcp.method.name': 'tools/call',
        'mcpscope.layer': 'client',
        'mcpscope.dialect': 'traceloop',
        'traceloop.span.kind': 'tool',
        'traceloop.entity.name': 'add',
      });
      expect(JSON.parse(s.attributes['traceloop.entity.input']!)).toMatchObject({ tool_name: 'add' });
    }
    const read = spans.find((s) => s.name === 'resources/read.mcp' && s.statusCode !== 'Error');
    expect(read?.attributes['mcp.resource.uri']).toBe('const://pi');
    // The session span is not a request: it gets no method.
    const session = spans.find((s) => s.name === 'mcp.client.session');
    expect(session?.attributes['mcp.method.name']).toBeUndefined();
  });

  it('attributes each failure by the SDK rules: the tool, the caller, and the root cause says so', async () => {
    const errors = await api.errorsWhenDecided({ service: SERVICE }, 3);
    const groups = errors.map(({ method, tool, errorType, fault }) => ({ method, tool, errorType, fault }));
    expect(groups).toEqual(
      expect.arrayContaining([
        { method: 'tools/call', tool: 'divide', errorType: 'tool_error', fault: 'tool' },
        // McpServer answers an unknown tool with an isError result "MCP error -32602: …": the caller's.
        { method: 'tools/call', tool: 'sqrt', errorType: '-32602', fault: 'caller' },
      ]),
    );
    // The resource handler threw: McpServer answers -32603 (internal error), the server's fault.
    const resource = errors.find((e) => e.method === 'resources/read');
    expect(resource).toMatchObject({ errorType: '-32603', fault: 'server' });

    const divide = errors.find((e) => e.tool === 'divide')!;
    const { rootCauses } = await api.trace(divide.exampleTraceId);
    const verdict = rootCauses.find((r) => r.call.tool === 'divide');
    expect(verdict).toMatchObject({
      layer: 'tool',
      errorType: 'tool_error',
      message: 'cannot divide by zero',
    });
    expect(verdict?.call.layers).toEqual(['client']);
  });
});

// ── OTLP/JSON bodies built from the libraries' source attribute names ─────────────────────────────────

const KIND = { internal: 1, server: 2, client: 3 } as const;

interface BuiltSpan {
  name: string;
  kind: keyof typeof KIND;
  attributes: Record<string, string>;
  /** Index of the parent in the same body. */
  parent?: number;
  /** The parent's span id, for a parent in another process's body. */
  parentSpanId?: string;
  spanId?: string;
  error?: { message: string; exception?: string };
}

/** One export request of one process: a resource, a scope, spans of one trace, ending now. */
function otlpJson(
  service: string,
  scope: string,
  spans: BuiltSpan[],
  traceId = randomBytes(16).toString('hex'),
) {
  const ids = spans.map((s) => s.spanId ?? randomBytes(8).toString('hex'));
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: scope, version: '0.0.0' },
            spans: spans.map((s, i) => {
              const start = now - BigInt(spans.length - i) * 5_000_000n;
              return {
                traceId,
                spanId: ids[i],
                ...(s.parent !== undefined || s.parentSpanId !== undefined
                  ? { parentSpanId: s.parentSpanId ?? ids[s.parent!] }
                  : {}),
                name: s.name,
                kind: KIND[s.kind],
                startTimeUnixNano: String(start),
                endTimeUnixNano: String(start + 3_000_000n),
                attributes: Object.entries(s.attributes).map(([key, v]) => ({
                  key,
                  value: { stringValue: v },
                })),
                ...(s.error
                  ? {
                      status: { code: 2, message: s.error.message },
                      events: s.error.exception
                        ? [
                            {
                              name: 'exception',
                              timeUnixNano: String(start + 2_000_000n),
                              attributes: [
                                { key: 'exception.type', value: { stringValue: s.error.exception } },
                                { key: 'exception.message', value: { stringValue: s.error.message } },
                              ],
                            },
                          ]
                        : [],
                    }
                  : { status: { code: 1 } }),
              };
            }),
          },
        ],
      },
    ],
  };
}

async function post(body: unknown): Promise<void> {
  const res = await fetch(`${collector.url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({});
}

describe('built from the sources: traceloop Python (opentelemetry-instrumentation-mcp, FastMCP)', () => {
  // Names from traceloop/openllmetry packages/opentelemetry-instrumentation-mcp: instrumentation.py
  // (`_handle_tool_call`, `_handle_mcp_method`, error.type on isError results) and
  // fastmcp_instrumentation.py (`mcp.server` parent span, `<tool>.tool` with traceloop.workflow.name
  // `<server>.mcp`). The tracer is `get_tracer(__name__)` of instrumentation.py.
  const SCOPE = 'opentelemetry.instrumentation.mcp.instrumentation';
  const traceId = randomBytes(16).toString('hex');
  const clientCallId = randomBytes(8).toString('hex');

  beforeAll(async () => {
    await post(
      otlpJson(
        'py-agent',
        SCOPE,
        [
          { name: 'tools/list.mcp', kind: 'internal', attributes: { 'traceloop.entity.input': '{}' } },
          {
            name: 'divide.tool',
            kind: 'internal',
            spanId: clientCallId,
            attributes: {
              'traceloop.span.kind': 'tool',
              'traceloop.entity.name': 'divide',
              'traceloop.entity.input': '{"tool_name": "divide", "arguments": {"a": 1, "b": 0}}',
              'error.type': 'tool_error',
            },
            error: { message: 'division by zero' },
          },
        ],
        traceId,
      ),
    );
    // The server's spans of the same call, beneath the client's (the Python instrumentation puts the
    // traceparent into params._meta).
    await post(
      otlpJson(
        'py-calc-server',
        SCOPE,
        [
          {
            name: 'mcp.server',
            kind: 'internal',
            parentSpanId: clientCallId,
            attributes: {
              'traceloop.span.kind': 'server',
              'traceloop.entity.name': 'mcp.server',
              'traceloop.workflow.name': 'calc.mcp',
              'error.type': 'ZeroDivisionError',
            },
            error: { message: 'division by zero', exception: 'ZeroDivisionError' },
          },
          {
            name: 'divide.tool',
            kind: 'internal',
            parent: 0,
            attributes: {
              'traceloop.span.kind': 'tool',
              'traceloop.entity.name': 'divide',
              'traceloop.workflow.name': 'calc.mcp',
              'error.type': 'ZeroDivisionError',
            },
            error: { message: 'division by zero', exception: 'ZeroDivisionError' },
          },
        ],
        traceId,
      ),
    );
  });

  it('shows the client and the FastMCP server sides, the server named from its workflow', async () => {
    const agent = await api.toolsWhenStored({ service: 'py-agent' }, 2);
    expect(toolRows(agent)).toEqual([
      { server: '', method: 'tools/call', tool: 'divide', layer: 'client', count: 1, errors: 1 },
      { server: '', method: 'tools/list', tool: '', layer: 'client', count: 1, errors: 0 },
    ]);
    const server = await api.toolsWhenStored({ service: 'py-calc-server' }, 1);
    expect(toolRows(server)).toEqual([
      { server: 'calc', method: 'tools/call', tool: 'divide', layer: 'server', count: 1, errors: 1 },
    ]);
  });

  it('joins both sides into one call whose root cause is the tool', async () => {
    const trace = await waitFor(async () => {
      const t = await api.trace(traceId);
      return t.spans.length === 4 && t.rootCauses.length > 0 ? t : undefined;
    });
    expect(trace.rootCauses).toHaveLength(1);
    expect(trace.rootCauses[0]).toMatchObject({
      layer: 'tool',
      errorType: 'ZeroDivisionError',
      call: { method: 'tools/call', tool: 'divide', server: 'calc', layers: ['client', 'server'] },
    });
  });
});

describe('built from the sources: OpenInference (OpenAI Agents instrumentation, MCP tools)', () => {
  // Names from Arize-ai/openinference: openinference-semantic-conventions (openinference.span.kind,
  // tool.name, input.value, output.value) and the OpenAI Agents processors (js processor.ts,
  // python _processor.py): function spans become TOOL spans named after the tool, MCPListToolsSpanData
  // a TOOL span named `mcp_tools` whose output is the tool names. OpenInference's own MCP
  // instrumentation emits no spans (it propagates context only).
  const SCOPE = 'openinference.instrumentation.openai_agents';

  beforeAll(async () => {
    await post(
      otlpJson('oi-agent', SCOPE, [
        { name: 'Assistant', kind: 'internal', attributes: { 'openinference.span.kind': 'AGENT' } },
        {
          name: 'mcp_tools',
          kind: 'internal',
          parent: 0,
          attributes: {
            'openinference.span.kind': 'TOOL',
            'output.value': '["add","divide"]',
            'output.mime_type': 'application/json',
          },
        },
        {
          name: 'add',
          kind: 'internal',
          parent: 0,
          attributes: {
            'openinference.span.kind': 'TOOL',
            'tool.name': 'add',
            'input.value': '{"a":1,"b":2}',
            'input.mime_type': 'application/json',
            'output.value': '3',
          },
        },
        {
          name: 'divide',
          kind: 'internal',
          parent: 0,
          attributes: {
            'openinference.span.kind': 'TOOL',
            'tool.name': 'divide',
            'input.value': '{"a":1,"b":0}',
          },
          error: { message: 'Error running tool divide: cannot divide by zero' },
        },
      ]),
    );
  });

  it("shows the agent's MCP list and tool calls; the agent span is not a call", async () => {
    const rows = await api.toolsWhenStored({ service: 'oi-agent' }, 3);
    expect(toolRows(rows)).toEqual([
      { server: '', method: 'tools/call', tool: 'add', layer: 'client', count: 1, errors: 0 },
      { server: '', method: 'tools/call', tool: 'divide', layer: 'client', count: 1, errors: 1 },
      { server: '', method: 'tools/list', tool: '', layer: 'client', count: 1, errors: 0 },
    ]);
  });

  it('lists the failed call; with no error type sent, the root cause is the side that recorded it', async () => {
    const [group] = await api.errorsWhenDecided({ service: 'oi-agent' }, 1);
    expect(group).toMatchObject({ method: 'tools/call', tool: 'divide', fault: 'client' });
  });
});

describe('built from the drafts: the MCP semantic conventions before v1.39', () => {
  // Names from open-telemetry/semantic-conventions history: model/mcp/registry.yaml of the MCP
  // conventions PR (#2083) as first drafted (mcp.tool.name, mcp.prompt.name, mcp.request.id) and
  // common.yaml (rpc.jsonrpc.error_code); the older RPC conventions' JSON-RPC attributes
  // (rpc.method, rpc.jsonrpc.request_id).
  const SCOPE = 'acme-mcp-instrumentation';
  const traceId = randomBytes(16).toString('hex');

  beforeAll(async () => {
    await post(
      otlpJson(
        'draft-agent',
        SCOPE,
        [
          {
            name: 'tools/call lookup',
            kind: 'client',
            attributes: {
              'mcp.method.name': 'tools/call',
              'mcp.tool.name': 'lookup',
              'mcp.request.id': '7',
              'mcp.session.id': 'a1b2',
              'rpc.jsonrpc.error_code': '-32603',
            },
            error: { message: 'Internal error' },
          },
          {
            name: 'prompts/get',
            kind: 'client',
            attributes: {
              'rpc.system': 'jsonrpc',
              'rpc.method': 'prompts/get',
              'rpc.jsonrpc.request_id': '8',
            },
          },
        ],
        traceId,
      ),
    );
  });

  it('reads the draft names into the columns and the JSON-RPC code into the error type and fault', async () => {
    const rows = await api.toolsWhenStored({ service: 'draft-agent' }, 2);
    expect(toolRows(rows)).toEqual([
      { server: '', method: 'prompts/get', tool: '', layer: 'client', count: 1, errors: 0 },
      { server: '', method: 'tools/call', tool: 'lookup', layer: 'client', count: 1, errors: 1 },
    ]);
    const [group] = await api.errorsWhenDecided({ service: 'draft-agent' }, 1);
    expect(group).toMatchObject({ tool: 'lookup', errorType: '-32603', fault: 'server' });
    const { spans } = await api.trace(traceId);
    const call = spans.find((s) => s.name === 'tools/call lookup')!;
    expect(call.attributes).toMatchObject({
      'jsonrpc.request.id': '7',
      'mcp.session.id': 'a1b2',
      'mcp.request.id': '7',
      'mcp.tool.name': 'lookup',
      'mcpscope.dialect': 'otel-draft',
    });
  });
});
