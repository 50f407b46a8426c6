import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  onlySpan,
  parentSpanId,
  setupTestTelemetry,
  waitFor,
  type TestTelemetry,
} from '../../testing/otel.js';
import { connectHttp, connectInMemory, modernClient } from '../../testing/v2Modern.js';
import {
  callConfirm,
  checkOneCall,
  CONFIRM_CALL,
  observeElicitation,
  view,
} from '../../testing/v2ModernChecks.js';

// Input requests embedded in results (2026-07-28 multi round-trip): `confirm_delete` answers its first
// call `input_required` with an elicitation; the MCP SDK 2.x Client fulfils it with its elicitation
// handler and sends the call again with the answer. For the caller that is one call, and so it is one
// CLIENT span: a transport span per leg (each with the server's span of that leg under it) and the
// elicitation's own span under the call. (Over stdio: modernStdio.test.ts.)

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});
afterEach(() => telemetry.reset());

describe('input requests embedded in results (2026-07-28)', () => {
  it('in memory: one CLIENT span, a transport span per leg, the elicitation under the call', async () => {
    const client = modernClient();
    const seen = observeElicitation(client);
    const pair = await connectInMemory(client);
    telemetry.reset();
    await callConfirm(pair);
    await waitFor(() => telemetry.spans().filter((span) => span.name === CONFIRM_CALL).length === 3);
    const serverSpans = telemetry
      .spans()
      .filter((span) => span.kind === SpanKind.SERVER)
      .map(view);
    checkOneCall(telemetry.spans(), 'in-memory tools/call', serverSpans, seen.spanIds);
    await pair.close();
  });

  it('over Streamable HTTP: each leg its own HTTP request, with the routing headers', async () => {
    const client = modernClient();
    const seen = observeElicitation(client);
    const pair = await connectHttp(client);
    telemetry.reset();
    await callConfirm(pair);
    await waitFor(() => telemetry.spans().filter((span) => span.name === CONFIRM_CALL).length === 3);
    const serverSpans = telemetry
      .spans()
      .filter((span) => span.kind === SpanKind.SERVER)
      .map(view);
    checkOneCall(telemetry.spans(), 'streamable-http tools/call', serverSpans, seen.spanIds);
    for (const leg of telemetry.spans().filter((span) => span.name === 'streamable-http tools/call')) {
      expect(leg.attributes['http.response.status_code']).toBe(200);
      expect(leg.attributes['http.request.header.mcp-name']).toEqual(['confirm_delete']);
    }
    await pair.close();
  });

  it('two calls waiting for input at once each keep their own legs and elicitation', async () => {
    const client = modernClient();
    const seen = observeElicitation(client);
    const pair = await connectInMemory(client);
    telemetry.reset();
    await Promise.all([callConfirm(pair), callConfirm(pair)]);
    await waitFor(() => telemetry.spans().filter((span) => span.name === CONFIRM_CALL).length === 6);
    const spans = telemetry.spans();
    const calls = spans.filter((span) => span.name === CONFIRM_CALL && span.kind === SpanKind.CLIENT);
    expect(calls).toHaveLength(2);
    expect(new Set(calls.map((call) => call.spanContext().traceId)).size).toBe(2);
    for (const call of calls) {
      const children = spans.filter((span) => parentSpanId(span) === call.spanContext().spanId);
      expect(children.map((span) => span.name).sort()).toEqual([
        'elicitation/create',
        'in-memory tools/call',
        'in-memory tools/call',
      ]);
      const legs = children.filter((span) => span.name === 'in-memory tools/call');
      const servers = spans.filter(
        (span) =>
          span.kind === SpanKind.SERVER &&
          legs.some((leg) => parentSpanId(span) === leg.spanContext().spanId),
      );
      expect(servers.map((span) => span.attributes['mcpscope.result.type'] ?? 'complete').sort()).toEqual([
        'complete',
        'input_required',
      ]);
    }
    expect(seen.spanIds).toHaveLength(2);
    await pair.close();
  });

  it('2025 era: the same tool asks through a request of the server’s, nested under the call', async () => {
    // MCP SDK 2.x serves a write-once handler to a 2025 client by sending the embedded requests as real
    // server→client requests: the elicitation is the server's CLIENT span and the client's SERVER span.
    const client = modernClient('accept', 'legacy');
    const seen = observeElicitation(client);
    const pair = await connectInMemory(client);
    expect(pair.client.getProtocolEra()).toBe('legacy');
    telemetry.reset();
    await callConfirm(pair);
    await waitFor(() => telemetry.spans().filter((span) => span.name === CONFIRM_CALL).length === 2);
    const spans = telemetry.spans();
    const call = onlySpan(spans, CONFIRM_CALL, SpanKind.CLIENT);
    const server = onlySpan(spans, CONFIRM_CALL, SpanKind.SERVER);
    const ask = onlySpan(spans, 'elicitation/create', SpanKind.CLIENT);
    const answer = onlySpan(spans, 'elicitation/create', SpanKind.SERVER);
    expect(parentSpanId(ask)).toBe(server.spanContext().spanId);
    expect(answer.spanContext().traceId).toBe(call.spanContext().traceId);
    expect(seen.spanIds).toEqual([answer.spanContext().spanId]);
    expect(call.attributes['mcpscope.input_required.rounds']).toBeUndefined();
    await pair.close();
  });

  it('a failing elicitation handler fails the call: the client’s fault, recorded on both spans', async () => {
    const pair = await connectInMemory(modernClient('throw'));
    telemetry.reset();
    await expect(pair.client.callTool({ name: 'confirm_delete', arguments: {} })).rejects.toThrow(
      /closed the dialog/,
    );
    await waitFor(() =>
      telemetry.spans().some((span) => span.name === CONFIRM_CALL && span.kind === SpanKind.CLIENT),
    );
    const spans = telemetry.spans();
    const call = onlySpan(spans, CONFIRM_CALL, SpanKind.CLIENT);
    const elicitation = onlySpan(spans, 'elicitation/create', SpanKind.SERVER);
    expect(parentSpanId(elicitation)).toBe(call.spanContext().spanId);
    expect(call.attributes['error.type']).toBe('input_request_failed');
    expect(call.attributes['mcpscope.fault']).toBe('client');
    expect(call.status.code).toBe(SpanStatusCode.ERROR);
    expect(elicitation.attributes['error.type']).toBe('exception');
    expect(elicitation.status.code).toBe(SpanStatusCode.ERROR);
    expect(elicitation.events.some((event) => event.name === 'exception')).toBe(true);
    // Only the first leg went out.
    expect(spans.filter((span) => span.name === 'in-memory tools/call')).toHaveLength(1);
    await pair.close();
  });
});
