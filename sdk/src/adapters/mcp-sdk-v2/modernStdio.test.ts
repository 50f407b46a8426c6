import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { onlySpan, setupTestTelemetry, waitFor, type TestTelemetry } from '../../testing/otel.js';
import { connectStdio, modernClient, spansInFile, type ModernPair } from '../../testing/v2Modern.js';
import {
  callConfirm,
  checkOneCall,
  CONFIRM_CALL,
  countToolListChanges,
  expectNormalEnd,
  listenThenDisconnect,
  listenSpan,
  observeElicitation,
} from '../../testing/v2ModernChecks.js';
import { TOOLS_LIST_CACHE_HINT } from '../../testing/v2ModernServer.js';

// The 2026-07-28 features over stdio, the server in a child process (v2ModernServerFixture.ts, spans
// appended to a file): one connection for the whole file, since each connect starts two processes (MCP
// SDK 2.x probes on a sibling one first). The tests run in order; the last one ends the connection.

let telemetry: TestTelemetry;
let file: string;
let pair: ModernPair;
let elicitations: { spanIds: Array<string | undefined> };
let changes: { count: number };

beforeAll(async () => {
  telemetry = setupTestTelemetry();
  file = join(mkdtempSync(join(tmpdir(), 'mcpscope-v2-modern-stdio-')), 'server.jsonl');
  const client = modernClient();
  elicitations = observeElicitation(client);
  changes = countToolListChanges(client);
  pair = await connectStdio(client, file);
}, 60_000);
beforeEach(() => {
  telemetry.reset();
  elicitations.spanIds.length = 0;
});
afterAll(() => pair.close());

const serverSpans = (name: string) => spansInFile(file).filter((span) => span.name === name);

describe('MCP SDK 2.x over stdio, 2026-07-28 era', () => {
  it('the server records the probe; Client.discover() is one trace across the processes', async () => {
    expect(pair.client.getProtocolEra()).toBe('modern');
    // MCP SDK 2.x probes a stdio server on a disposable sibling process whose transport stays inside the
    // SDK: only that process's SERVER span records the probe (see the report on issue #10).
    await waitFor(() => serverSpans('server/discover').length === 1);
    await pair.client.discover();
    await pair.client.listTools();
    await waitFor(
      () => serverSpans('tools/list').length === 1 && serverSpans('server/discover').length === 2,
    );
    await waitFor(() => telemetry.spans().some((span) => span.name === 'tools/list'));
    const client = onlySpan(telemetry.spans(), 'server/discover', SpanKind.CLIENT);
    const transport = onlySpan(telemetry.spans(), 'stdio server/discover');
    const server = serverSpans('server/discover').filter(
      (span) => span.traceId === client.spanContext().traceId,
    );
    expect(server).toHaveLength(1);
    expect(server[0]?.parentSpanId).toBe(transport.spanContext().spanId);
    expect(client.attributes['mcpscope.server.name']).toBe('files-v2-stdio');
    const listClient = onlySpan(telemetry.spans(), 'tools/list', SpanKind.CLIENT);
    expect(listClient.attributes['mcpscope.server.name']).toBe('files-v2-stdio');
    for (const attributes of [listClient.attributes, serverSpans('tools/list')[0]?.attributes ?? {}]) {
      expect(attributes['mcpscope.list.ttl_ms']).toBe(TOOLS_LIST_CACHE_HINT.ttlMs);
      expect(attributes['mcpscope.list.cache_scope']).toBe(TOOLS_LIST_CACHE_HINT.cacheScope);
    }
  }, 30_000);

  it('an input request embedded in a result: one call across the two processes', async () => {
    await callConfirm(pair);
    await waitFor(() => serverSpans(CONFIRM_CALL).length === 2);
    await waitFor(() => telemetry.spans().some((span) => span.name === CONFIRM_CALL));
    checkOneCall(telemetry.spans(), 'stdio tools/call', spansInFile(file), elicitations.spanIds);
  }, 30_000);

  it('a subscription still open when the client disconnects ends with the stream, without error', async () => {
    await listenThenDisconnect(pair, changes);
    expectNormalEnd(await listenSpan(telemetry), 'transport', 2);
  }, 30_000);
});
