import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stdioLaunch, TS_ARGS } from '../pins/testing/pinFixtures.js';
import { waitFor } from '../testing/otel.js';
import { spansInFile } from '../testing/v2Modern.js';
import { proxyExportEnv, startOtlpJsonReceiver, type OtlpJsonReceiver } from './testing/otlpJsonReceiver.js';

// Real processes: an MCP SDK 2.x Client in the 2026-07-28 era (no initialize) → `mcpscope proxy` child
// process → an instrumented 2.x McpServer child process (`serveStdio`). The proxy learns who is talking
// only from each message's `_meta`, and its spans join the server's trace.

const cliPath = fileURLToPath(new URL('../cli.ts', import.meta.url));
const serverPath = fileURLToPath(new URL('../testing/v2StdioServerFixture.ts', import.meta.url));

let receiver: OtlpJsonReceiver;
let dir: string;

beforeAll(async () => {
  receiver = await startOtlpJsonReceiver();
  dir = mkdtempSync(join(tmpdir(), 'mcpscope-stdio-eras-'));
});

afterAll(async () => {
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('mcpscope proxy (stdio), MCP SDK 2.x in the 2026-07-28 era', () => {
  it('names client, server and protocol version from _meta and joins the server trace', async () => {
    const spansFile = join(dir, 'server-spans.jsonl');
    const env = proxyExportEnv(receiver.endpoint, { MCPSCOPE_SPANS_FILE: spansFile });
    const client = new Client(
      { name: 'agent-modern', version: '4.0.0' },
      { versionNegotiation: { mode: 'auto' } },
    );
    await client.connect(
      new StdioClientTransport(
        stdioLaunch(
          [cliPath, 'proxy', '--service-name', 'eras-proxy', '--', process.execPath, ...TS_ARGS, serverPath],
          env,
        ),
      ),
    );
    expect(client.getProtocolEra()).toBe('modern');
    const result = await client.callTool({ name: 'get_weather', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'sunny' }]);
    await client.close();

    const [call] = await receiver.waitFor((span) => span.name === 'tools/call get_weather');
    expect(call!.attributes).toMatchObject({
      'mcpscope.source': 'proxy',
      'mcpscope.client.name': 'agent-modern',
      'mcpscope.client.version': '4.0.0',
      'mcp.protocol.version': '2026-07-28',
      'mcpscope.server.name': 'weather-v2-stdio',
      'mcpscope.server.version': '2.0.0',
    });
    // No initialize in this era: nothing the proxy saw was one.
    expect(receiver.spans.filter((span) => span.name === 'initialize')).toEqual([]);

    // The server's own span is the proxy span's child, in the same trace.
    await waitFor(() => spansInFile(spansFile).some((span) => span.name === 'tools/call get_weather'));
    const serverSpans = spansInFile(spansFile);
    const serverSpan = serverSpans.find((span) => span.name === 'tools/call get_weather');
    expect(serverSpan?.traceId).toBe(call!.traceId);
    expect(serverSpan?.parentSpanId).toBe(call!.spanId);
  });
});
