/**
 * `shutdown()` and `forceFlush()` never reject, also when the collector is down: the program that is
 * exiting gets no exception from its telemetry; the failure goes to OpenTelemetry's diagnostic logger.
 * (Its own file: startTracing installs global state, one setup per process.)
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { instrumentClient } from './instrumentClient.js';
import { instrumentServer } from './instrumentServer.js';
import { startTracing } from './startTracing.js';
import { connectInMemory } from './testing/connectInMemory.js';
import { createDemoClient } from './testing/demoClient.js';
import { createDemoServer } from './testing/demoServer.js';

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('startTracing with the collector down', () => {
  it('resolves forceFlush and shutdown, and reports the failed export to diag', async () => {
    const errors: string[] = [];
    const logger: DiagLogger = {
      error: (message: string) => errors.push(message),
      warn: () => {},
      info: () => {},
      debug: () => {},
      verbose: () => {},
    };
    diag.setLogger(logger, DiagLogLevel.ERROR);
    const tracing = startTracing({
      serviceName: 'exiting-agent',
      endpoint: `http://127.0.0.1:${await closedPort()}`,
    });
    const server = instrumentServer(createDemoServer());
    const client = instrumentClient(createDemoClient());
    await connectInMemory(server, client);
    await client.callTool({ name: 'get_weather', arguments: { city: 'Oslo' } });
    await client.close();
    await expect(tracing.forceFlush()).resolves.toBeUndefined();
    await expect(tracing.shutdown()).resolves.toBeUndefined();
    expect(errors.some((m) => m.includes('mcpscope: tracing'))).toBe(true);
  });
});
