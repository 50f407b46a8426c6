import { beforeAll, describe, expect, it } from 'vitest';
import { instrumentClient } from '../../instrumentClient.js';
import { instrumentServer } from '../../instrumentServer.js';
import { createDemoClient } from '../../testing/demoClient.js';
import { createDemoServer } from '../../testing/demoServer.js';
import { setupTestTelemetry, type TestTelemetry } from '../../testing/otel.js';
import { connectInMemory } from '../../testing/connectInMemory.js';

let telemetry: TestTelemetry;
beforeAll(() => {
  telemetry = setupTestTelemetry();
});

type Outcome = { ok: unknown } | { error: { name: string; message: string; code: unknown } };

/** Runs the same calls (success, isError, unknown tool, exception, resources, prompts, …) and records what came back. */
async function runSuite(instrument: boolean): Promise<Outcome[]> {
  const server = createDemoServer();
  const client = createDemoClient();
  if (instrument) {
    instrumentServer(server);
    instrumentClient(client);
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
    const traced = await runSuite(true);
    expect(telemetry.spans().length).toBeGreaterThan(20);
    expect(traced).toEqual(plain);
    expect(plain.filter((outcome) => 'error' in outcome).length).toBeGreaterThanOrEqual(2);
  });
});
