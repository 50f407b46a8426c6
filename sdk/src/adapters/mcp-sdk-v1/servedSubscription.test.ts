import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { instrumentServer } from '../../instrumentServer.js';
import {
  onlySpan,
  parentSpanId,
  setupTestTelemetry,
  waitFor,
  type TestTelemetry,
} from '../../testing/otel.js';

// The serving side of subscriptions/listen (2026-07-28). MCP SDK 2.4.0's serving entries answer listen
// themselves, before any server instance (what instrumentServer sees) gets it, so no real 2.x server
// gives this side to the instrumentation (see modernSubscriptions.test.ts). Here the wire messages a real
// 2.x Client sent — recorded from its in-memory run against `serveStdio` — go through a real transport
// into a real 1.x low-level Server whose own handler serves the subscription, as a server built on the
// Protocol would.

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());

const SUBSCRIPTION_ID = 'io.modelcontextprotocol/subscriptionId';
const TRACE_ID = 'a5cea935aac98a381868282e5d5a25df';
const CLIENT_SPAN_ID = '2c7a1a1313507f5e';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'agent', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};
/** The listen request and the cancel that closed it, as the 2.x Client sent them. */
const LISTEN = {
  jsonrpc: '2.0',
  id: 'listen:0',
  method: 'subscriptions/listen',
  params: {
    _meta: { ...ENVELOPE, traceparent: `00-${TRACE_ID}-${CLIENT_SPAN_ID}-01` },
    notifications: { toolsListChanged: true },
  },
} as JSONRPCMessage;
const CANCEL = {
  jsonrpc: '2.0',
  method: 'notifications/cancelled',
  params: { requestId: 'listen:0', _meta: ENVELOPE },
} as JSONRPCMessage;

const ListenRequest = z.object({
  method: z.literal('subscriptions/listen'),
  params: z.object({ notifications: z.record(z.unknown()) }).passthrough(),
});

/** A 1.x Server serving listen: acknowledges, delivers one change, and holds the request open. */
async function servingPair() {
  const server = new Server(
    { name: 'files', version: '1.0.0' },
    { capabilities: { tools: { listChanged: true } } },
  );
  server.setRequestHandler(ListenRequest, async (request, extra) => {
    const _meta = { [SUBSCRIPTION_ID]: extra.requestId };
    await extra.sendNotification({
      method: 'notifications/subscriptions/acknowledged' as never,
      params: { notifications: request.params.notifications, _meta },
    });
    await extra.sendNotification({ method: 'notifications/tools/list_changed', params: { _meta } });
    return new Promise((resolve) => extra.signal.addEventListener('abort', () => resolve({})));
  });
  instrumentServer(server);
  const [peer, serverTransport] = InMemoryTransport.createLinkedPair();
  const received: JSONRPCMessage[] = [];
  peer.onmessage = (message) => received.push(message);
  await server.connect(serverTransport);
  await peer.start();
  return { server, peer, received };
}

function servedSpan(lastEvents: string[]) {
  const span = onlySpan(telemetry.spans(), 'subscriptions/listen', SpanKind.SERVER);
  expect(span.spanContext().traceId).toBe(TRACE_ID);
  expect(parentSpanId(span)).toBe(CLIENT_SPAN_ID);
  expect(span.attributes['mcp.protocol.version']).toBe('2026-07-28');
  expect(span.attributes['mcpscope.client.name']).toBe('agent');
  expect(span.status.code).toBe(SpanStatusCode.UNSET);
  expect(span.attributes['error.type']).toBeUndefined();
  expect(span.events.map((event) => event.name)).toEqual([
    'mcp.subscription_acknowledged',
    'mcp.list_changed',
    ...lastEvents,
  ]);
  return span;
}

describe('a subscription this process serves', () => {
  it('ends without error when the client cancels it', async () => {
    const { server, peer, received } = await servingPair();
    await peer.send(LISTEN);
    await waitFor(() => received.length === 2);
    expect(telemetry.spans().some((span) => span.name === 'subscriptions/listen')).toBe(false);
    await peer.send(CANCEL);
    await waitFor(() => telemetry.spans().some((span) => span.name === 'subscriptions/listen'));
    expect(servedSpan(['mcp.cancelled']).attributes['mcpscope.subscription.closed_by']).toBe('client');
    // No response goes out for a cancelled request.
    expect(received.every((message) => !('id' in message))).toBe(true);
    await server.close();
  });

  it('ends without error when the connection closes', async () => {
    const { peer, received } = await servingPair();
    await peer.send(LISTEN);
    await waitFor(() => received.length === 2);
    await peer.close();
    await waitFor(() => telemetry.spans().some((span) => span.name === 'subscriptions/listen'));
    expect(servedSpan([]).attributes['mcpscope.subscription.closed_by']).toBe('transport');
  });
});
