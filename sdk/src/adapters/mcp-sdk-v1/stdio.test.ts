import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instrumentClient } from '../../instrumentClient.js';
import { createDemoClient } from '../../testing/demoClient.js';
import type { SpanRecord } from '../../testing/jsonLinesSpanExporter.js';
import { onlySpan, setupTestTelemetry, waitFor, type TestTelemetry } from '../../testing/otel.js';

const FIXTURE = fileURLToPath(new URL('../../testing/stdioServerFixture.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

let telemetry: TestTelemetry;
let dir: string;
beforeAll(() => {
  telemetry = setupTestTelemetry();
  dir = mkdtempSync(join(tmpdir(), 'mcpscope-stdio-'));
});
afterEach(() => telemetry.reset());

function startServer(file: string) {
  const client = instrumentClient(createDemoClient());
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--conditions=mcpscope-source', '--import', 'tsx', FIXTURE],
    env: { ...(process.env as Record<string, string>), MCPSCOPE_SPANS_FILE: file },
    cwd: REPO_ROOT,
    stderr: 'inherit',
  });
  return { client, transport };
}

function serverSpans(file: string): SpanRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SpanRecord);
}

/**
 * A stdio MCP server written without any SDK, the way servers in other languages often format JSON
 * (Python's json.dumps puts a space after ':' and ','): it answers initialize and ping.
 */
const SPACED_SERVER = `
const spaced = (message) => JSON.stringify(message).replace(/":/g, '": ').replace(/,"/g, ', "');
let rest = '';
process.stdin.on('data', (chunk) => {
  rest += chunk;
  let newline;
  while ((newline = rest.indexOf('\\n')) >= 0) {
    const request = JSON.parse(rest.slice(0, newline));
    rest = rest.slice(newline + 1);
    if (request.id === undefined) continue;
    const result = request.method === 'initialize'
      ? { protocolVersion: request.params.protocolVersion, capabilities: {}, serverInfo: { name: 'spaced', version: '1.0.0' } }
      : {};
    process.stdout.write(spaced({ jsonrpc: '2.0', id: request.id, result }) + '\\n');
  }
});
`;

describe('stdio transport (server in a child process)', () => {
  it('counts the bytes the server really wrote, not a re-serialization', async () => {
    const client = instrumentClient(createDemoClient());
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: ['-e', SPACED_SERVER], stderr: 'inherit' }),
    );
    telemetry.reset();
    await client.ping();
    const wire = onlySpan(telemetry.spans(), 'stdio ping');
    const id = Number(wire.attributes['jsonrpc.request.id']);
    const written = `{"jsonrpc": "2.0", "id": ${id}, "result": {}}`;
    expect(wire.attributes['mcpscope.transport.response_bytes']).toBe(written.length);
    expect(written.length).toBeGreaterThan(JSON.stringify(JSON.parse(written)).length);
    await client.close();
  });

  it('links client, transport and server spans across processes with byte counts', async () => {
    const file = join(dir, 'spans-ok.jsonl');
    const { client, transport } = startServer(file);
    await client.connect(transport);
    await client.listTools();
    telemetry.reset();
    const result = await client.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
    expect(result.structuredContent).toEqual({ city: 'Oslo', celsius: 21 });
    await client.callTool({ name: 'sampling_tool' });
    await waitFor(() => serverSpans(file).filter((span) => span.name.startsWith('tools/call')).length === 2);
    await waitFor(() => telemetry.spans().filter((span) => span.name.startsWith('tools/call')).length === 2);
    const local = telemetry.spans();
    const remote = serverSpans(file);

    const clientSpan = onlySpan(local, 'tools/call get_weather', SpanKind.CLIENT);
    const wire = local.find(
      (span) =>
        span.name === 'stdio tools/call' &&
        span.parentSpanContext?.spanId === clientSpan.spanContext().spanId,
    );
    expect(wire).toBeDefined();
    expect(wire?.attributes['network.transport']).toBe('pipe');
    expect(wire?.attributes['mcpscope.transport.kind']).toBe('stdio');
    expect(wire?.attributes['mcpscope.transport.request_bytes']).toBeGreaterThan(50);
    expect(wire?.attributes['mcpscope.transport.response_bytes']).toBeGreaterThan(50);
    expect(String(clientSpan.attributes['mcpscope.server.command'])).toContain('stdioServerFixture.ts');
    expect(clientSpan.attributes['mcpscope.server.name']).toBe('weather-stdio');

    const serverSpan = remote.find((span) => span.name === 'tools/call get_weather');
    expect(serverSpan?.kind).toBe(SpanKind.SERVER);
    expect(serverSpan?.traceId).toBe(clientSpan.spanContext().traceId);
    expect(serverSpan?.parentSpanId).toBe(wire?.spanContext().spanId);
    expect(serverSpan?.attributes['mcpscope.layer']).toBe('server');
    // Sizes agree across the pipe: what one side serialized is what the other side read off the wire.
    expect(serverSpan?.attributes['mcpscope.transport.request_bytes']).toBe(
      wire?.attributes['mcpscope.transport.request_bytes'],
    );
    expect(wire?.attributes['mcpscope.transport.response_bytes']).toBe(
      serverSpan?.attributes['mcpscope.transport.response_bytes'],
    );
    expect(serverSpan?.attributes['network.transport']).toBe('pipe');
    expect(serverSpan?.attributes['mcpscope.client.name']).toBe('agent');

    // Sampling from inside the tool: CLIENT span in the server process, SERVER span here, one trace.
    const toolInServer = remote.find((span) => span.name === 'tools/call sampling_tool');
    const samplingOut = remote.find((span) => span.name === 'sampling/createMessage');
    expect(samplingOut?.kind).toBe(SpanKind.CLIENT);
    expect(samplingOut?.parentSpanId).toBe(toolInServer?.spanId);
    const samplingWire = remote.find((span) => span.name === 'stdio sampling/createMessage');
    expect(samplingWire?.parentSpanId).toBe(samplingOut?.spanId);
    const samplingIn = onlySpan(local, 'sampling/createMessage', SpanKind.SERVER);
    expect(samplingIn.parentSpanContext?.spanId).toBe(samplingWire?.spanId);
    await client.close();
  });

  it('tells the server the command it was launched with on tools/list, so both sides name it alike', async () => {
    const file = join(dir, 'spans-command.jsonl');
    const { client, transport } = startServer(file);
    await client.connect(transport);
    const result = await client.listTools();
    // What MCP returns is untouched: the command goes on the request only.
    expect(JSON.stringify(result)).not.toContain('mcpscope/serverCommand');
    await client.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
    await waitFor(() => serverSpans(file).some((span) => span.name === 'tools/call get_weather'));
    await waitFor(() => telemetry.spans().some((span) => span.name === 'tools/call get_weather'));
    const clientList = onlySpan(telemetry.spans(), 'tools/list', SpanKind.CLIENT);
    const command = clientList.attributes['mcpscope.server.command'];
    expect(String(command)).toContain('stdioServerFixture.ts');
    const serverList = serverSpans(file).find((span) => span.name === 'tools/list');
    expect(serverList?.attributes['mcpscope.server.command']).toBe(command);
    expect(serverList?.attributes['mcpscope.tools.fingerprint']).toBe(
      clientList.attributes['mcpscope.tools.fingerprint'],
    );
    // Only tools/list carries it: a tools/call costs nothing more.
    const serverCall = serverSpans(file).find((span) => span.name === 'tools/call get_weather');
    expect(serverCall?.attributes['mcpscope.server.command']).toBeUndefined();
    await client.close();
  });

  it('attributes a server process that dies mid-call to the server', async () => {
    const file = join(dir, 'spans-exit.jsonl');
    const { client, transport } = startServer(file);
    await client.connect(transport);
    telemetry.reset();
    await expect(client.callTool({ name: 'exit_process' })).rejects.toThrow(/Connection closed/);
    await waitFor(() => telemetry.spans().some((span) => span.name === 'tools/call exit_process'));
    // The connection closed without this process closing it: the child process it spawned died.
    const wire = onlySpan(telemetry.spans(), 'stdio tools/call');
    expect(wire.attributes['error.type']).toBe('connection_closed');
    expect(wire.attributes['mcpscope.fault']).toBe('server');
    expect(wire.status.code).toBe(SpanStatusCode.ERROR);
    const clientSpan = onlySpan(telemetry.spans(), 'tools/call exit_process', SpanKind.CLIENT);
    expect(clientSpan.attributes['error.type']).toBe('connection_closed');
    expect(clientSpan.attributes['mcpscope.fault']).toBe('server');
    expect(clientSpan.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('keeps a call cut off by the client’s own close() on the transport', async () => {
    const file = join(dir, 'spans-close.jsonl');
    const { client, transport } = startServer(file);
    await client.connect(transport);
    telemetry.reset();
    const call = client.callTool({ name: 'slow_tool', arguments: { ms: 10_000 } });
    setTimeout(() => void client.close(), 100);
    await expect(call).rejects.toThrow(/Connection closed/);
    await waitFor(() => telemetry.spans().some((span) => span.name === 'tools/call slow_tool'));
    const wire = onlySpan(telemetry.spans(), 'stdio tools/call');
    expect(wire.attributes['error.type']).toBe('connection_closed');
    expect(wire.attributes['mcpscope.fault']).toBe('transport');
    const clientSpan = onlySpan(telemetry.spans(), 'tools/call slow_tool', SpanKind.CLIENT);
    expect(clientSpan.attributes['error.type']).toBe('connection_closed');
    expect(clientSpan.attributes['mcpscope.fault']).toBeUndefined();
  });
});
