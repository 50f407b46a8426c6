import { SpanKind } from '@opentelemetry/api';
import { PaginatedResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InstrumentationOptions } from '../../core/options.js';
import { instrumentClient } from '../../instrumentClient.js';
import { instrumentServer } from '../../instrumentServer.js';
import { createDemoClient } from '../../testing/demoClient.js';
import { createPinFile } from '../../pins/pinFile.js';
import { createDemoServer } from '../../testing/demoServer.js';
import { setupTestTelemetry, type TestTelemetry } from '../../testing/otel.js';
import { connectInMemory } from '../../testing/connectInMemory.js';

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});

type Outcome = { ok: unknown } | { error: { name: string; message: string; code: unknown } };

/** Runs the same calls (success, isError, unknown tool, exception, resources, prompts, …) and records what came back. */
async function runSuite(instrument: InstrumentationOptions | false): Promise<Outcome[]> {
  const server = createDemoServer();
  const client = createDemoClient();
  if (instrument !== false) {
    instrumentServer(server, instrument);
    instrumentClient(client, instrument);
  }
  await connectInMemory(server, client);
  const calls: Array<() => Promise<unknown>> = [
    () => client.listTools(),
    () => client.callTool({ name: 'get_weather', arguments: { city: 'Lima' } }),
    () => client.callTool({ name: 'failing_tool' }),
    () => client.callTool({ name: 'no_such_tool' }),
    () => client.callTool({ name: 'throwing_tool' }),
    () => client.callTool({ name: 'get_weather', arguments: { city: 42 } }),
    () => client.callTool({ name: 'sampling_tool' }),
    () => client.listResources(),
    () => client.readResource({ uri: 'weather://Quito' }),
    () => client.readResource({ uri: 'nope://missing' }),
    () => client.listPrompts(),
    () => client.getPrompt({ name: 'forecast', arguments: { city: 'Bogota' } }),
    () => client.getPrompt({ name: 'missing' }),
    () =>
      client.complete({
        ref: { type: 'ref/resource', uri: 'weather://{city}' },
        argument: { name: 'city', value: 'Pr' },
      }),
    () => client.callTool({ name: 'slow_tool', arguments: { ms: 200 } }, undefined, { timeout: 5 }),
  ];
  const outcomes: Outcome[] = [];
  for (const call of calls) {
    try {
      outcomes.push({ ok: await call() });
    } catch (error) {
      const e = error as Error & { code?: unknown };
      outcomes.push({ error: { name: e.name, message: e.message, code: e.code } });
    }
  }
  await client.close();
  await server.close();
  return outcomes;
}

describe('instrumentation leaves MCP behaviour unchanged', () => {
  it('returns deep-equal results and errors with and without instrumentation', async () => {
    const plain = await runSuite(false);
    expect(telemetry.spans()).toHaveLength(0);
    const traced = await runSuite({});
    expect(telemetry.spans().length).toBeGreaterThan(20);
    expect(traced).toEqual(plain);
    expect(plain.filter((outcome) => 'error' in outcome).length).toBeGreaterThanOrEqual(2);
  });

  it('with pins in warn mode, returns the same although no tool matches its pin', async () => {
    // Pins of the demo server's tools as it lists them, each with a fingerprint no definition has: every
    // tool stands as drifted (and `no_such_tool` as unpinned), and warn mode lets all of it through.
    const server = createDemoServer();
    const lister = createDemoClient();
    await connectInMemory(server, lister);
    const listed = await lister.request({ method: 'tools/list' }, PaginatedResultSchema);
    await lister.close();
    await server.close();
    const approved = createPinFile({}, listed['tools'] as unknown[]);
    const pins = { ...approved, tools: approved.tools.map((tool) => ({ ...tool, sha256: '0'.repeat(64) })) };

    const plain = await runSuite(false);
    telemetry.reset();
    const warned = await runSuite({ pins, onDrift: 'warn' });
    expect(warned).toEqual(plain);
    const list = telemetry
      .spans()
      .find((span) => span.name === 'tools/list' && span.kind === SpanKind.CLIENT);
    expect(list?.attributes['mcpscope.pin.status']).toBe('drift');
  });
});
