import { instrumentationOf, type BenchConfig } from './benchConfigs.js';
import type { BenchTransport } from './messages.js';
import type { SpanSummary } from './SpanSummary.js';

/** The outcome of checking that a configuration really traced the verification calls. */
export interface Verification {
  ok: boolean;
  /** One human-readable line per check. */
  lines: string[];
}

/**
 * Checks the spans of `calls` echo calls. mcpscope: a CLIENT span, a transport span under it and a
 * SERVER span under the transport span (the parent id crossing the wire in `params._meta`), all in one
 * trace, with the transport kind and, where messages are serialized, byte sizes; plus both operation
 * histograms. Peers: one traceloop client span and one Sentry server span per call. three-span: a
 * transport span under each client span and a server span under each transport span (and
 * three-span-metrics both operation histograms). Bare: no spans.
 */
export function verifySpans(
  config: BenchConfig,
  transport: BenchTransport,
  calls: number,
  spans: readonly SpanSummary[],
  histograms: Record<string, number>,
): Verification {
  const lines: string[] = [];
  let ok = true;
  const check = (passed: boolean, line: string): void => {
    ok &&= passed;
    lines.push(`${passed ? 'ok  ' : 'FAIL'} ${line}`);
  };
  const checkHistograms = (): void => {
    const clientOps = histograms['mcp.client.operation.duration'] ?? 0;
    const serverOps = histograms['mcp.server.operation.duration'] ?? 0;
    check(
      clientOps >= calls && serverOps >= calls,
      `operation histograms: ${clientOps} client, ${serverOps} server values (≥ ${calls})`,
    );
  };
  switch (instrumentationOf(config)) {
    case 'bare':
      check(spans.length === 0, `no spans (${spans.length})`);
      break;
    case 'mcpscope':
    case 'mcpscope-traces': {
      const clients = spans.filter((s) => s.category === 'mcpscope client' && s.name === 'tools/call echo');
      const clientById = new Map(clients.map((s) => [s.spanId, s]));
      const transports = spans.filter(
        (s) =>
          s.category === 'mcpscope transport' &&
          s.name === `${transport} tools/call` &&
          s.parentSpanId !== undefined &&
          clientById.get(s.parentSpanId)?.traceId === s.traceId,
      );
      const transportById = new Map(transports.map((s) => [s.spanId, s]));
      const servers = spans.filter(
        (s) =>
          s.category === 'mcpscope server' &&
          s.name === 'tools/call echo' &&
          s.parentSpanId !== undefined &&
          transportById.get(s.parentSpanId)?.traceId === s.traceId,
      );
      check(
        clients.length === calls && clients.every((s) => s.attributes['gen_ai.tool.name'] === 'echo'),
        `${clients.length}/${calls} client spans "tools/call echo" (gen_ai.tool.name=echo)`,
      );
      check(
        transports.length === calls &&
          transports.every((s) => s.attributes['mcpscope.transport.kind'] === transport),
        `${transports.length}/${calls} transport spans "${transport} tools/call", children of the client spans`,
      );
      if (transport === 'stdio') {
        const sized = transports.filter(
          (s) =>
            typeof s.attributes['mcpscope.transport.request_bytes'] === 'number' &&
            typeof s.attributes['mcpscope.transport.response_bytes'] === 'number',
        );
        check(sized.length === calls, `${sized.length}/${calls} transport spans with request/response bytes`);
      }
      check(
        servers.length === calls,
        `${servers.length}/${calls} server spans "tools/call echo", children of the transport spans (propagated in params._meta)`,
      );
      if (instrumentationOf(config) !== 'mcpscope-traces') checkHistograms();
      break;
    }
    case 'two-span': {
      const client = spans.filter((s) => s.category === 'two-span' && s.name === 'tools/call echo');
      check(
        client.length === 2 * calls,
        `${client.length}/${2 * calls} spans "tools/call echo" (client and server)`,
      );
      break;
    }
    case 'three-span':
    case 'three-span-metrics': {
      const own = spans.filter((s) => s.category === 'three-span');
      const byId = new Map(own.map((s) => [s.spanId, s]));
      const parentOf = (s: SpanSummary): SpanSummary | undefined =>
        s.parentSpanId === undefined ? undefined : byId.get(s.parentSpanId);
      const transports = own.filter(
        (s) => s.name === 'transport tools/call' && parentOf(s)?.name === 'tools/call echo',
      );
      const servers = own.filter(
        (s) => s.name === 'tools/call echo' && parentOf(s)?.name === 'transport tools/call',
      );
      check(
        own.length === 3 * calls && transports.length === calls && servers.length === calls,
        `${own.length}/${3 * calls} spans: ${transports.length} transport spans under client spans, ` +
          `${servers.length} server spans under transport spans (propagated in params._meta)`,
      );
      if (instrumentationOf(config) === 'three-span-metrics') checkHistograms();
      break;
    }
    case 'peers': {
      const traceloop = spans.filter(
        (s) => s.category === '@traceloop/instrumentation-mcp' && s.name === 'echo.tool',
      );
      const sentry = spans.filter(
        (s) => s.category === 'sentry auto.function.mcp_server' && s.name === 'tools/call echo',
      );
      check(traceloop.length === calls, `${traceloop.length}/${calls} traceloop client spans "echo.tool"`);
      check(sentry.length === calls, `${sentry.length}/${calls} Sentry server spans "tools/call echo"`);
      break;
    }
  }
  return { ok, lines };
}
