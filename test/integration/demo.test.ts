/**
 * `mcpscope demo` as a newcomer runs it: the real CLI, a real instrumented client and stdio server, into a
 * real collector. The dashboard's views must have something to show afterwards.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ErrorsResponse,
  OverviewResponse,
  ToolChangesResponse,
  TraceResponse,
  TracesResponse,
} from '@mcpscope/collector';
import {
  COLLECTOR_CLI,
  REPO_ROOT,
  TS_NODE_ARGS,
  startCollector,
  waitFor,
  type TestCollector,
} from '../helpers/collector.js';

let collector: TestCollector;
let demoOutput = '';
let demoExit: number | null = null;

const get = async <T>(p: string): Promise<T> => {
  const res = await fetch(`${collector.url}${p}`);
  expect(res.status, p).toBe(200);
  return (await res.json()) as T;
};

beforeAll(async () => {
  collector = await startCollector();
  const child = spawn(
    process.execPath,
    [...TS_NODE_ARGS, COLLECTOR_CLI, 'demo', '--endpoint', collector.url, '--duration', '8', '--rate', '15'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, MCPSCOPE_DEMO_RUG_PULL_MS: '3000', OTEL_BSP_SCHEDULE_DELAY: '100' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout.on('data', (d: Buffer) => (demoOutput += d.toString()));
  child.stderr.on('data', (d: Buffer) => (demoOutput += d.toString()));
  demoExit = await new Promise<number | null>((resolve) => child.once('exit', resolve));
}, 90_000);

afterAll(async () => {
  await collector?.stop();
});

describe('mcpscope demo', () => {
  it('runs to completion and reports what it sent', () => {
    expect(demoExit, demoOutput).toBe(0);
    expect(demoOutput).toMatch(/demo: done, \d+ calls, \d+ failed/);
  });

  it('fills the trace list with joined client and server traces', async () => {
    const { traces } = await get<TracesResponse>('/api/traces?service=demo-agent&tool=get_weather&limit=5');
    expect(traces.length).toBeGreaterThan(0);
    const first = traces[0]!;
    const trace = await waitFor(async () => {
      const t = await get<TraceResponse>(`/api/traces/${first.traceId}`);
      return t.spans.some((s) => s.service === 'demo-weather-server') ? t : undefined;
    });
    const layers = new Set(trace.spans.map((s) => s.attributes['mcpscope.layer'] ?? 'downstream'));
    expect([...layers].sort()).toEqual(['client', 'downstream', 'server', 'transport']);
  });

  it('produces the failures an on-call engineer meets: tool errors, caller errors, downstream failures', async () => {
    const { errors } = await get<ErrorsResponse>('/api/errors');
    const types = new Set(errors.map((e) => e.errorType));
    expect(types.has('tool_error')).toBe(true);
    const tools = new Set(errors.map((e) => e.tool));
    expect(tools.has('charge_card')).toBe(true);
    expect(tools.has('get_alerts')).toBe(true);
  });

  it('feeds the overview rollup', async () => {
    const overview = await get<OverviewResponse>('/api/overview');
    expect(overview.totals.count).toBeGreaterThan(10);
    expect(overview.totals.errors).toBeGreaterThan(0);
    expect(overview.servers.some((s) => s.tool === 'get_forecast')).toBe(true);
  });

  it('shows the rug pull: a changed tool definition flagged without a version bump and for injection', async () => {
    const { changes } = await waitFor(async () => {
      const r = await get<ToolChangesResponse>('/api/tool-changes');
      return r.changes.some((c) => c.tool === 'convert_units' && c.kind === 'changed') ? r : undefined;
    });
    const change = changes.find((c) => c.tool === 'convert_units' && c.kind === 'changed')!;
    expect(change.flags).toContain('no_version_bump');
    expect(change.flags.some((f) => f.startsWith('injection:'))).toBe(true);
    // The client's and the server's view of the one stdio server share one history: counted once.
    expect(changes.filter((c) => c.tool === 'convert_units')).toHaveLength(1);
    expect(change.server).toMatch(/^weather \(.+\)$/);
  });
});
