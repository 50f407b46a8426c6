import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpanKind } from '@opentelemetry/api';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instrumentClient } from '../../instrumentClient.js';
import type { SpanRecord } from '../../testing/jsonLinesSpanExporter.js';
import {
  onlySpan,
  parentSpanId,
  setupTestTelemetry,
  waitFor,
  type TestTelemetry,
} from '../../testing/otel.js';

// A 2.x Client and a 2.x McpServer (served by `serveStdio`) in two processes over stdio, in both eras:
// one tools/call is one trace across the processes.

const FIXTURE = fileURLToPath(new URL('../../testing/v2StdioServerFixture.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

let telemetry: TestTelemetry;
let dir: string;
beforeAll(() => {
  telemetry = setupTestTelemetry();
  dir = mkdtempSync(join(tmpdir(), 'mcpscope-v2-stdio-'));
});
afterEach(() => telemetry.reset());

function serverSpans(file: string): SpanRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SpanRecord);
}

describe('MCP SDK 2.x over stdio', () => {
  for (const era of ['legacy', 'modern'] as const) {
    it(`${era} era: one tools/call is one trace across the two processes`, async () => {
      const file = join(dir, `${era}.jsonl`);
      const client = instrumentClient(
        new Client(
          { name: 'agent-v2', version: '1.2.3' },
          era === 'modern' ? { versionNegotiation: { mode: 'auto' } } : undefined,
        ),
      );
      await client.connect(
        new StdioClientTransport({
          command: process.execPath,
          args: ['--conditions=mcpscope-source', '--import', 'tsx', FIXTURE],
          env: { ...(process.env as Record<string, string>), MCPSCOPE_SPANS_FILE: file },
          cwd: REPO_ROOT,
          stderr: 'inherit',
        }),
      );
      expect(client.getProtocolEra()).toBe(era);
      telemetry.reset();
      await client.callTool({ name: 'get_weather', arguments: {} });
      const name = 'tools/call get_weather';
      await waitFor(() => serverSpans(file).some((span) => span.name === name));
      await waitFor(() => telemetry.spans().some((span) => span.kind === SpanKind.CLIENT));
      const spans = telemetry.spans();
      const clientSpan = onlySpan(spans, name, SpanKind.CLIENT);
      const transportSpan = onlySpan(spans, 'stdio tools/call');
      const serverSpan = serverSpans(file).filter((span) => span.name === name);
      expect(serverSpan).toHaveLength(1);
      expect(parentSpanId(transportSpan)).toBe(clientSpan.spanContext().spanId);
      expect(serverSpan[0]?.traceId).toBe(clientSpan.spanContext().traceId);
      expect(serverSpan[0]?.parentSpanId).toBe(transportSpan.spanContext().spanId);
      expect(serverSpan[0]?.kind).toBe(SpanKind.SERVER);
      for (const attributes of [clientSpan.attributes, serverSpan[0]?.attributes ?? {}]) {
        expect(attributes['network.transport']).toBe('pipe');
        expect(attributes['mcpscope.client.name']).toBe('agent-v2');
        expect(attributes['mcpscope.server.name']).toBe('weather-v2-stdio');
        expect(attributes['mcp.protocol.version']).toBe(era === 'modern' ? '2026-07-28' : '2025-11-25');
      }
      await client.close();
    }, 30_000);
  }
});
