import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentClient } from './instrumentClient.js';
import { instrumentServer } from './instrumentServer.js';
import { startTracing } from './startTracing.js';
import { createDemoClient } from './testing/demoClient.js';
import { createDemoServer } from './testing/demoServer.js';
import { connectInMemory } from './testing/connectInMemory.js';

interface Received {
  path: string;
  contentType: string | undefined;
  body: Buffer;
}

let receiver: Server;
const received: Received[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks),
      });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
});

describe('startTracing', () => {
  it('exports spans and metrics as OTLP/HTTP protobuf, honouring OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_SERVICE_NAME', async () => {
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] =
      `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
    process.env['OTEL_SERVICE_NAME'] = 'env-named-agent';
    const tracing = startTracing({ resourceAttributes: { 'deployment.environment.name': 'test' } });
    const server = createDemoServer();
    // A tool that fails after a failed HTTP call: startTracing's McpscopeSpanProcessor sees the call.
    server.registerTool('charge', { description: 'Fails after a failed HTTP call' }, async () => {
      trace.getTracer('http').startActiveSpan('POST /charges', { kind: SpanKind.CLIENT }, (span) => {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      return { isError: true, content: [{ type: 'text', text: 'card declined' }] };
    });
    instrumentServer(server);
    const client = instrumentClient(createDemoClient());
    await connectInMemory(server, client);
    await client.callTool({ name: 'get_weather', arguments: { city: 'Turin' } });
    await client.callTool({ name: 'charge' });
    await client.close();
    await tracing.forceFlush();
    await tracing.shutdown();

    const traces = received.filter((request) => request.path === '/v1/traces');
    expect(traces.length).toBeGreaterThan(0);
    expect(traces.every((request) => request.contentType === 'application/x-protobuf')).toBe(true);
    const body = Buffer.concat(traces.map((request) => request.body)).toString('latin1');
    for (const text of [
      'env-named-agent',
      'deployment.environment.name',
      'tools/call get_weather',
      'in-memory tools/call',
      'mcpscope.layer',
      // Set only with mcpscope.fault=downstream.
      'mcpscope.downstream.span_id',
    ]) {
      expect(body).toContain(text);
    }
    const metricsBody = Buffer.concat(
      received.filter((r) => r.path === '/v1/metrics').map((r) => r.body),
    ).toString('latin1');
    expect(metricsBody).toContain('mcp.client.operation.duration');
    expect(metricsBody).toContain('mcp.server.operation.duration');
  });
});
