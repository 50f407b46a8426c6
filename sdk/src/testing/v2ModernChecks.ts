import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Client } from '@modelcontextprotocol/client';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expect } from 'vitest';
import { onlySpan, parentSpanId, waitFor, type TestTelemetry } from './otel.js';
import type { ModernPair } from './v2Modern.js';

// Checks shared by the tests of the 2026-07-28 features on each transport (adapters/mcp-sdk-v2/modern*):
// the shape of a multi round-trip call and of a subscription.

/** The span name of the multi round-trip call of v2ModernServer.ts. */
export const CONFIRM_CALL = 'tools/call confirm_delete';
const LISTEN = 'subscriptions/listen';

/** A span as the checks read it, from this process or from a server process's span file. */
export interface SpanView {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, unknown>;
}

export function view(span: ReadableSpan): SpanView {
  return {
    name: span.name,
    kind: span.kind,
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: parentSpanId(span),
    attributes: span.attributes,
  };
}

/** Records which span the client's elicitation handler ran in, answering like modernClient's. */
export function observeElicitation(client: Client): { spanIds: Array<string | undefined> } {
  const seen = { spanIds: [] as Array<string | undefined> };
  client.setRequestHandler('elicitation/create', async () => {
    seen.spanIds.push(trace.getActiveSpan()?.spanContext().spanId);
    return { action: 'accept', content: { confirm: true } };
  });
  return seen;
}

/** Calls `confirm_delete`, which completes once the client confirmed. */
export async function callConfirm(pair: ModernPair): Promise<void> {
  const result = await pair.client.callTool({ name: 'confirm_delete', arguments: {} });
  expect(result.content).toEqual([{ type: 'text', text: 'deleted report.txt' }]);
}

/**
 * Checks one multi round-trip call of `confirm_delete`: the client's spans (`spans`, this process) and
 * the server's (`serverSpans`, wherever they were recorded). One CLIENT span; under it a transport span
 * per leg (the first answered input_required, the retry carries the answer) and the elicitation's span,
 * in which the client's handler ran; the server's span of each leg under that leg's transport span.
 */
export function checkOneCall(
  spans: readonly ReadableSpan[],
  transportName: string,
  serverSpans: SpanView[],
  handlerSpanIds: Array<string | undefined>,
): void {
  const client = onlySpan(spans, CONFIRM_CALL, SpanKind.CLIENT);
  const traceId = client.spanContext().traceId;
  const legs = spans.filter((span) => span.name === transportName);
  expect(legs).toHaveLength(2);
  for (const leg of legs) expect(parentSpanId(leg)).toBe(client.spanContext().spanId);
  const [first, retry] = legs.sort(
    (a, b) => Number(a.attributes['jsonrpc.request.id']) - Number(b.attributes['jsonrpc.request.id']),
  ) as [ReadableSpan, ReadableSpan];
  expect(first.attributes['mcpscope.result.type']).toBe('input_required');
  expect(first.attributes['mcpscope.input_request.keys']).toEqual(['confirm']);
  expect(retry.attributes['mcpscope.input_response.keys']).toEqual(['confirm']);
  expect(retry.attributes['mcpscope.result.type']).toBeUndefined();

  const elicitation = onlySpan(spans, 'elicitation/create', SpanKind.SERVER);
  expect(parentSpanId(elicitation)).toBe(client.spanContext().spanId);
  expect(elicitation.attributes['mcpscope.input_request.key']).toBe('confirm');
  expect(elicitation.attributes['mcp.method.name']).toBe('elicitation/create');
  expect(handlerSpanIds).toEqual([elicitation.spanContext().spanId]);

  const servers = serverSpans.filter((span) => span.name === CONFIRM_CALL && span.kind === SpanKind.SERVER);
  expect(servers).toHaveLength(2);
  for (const server of servers) expect(server.traceId).toBe(traceId);
  const asked = servers.find((span) => span.parentSpanId === first.spanContext().spanId);
  const answered = servers.find((span) => span.parentSpanId === retry.spanContext().spanId);
  expect(asked?.attributes['mcpscope.result.type']).toBe('input_required');
  expect(asked?.attributes['mcpscope.input_request.keys']).toEqual(['confirm']);
  expect(answered?.attributes['mcpscope.input_response.keys']).toEqual(['confirm']);
  expect(answered?.attributes['mcpscope.result.type']).toBeUndefined();

  expect(client.attributes['mcpscope.input_required.rounds']).toBe(1);
  expect(client.attributes['jsonrpc.request.id']).toBe(first.attributes['jsonrpc.request.id']);
  for (const span of [client, elicitation, first, retry]) {
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes['error.type']).toBeUndefined();
  }
  expect(spans.filter((span) => span.kind === SpanKind.CLIENT && span.name === CONFIRM_CALL)).toHaveLength(1);
}

/** The one subscriptions/listen CLIENT span, once it ended, checked to name what it asked for. */
export async function listenSpan(telemetry: TestTelemetry): Promise<ReadableSpan> {
  await waitFor(() => telemetry.spans().some((span) => span.name === LISTEN));
  const span = onlySpan(telemetry.spans(), LISTEN, SpanKind.CLIENT);
  expect(span.attributes['mcp.method.name']).toBe(LISTEN);
  expect(span.attributes['mcpscope.subscription.filter']).toEqual(['toolsListChanged']);
  expect(span.attributes['mcp.protocol.version']).toBe('2026-07-28');
  return span;
}

/** A subscription that ended normally: no error, whoever ended it, its deliveries as events. */
export function expectNormalEnd(span: ReadableSpan, closedBy: string, notifications: number): void {
  expect(span.status.code).toBe(SpanStatusCode.UNSET);
  expect(span.attributes['error.type']).toBeUndefined();
  expect(span.attributes['mcpscope.fault']).toBeUndefined();
  expect(span.attributes['mcpscope.subscription.closed_by']).toBe(closedBy);
  expect(span.attributes['mcpscope.subscription.notifications']).toBe(notifications);
  expect(span.events.map((event) => event.name)).toEqual([
    'mcp.subscription_acknowledged',
    ...Array.from({ length: notifications }, () => 'mcp.list_changed'),
  ]);
}

/** Counts the tool-list changes the client's own handler saw. */
export function countToolListChanges(client: Client): { count: number } {
  const changes = { count: 0 };
  client.setNotificationHandler('notifications/tools/list_changed', () => {
    changes.count++;
  });
  return changes;
}

/**
 * Opens a subscription to tool-list changes, has v2ModernServer.ts add two tools (two deliveries, counted
 * by {@link countToolListChanges}'s `changes`), then closes the connection: the subscription ends with it.
 */
export async function listenThenDisconnect(pair: ModernPair, changes: { count: number }): Promise<void> {
  const before = changes.count;
  const subscription = await pair.client.listen({ toolsListChanged: true });
  await pair.client.callTool({ name: 'add_tool', arguments: {} });
  await pair.client.callTool({ name: 'add_tool', arguments: {} });
  await waitFor(() => changes.count === before + 2);
  await pair.close();
  expect(await subscription.closed).toBe('remote');
}
