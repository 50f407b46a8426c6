import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { expect } from 'vitest';
import { onlySpan, waitFor, type TestTelemetry } from '../../testing/otel.js';
import { CONFIRM_CALL } from '../../testing/v2ModernChecks.js';
import type { EndpointOnlyKeys, ObservedSpan } from './serverSpanParity.js';

// Checks shared by the proxy's tests of the 2026-07-28 era over stdio and over HTTP (proxyModern*.test.ts):
// the allow-list of the parity check, and the shape of a multi round-trip call as the proxy saw it.

/** A span's JSON-RPC id as a number (the MCP SDK numbers its requests; NaN for any other id). */
export const requestNumber = (span: ObservedSpan): number => Number(span.attributes['jsonrpc.request.id']);

/**
 * What only the server itself can know, found by running the tests: every other attribute key of the
 * server's SERVER span must be on the proxy's (see serverSpanParity.ts). Only the endpoint's as well,
 * but no attribute keys, so not compared: the `exception` event of a handler that threw, and the status
 * message of a tool error — the tool's own text at the server, which the proxy never records.
 * @param proxySpans the proxy's spans so far (the entries' conditions read them).
 */
export function endpointOnly(proxySpans: readonly ObservedSpan[]): EndpointOnlyKeys[] {
  const firstList = Math.min(...proxySpans.filter((span) => span.name === 'tools/list').map(requestNumber));
  return [
    {
      // A tool's annotations come from its registration in the server; the proxy learns them only from a
      // tools/list result it relayed, so a call made before the first one cannot carry them. After one
      // it must (and the values are compared): see `peek` in proxyModernHttp.test.ts. (The client's
      // requests are numbered in the order it sent them, one at a time here.)
      prefix: 'mcpscope.tool.annotations.',
      applies: ({ proxy }) => requestNumber(proxy) < firstList,
    },
  ];
}

/** The client's (the test process's) one span of `name` and `kind`, once it has ended. */
export async function clientSpan(
  telemetry: TestTelemetry,
  name: string,
  kind = SpanKind.CLIENT,
): Promise<ReadableSpan> {
  await waitFor(() => telemetry.spans().some((span) => span.name === name && span.kind === kind));
  return onlySpan(telemetry.spans(), name, kind);
}

/**
 * The two legs of one `confirm_delete` call (v2ModernServer.ts) as the proxy recorded them: the first
 * answered input_required and names what it asks for, the retry names the answers it carries; both in
 * the trace of the client's call (`clientSpans`), each under the client's transport span of that leg
 * (`transportName`), neither an error.
 */
export function checkConfirmLegs(
  legs: readonly ObservedSpan[],
  clientSpans: readonly ReadableSpan[],
  transportName: string,
): void {
  expect(legs).toHaveLength(2);
  const [first, retry] = [...legs].sort((a, b) => requestNumber(a) - requestNumber(b)) as [
    ObservedSpan,
    ObservedSpan,
  ];
  expect(first.attributes['mcpscope.result.type']).toBe('input_required');
  expect(first.attributes['mcpscope.input_request.keys']).toBe('["confirm"]');
  expect(first.attributes['mcpscope.input_response.keys']).toBeUndefined();
  expect(retry.attributes['mcpscope.input_response.keys']).toBe('["confirm"]');
  expect(retry.attributes['mcpscope.result.type']).toBeUndefined();
  const call = onlySpan(clientSpans, CONFIRM_CALL, SpanKind.CLIENT);
  const transports = clientSpans.filter((span) => span.name === transportName);
  for (const leg of [first, retry]) {
    expect(leg.server).toBe(true);
    expect(leg.traceId).toBe(call.spanContext().traceId);
    const transport = transports.find(
      (span) => span.attributes['jsonrpc.request.id'] === leg.attributes['jsonrpc.request.id'],
    );
    expect(leg.parentSpanId).toBe(transport?.spanContext().spanId);
    expect(leg.statusCode).toBe(0);
    expect(leg.attributes['error.type']).toBeUndefined();
  }
}
