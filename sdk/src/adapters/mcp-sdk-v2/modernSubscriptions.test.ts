import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { createMcpHandler } from '@modelcontextprotocol/server';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { onlySpan, setupTestTelemetry, waitFor, type TestTelemetry } from '../../testing/otel.js';
import { connectHttp, connectInMemory, modernClient } from '../../testing/v2Modern.js';
import { countToolListChanges, expectNormalEnd, listenSpan } from '../../testing/v2ModernChecks.js';
import { createModernServer } from '../../testing/v2ModernServer.js';

// subscriptions/listen (2026-07-28) with real MCP SDK 2.x clients and servers: the CLIENT span lasts as
// long as the subscription, the notifications it delivers are events on it, and it ends without error
// however it ends normally. (The 2.x serving entries answer listen themselves, before any server
// instance sees it, so there is no SERVER span of it to find: see the report on issue #10.)

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());

describe('subscriptions/listen', () => {
  it('in memory: the span covers the subscription, its deliveries are events, the client closes it', async () => {
    const client = modernClient();
    const changes = countToolListChanges(client);
    const pair = await connectInMemory(client);
    telemetry.reset();
    const subscription = await client.listen({ toolsListChanged: true });
    // A tool call that changes the tool list: the change arrives on the subscription, not on the call.
    await client.callTool({ name: 'add_tool', arguments: {} });
    await waitFor(() => changes.count === 1);
    expect(telemetry.spans().some((span) => span.name === 'subscriptions/listen')).toBe(false);
    await subscription.close();
    expect(await subscription.closed).toBe('local');
    const span = await listenSpan(telemetry);
    expectNormalEnd(span, 'client', 1);
    const call = onlySpan(telemetry.spans(), 'tools/call add_tool', SpanKind.CLIENT);
    expect(call.events).toEqual([]);
    await pair.close();
  });

  it('over Streamable HTTP: a client close ends it; so does the server’s graceful close', async () => {
    const handler = createMcpHandler(() => createModernServer('files-v2-http'));
    const client = modernClient();
    const changes = countToolListChanges(client);
    const pair = await connectHttp(client, handler);
    telemetry.reset();
    const first = await client.listen({ toolsListChanged: true });
    handler.notify.toolsChanged();
    await waitFor(() => changes.count === 1);
    await first.close();
    expect(await first.closed).toBe('local');
    expectNormalEnd(await listenSpan(telemetry), 'client', 1);

    telemetry.reset();
    const second = await client.listen({ toolsListChanged: true });
    // The handler's close ends every subscription with the empty listen result.
    await handler.close();
    expect(await second.closed).toBe('graceful');
    expectNormalEnd(await listenSpan(telemetry), 'server', 0);
    await pair.close();
  });

  it('a subscription the server refuses is an error of the server', async () => {
    const handler = createMcpHandler(() => createModernServer('files-v2-http'), { maxSubscriptions: 0 });
    const client = modernClient();
    const pair = await connectHttp(client, handler);
    telemetry.reset();
    await expect(client.listen({ toolsListChanged: true })).rejects.toThrow();
    const span = await listenSpan(telemetry);
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('-32603');
    expect(span.attributes['rpc.response.status_code']).toBe('-32603');
    expect(span.attributes['mcpscope.fault']).toBe('server');
    expect(span.attributes['mcpscope.subscription.closed_by']).toBe('server');
    await pair.close();
  });
});
