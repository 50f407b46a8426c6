/**
 * Issue #8's root-cause matrix on real parts: each fault below is injected into a real tools/call, in
 * each set-up, and the collector's verdict for that call (`rootCause` of `GET /api/traces/:id`, and
 * `rootCauseLayer` of its list row) must name the layer in {@link EXPECTED}.
 *
 * Real parts only: the MCP SDK 1.x client (in this process) and server (test/fixtures/faultServer.ts, a
 * child process per server) over real stdio and Streamable HTTP; @mcpscope/sdk's `startTracing`,
 * `instrumentClient` and `instrumentServer`; `mcpscope proxy` (stdio and HTTP) as a child process; and
 * `mcpscope start` on embedded ClickHouse. A call made by a client that records nothing is found by its
 * fault's own tool name, the service that recorded it and a window around the call.
 *
 * A cell whose fault leaves no span by nature (the only instrumented process died before exporting;
 * the endpoint refused the request before MCP saw it) expects {@link NO_SPAN}: after a later call of the
 * same process is stored (so the process's earlier spans would be too), no trace names the tool.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trace } from '@opentelemetry/api';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { startTracing, type Tracing } from '@mcpscope/sdk';
import type { FaultLayer } from '@mcpscope/sdk/semconv';
import type { TraceSummary } from '@mcpscope/collector';
import { startCollector, waitFor, type TestCollector } from '../helpers/collector.js';
import { DOWNSTREAM_SPAN_NAME, FAULT_TOOLS } from '../fixtures/faultTools.js';
import { openTarget, type OpenTarget, type SetUp, type Target } from '../fixtures/faultTargets.js';
import {
  findTraces as findTracesIn,
  getTrace,
  isToolCall,
  markdownTable,
  summarizeSpans,
  viewOf,
  type CallWindow,
} from './traceQueries.js';

/** The expected verdict of a cell whose fault leaves no span of the call anywhere. */
const NO_SPAN = 'no span survives';
type Expected = FaultLayer | null | typeof NO_SPAN;

const SET_UPS = [
  { id: 'A', title: 'both sides instrumented', client: true, server: true, proxy: false },
  { id: 'B', title: 'server instrumented, plain client', client: false, server: true, proxy: false },
  { id: 'C', title: 'proxy, plain client and server', client: false, server: false, proxy: true },
  { id: 'D', title: 'proxy + instrumented server', client: false, server: true, proxy: true },
  { id: 'E', title: 'A over Streamable HTTP', client: true, server: true, proxy: false, http: true },
] as const satisfies readonly SetUp[];
type SetUpId = (typeof SET_UPS)[number]['id'];

interface Fault {
  title: string;
  tool: string;
  /** The server process (and transport) the call goes to. */
  target: Target;
  /** Runs before the failing call, outside its trace. */
  prepare?: (client: Client) => Promise<unknown>;
  /** The failing call. */
  call: (client: Client) => Promise<unknown>;
  /** What the caller sees (checked first: the fixture injected the fault it means to). */
  sees: RegExp;
  /** Whether the instrumented server's span of the call outlives the fault. */
  serverSpan: boolean;
}

/** Abort a call once it is in flight (sent, and received by the server). */
function abortedCall(client: Client, name: string): Promise<unknown> {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 150);
  return client.callTool({ name }, undefined, { signal: controller.signal });
}

const FAULTS = {
  badArguments: {
    title: '1. bad arguments (McpServer schema)',
    tool: FAULT_TOOLS.badArguments,
    target: 'mcp',
    call: (c) => c.callTool({ name: FAULT_TOOLS.badArguments, arguments: { count: 'three' } }),
    sees: /^isError: MCP error -32602: Input validation error/,
    serverSpan: true,
  },
  unknownTool: {
    title: '2. unknown tool',
    tool: FAULT_TOOLS.unknown,
    target: 'mcp',
    call: (c) => c.callTool({ name: FAULT_TOOLS.unknown, arguments: {} }),
    sees: /^isError: MCP error -32602: Tool fault_no_such_tool not found/,
    serverSpan: true,
  },
  isError: {
    title: '3. tool returns isError',
    tool: FAULT_TOOLS.isError,
    target: 'mcp',
    call: (c) => c.callTool({ name: FAULT_TOOLS.isError }),
    sees: /^isError: card declined/,
    serverSpan: true,
  },
  handlerThrows: {
    title: '4. McpServer handler throws',
    tool: FAULT_TOOLS.throws,
    target: 'mcp',
    call: (c) => c.callTool({ name: FAULT_TOOLS.throws }),
    sees: /^isError: tool handler exploded/,
    serverSpan: true,
  },
  lowLevelThrows: {
    title: '5. low-level Server handler throws',
    tool: FAULT_TOOLS.serverThrows,
    target: 'lowLevel',
    call: (c) => c.callTool({ name: FAULT_TOOLS.serverThrows }),
    sees: /^threw: MCP error -32603: database pool exhausted/,
    serverSpan: true,
  },
  clientTimeout: {
    title: '6. client timeout (200 ms on a 2 s tool)',
    tool: FAULT_TOOLS.slowForTimeout,
    target: 'mcp',
    call: (c) => c.callTool({ name: FAULT_TOOLS.slowForTimeout }, undefined, { timeout: 200 }),
    sees: /^threw: MCP error -32001: Request timed out/,
    serverSpan: true,
  },
  userAbort: {
    title: '7. user abort in flight',
    tool: FAULT_TOOLS.slowForAbort,
    target: 'mcp',
    call: (c) => abortedCall(c, FAULT_TOOLS.slowForAbort),
    sees: /^threw: .*abort/i,
    serverSpan: true,
  },
  processDies: {
    title: '8. server process dies mid-call',
    tool: FAULT_TOOLS.exitProcess,
    target: 'crash',
    call: (c) => c.callTool({ name: FAULT_TOOLS.exitProcess }),
    sees: /^threw: MCP error -32000: Connection closed/,
    serverSpan: false,
  },
  downstream503: {
    title: '9. downstream HTTP 503 in a CLIENT span',
    tool: FAULT_TOOLS.downstream503,
    target: 'mcp',
    call: (c) => c.callTool({ name: FAULT_TOOLS.downstream503 }),
    sees: /^isError: inventory service answered 503/,
    serverSpan: true,
  },
  http500: {
    title: '10. Streamable HTTP 500 from the endpoint',
    tool: FAULT_TOOLS.http500,
    target: 'http',
    call: (c) => c.callTool({ name: FAULT_TOOLS.http500 }),
    sees: /^threw: .*HTTP 500|^threw: .*internal server error/,
    serverSpan: false,
  },
  sessionLost: {
    title: '11. session lost (HTTP 404)',
    tool: FAULT_TOOLS.afterSessionLost,
    target: 'http',
    prepare: (c) => c.callTool({ name: FAULT_TOOLS.forgetSession }),
    call: (c) => c.callTool({ name: FAULT_TOOLS.afterSessionLost }),
    sees: /^threw: .*HTTP 404|^threw: .*Session not found/,
    serverSpan: false,
  },
  badOutput: {
    title: '12. output schema violation',
    tool: FAULT_TOOLS.badOutput,
    target: 'mcp',
    call: (c) => c.callTool({ name: FAULT_TOOLS.badOutput }),
    sees: /^isError: MCP error -32602: Output validation error/,
    serverSpan: true,
  },
  slowSuccess: {
    title: '13. slow success (300 ms)',
    tool: FAULT_TOOLS.slowSuccess,
    target: 'mcp',
    call: (c) => c.callTool({ name: FAULT_TOOLS.slowSuccess }),
    sees: /^ok: slow but fine/,
    serverSpan: true,
  },
} satisfies Record<string, Fault>;
type FaultKey = keyof typeof FAULTS;

/**
 * The matrix: fault × set-up → the verdict the API must give. An absent cell is not run: set-up D (the
 * proxy in front of the instrumented server) is there for fault 9; E repeats A over Streamable HTTP for
 * the faults A runs over stdio, except the process death (a Streamable HTTP client cannot tell a dead
 * server from a broken connection). C9 is `tool`: behind the proxy, a server that records nothing shows
 * no downstream call, only the tool's isError result.
 */
// prettier-ignore
const EXPECTED: Record<FaultKey, Partial<Record<SetUpId, Expected>>> = {
  badArguments:   { A: 'caller',     B: 'caller',     C: 'caller',    E: 'caller' },
  unknownTool:    { A: 'caller',     B: 'caller',     C: 'caller',    E: 'caller' },
  isError:        { A: 'tool',       B: 'tool',       C: 'tool',      E: 'tool' },
  handlerThrows:  { A: 'tool',       B: 'tool',       C: 'tool',      E: 'tool' },
  lowLevelThrows: { A: 'server',     B: 'server',     C: 'server',    E: 'server' },
  clientTimeout:  { A: 'server',     B: 'server',     C: 'server',    E: 'server' },
  userAbort:      { A: 'caller',     B: 'caller',     C: 'caller',    E: 'caller' },
  processDies:    { A: 'server',     B: NO_SPAN,      C: 'server' },
  downstream503:  { A: 'downstream', B: 'downstream', C: 'tool',      D: 'downstream', E: 'downstream' },
  http500:        { A: 'server',     B: NO_SPAN,      C: 'server' },
  sessionLost:    { A: 'transport',  B: NO_SPAN,      C: 'transport' },
  badOutput:      { A: 'tool',       B: 'tool',       C: 'tool',      E: 'tool' },
  slowSuccess:    { A: null,         B: null,         C: null,        E: null },
};

/**
 * Cells where the product gives another verdict than the right one (`it.fails`), each with its reason.
 * Empty: every cell passes.
 */
const KNOWN_BUGS: Partial<Record<`${FaultKey}/${SetUpId}`, string>> = {};

const TRACE_TIMEOUT_MS = 20_000;

let collector: TestCollector;
let tracing: Tracing;
let downstream: HttpServer;
let downstreamHits = 0;
/** What each cell observed (the layer, or null, or NO_SPAN; and the error type), for the final table. */
const observed = new Map<string, { verdict: string; errorType?: string; listLayer?: string }>();

beforeAll(async () => {
  downstream = createServer((_req, res) => {
    downstreamHits++;
    res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '1' }).end('inventory unavailable');
  });
  await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve));
  collector = await startCollector();
  tracing = startTracing({ serviceName: 'rc-agent', endpoint: collector.url });
});

afterAll(async () => {
  await tracing?.shutdown();
  await collector?.stop();
  await new Promise((resolve) => downstream?.close(resolve));
  console.log(formatTable());
});

/** What one call did: its window, the trace id when the caller traced it, and what the caller saw. */
interface CallRecord extends CallWindow {
  traceId?: string;
  outcome: string;
}

async function describeOutcome(call: () => Promise<unknown>): Promise<string> {
  try {
    const result = (await call()) as { isError?: boolean; content?: { text?: string }[] };
    return `${result.isError ? 'isError' : 'ok'}: ${result.content?.[0]?.text ?? ''}`;
  } catch (error) {
    return `threw: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Makes one call; an instrumented caller makes it under a span of its own, whose trace id is the call's. */
async function record(setUp: SetUp, call: () => Promise<unknown>): Promise<CallRecord> {
  const from = Date.now();
  if (!setUp.client) return { from, outcome: await describeOutcome(call), to: Date.now() };
  return trace.getTracer('root-cause-matrix').startActiveSpan('matrix call', async (span) => {
    try {
      const outcome = await describeOutcome(call);
      return { from, to: Date.now(), traceId: span.spanContext().traceId, outcome };
    } finally {
      span.end();
    }
  });
}

const findTraces = (tool: string, window: CallWindow, service?: string) =>
  findTracesIn(collector.url, tool, window, service);

/** The spans a cell's trace must hold before its verdict is read: every view of the call that survives. */
function expectedViews(setUp: SetUp, fault: Fault): string[] {
  const views: string[] = [];
  if (setUp.client) views.push('client', 'transport');
  if (setUp.proxy) views.push('proxy');
  if (setUp.server && fault.serverSpan) views.push('server');
  return views;
}

interface CellState {
  records: Map<FaultKey, CallRecord>;
  targets: Map<Target, { service: string; anchor: CallRecord }>;
}

for (const setUp of SET_UPS) {
  describe(`set-up ${setUp.id}: ${setUp.title}`, () => {
    const cells = (Object.keys(FAULTS) as FaultKey[]).filter((k) => EXPECTED[k][setUp.id] !== undefined);
    const state: CellState = { records: new Map(), targets: new Map() };

    beforeAll(async () => {
      const targets = [...new Set(cells.map((k): Target => FAULTS[k].target))];
      const opened = await Promise.all(
        targets.map((t) => openTarget(setUp, t, collector.url, downstreamUrl())),
      );
      try {
        // Calls run one at a time: target by target, each target's in the table's order.
        for (const target of opened) await runTarget(target, cells, state);
      } finally {
        // Closing flushes: the servers and proxies export what they hold as they exit.
        await Promise.all(opened.map((t) => t.close()));
        await tracing.forceFlush();
      }
    });

    async function runTarget(target: OpenTarget, keys: FaultKey[], s: CellState): Promise<void> {
      const mine = keys.filter((k) => FAULTS[k].target === target.target);
      const anchor = async (client: Client) => ({
        service: target.service,
        anchor: await record(setUp, () => client.callTool({ name: FAULT_TOOLS.anchor })),
      });
      // The process-death fault ends its process: its anchor call comes first, and is stored before the
      // process dies (else it would die with the anchor's spans still in its export queue).
      if (target.target === 'crash') {
        const first = await anchor(target.client);
        s.targets.set(target.target, first);
        await waitFor(
          async () => (await findTraces(FAULT_TOOLS.anchor, first.anchor, first.service)).length > 0,
          TRACE_TIMEOUT_MS,
          `the anchor call of ${first.service}`,
        );
      }
      for (const key of mine) {
        const fault: Fault = FAULTS[key];
        await fault.prepare?.(target.client);
        s.records.set(key, await record(setUp, () => fault.call(target.client)));
      }
      // After a lost session the first connection is dead: the anchor goes over a new one.
      if (target.target === 'http') s.targets.set(target.target, await anchor(await target.connectAgain()));
      else if (target.target !== 'crash') s.targets.set(target.target, await anchor(target.client));
    }

    for (const key of cells) {
      const fault: Fault = FAULTS[key];
      const expected = EXPECTED[key][setUp.id] as Expected;
      const bug = KNOWN_BUGS[`${key}/${setUp.id}`];
      const test = bug !== undefined ? it.fails : it;
      test(`${fault.title} → ${expected ?? 'no root cause'}${bug ? ` (known bug: ${bug})` : ''}`, async () => {
        const cell = `${key}/${setUp.id}`;
        observed.set(cell, { verdict: 'not observed' });
        const rec = state.records.get(key);
        const target = state.targets.get(fault.target);
        if (!rec || !target) throw new Error(`${cell}: the call was not made`);
        expect(rec.outcome, 'what the caller saw').toMatch(fault.sees);
        if (key === 'downstream503') expect(downstreamHits).toBeGreaterThan(0);

        if (expected === NO_SPAN) {
          // The same process stored a later call: had the failed call left a span, it would be here too.
          await waitFor(
            async () => (await findTraces(FAULT_TOOLS.anchor, target.anchor, target.service)).length > 0,
            TRACE_TIMEOUT_MS,
            `${cell}: the anchor call of ${target.service}`,
          );
          const traces = await findTraces(fault.tool, rec);
          observed.set(cell, { verdict: traces.length === 0 ? NO_SPAN : `${traces.length} trace(s)` });
          expect(traces, 'traces of the failed call').toEqual([]);
          return;
        }

        const traceId =
          rec.traceId ??
          (await waitFor(
            async () => {
              const found = await findTraces(fault.tool, rec, target.service);
              if (found.length > 1) throw new Error(`${found.length} traces match`);
              return found[0]?.traceId;
            },
            TRACE_TIMEOUT_MS,
            `${cell}: the trace of ${fault.tool} from ${target.service}`,
          ));
        const views = expectedViews(setUp, fault);
        const needsDownstream = key === 'downstream503' && setUp.server;
        const body = await waitFor(
          async () => {
            const t = await getTrace(collector.url, traceId);
            if (!t) return undefined;
            const have = new Set(t.spans.filter((s) => isToolCall(s, fault.tool)).map(viewOf));
            const complete =
              views.every((v) => have.has(v)) &&
              (!needsDownstream || t.spans.some((s) => s.name === DOWNSTREAM_SPAN_NAME));
            return complete ? t : undefined;
          },
          TRACE_TIMEOUT_MS,
          `${cell}: spans ${views.join(', ')} of trace ${traceId}`,
        );
        const verdict = body.rootCause;
        observed.set(
          cell,
          verdict ? { verdict: verdict.layer, errorType: verdict.errorType } : { verdict: 'null' },
        );
        expect(
          verdict === null ? null : verdict.layer,
          `rootCause ${JSON.stringify(verdict, null, 1)}\nspans ${summarizeSpans(body.spans)}`,
        ).toBe(expected);
        expect(body.rootCauses).toHaveLength(expected === null ? 0 : 1);
        if (verdict) {
          expect(verdict.call.tool).toBe(fault.tool);
          // The dashboard selects the verdict's span in the waterfall: it is a span of this trace.
          expect(body.spans.map((s) => s.spanId)).toContain(verdict.spanId);
        }
        if (needsDownstream && verdict) {
          const http = body.spans.find((s) => s.name === DOWNSTREAM_SPAN_NAME)!;
          expect(verdict.spanId).toBe(http.spanId);
          expect(verdict.message).toContain('503');
        }

        // The list row carries the verdict stored after ingest, re-decided as spans arrive: poll until
        // it settles on the expected layer, then compare what it settled on.
        let row: TraceSummary | undefined;
        await waitFor(
          async () => {
            row = (await findTraces(fault.tool, rec)).find((t) => t.traceId === traceId);
            return row !== undefined && (row.rootCauseLayer ?? null) === expected;
          },
          10_000,
          `${cell}: list row of ${traceId}`,
        ).catch(() => undefined);
        observed.get(cell)!.listLayer = row ? (row.rootCauseLayer ?? 'null') : 'no row';
        expect(row, 'list row').toBeDefined();
        expect(row?.rootCauseLayer ?? null, 'list rootCauseLayer').toBe(expected);
      });
    }
  });
}

function downstreamUrl(): string {
  return `http://127.0.0.1:${(downstream.address() as AddressInfo).port}/inventory`;
}

/** The matrix as observed: fault × set-up → verdict (✗ marks a cell that differs from the table). */
function formatTable(): string {
  const header = ['fault', ...SET_UPS.map((s) => `${s.id}: ${s.title}`)];
  const rows = (Object.keys(FAULTS) as FaultKey[]).map((key) => [
    FAULTS[key].title,
    ...SET_UPS.map((s) => {
      const expected = EXPECTED[key][s.id];
      if (expected === undefined) return '—';
      const seen = observed.get(`${key}/${s.id}`);
      if (!seen) return 'not run';
      const want = expected === null ? 'null' : expected;
      const text = `${seen.verdict}${seen.errorType ? ` (${seen.errorType})` : ''}`;
      const listDiffers = seen.listLayer !== undefined && seen.listLayer !== want;
      if (seen.verdict === want && !listDiffers) return text;
      return `✗ ${text}${listDiffers ? ` list: ${seen.listLayer}` : ''} ≠ ${want}`;
    }),
  ]);
  return [
    'Root-cause matrix: fault × set-up → rootCause.layer (errorType) of GET /api/traces/:id, the same in the list row',
    markdownTable(header, rows),
  ].join('\n');
}
