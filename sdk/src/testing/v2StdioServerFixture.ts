/**
 * An instrumented MCP SDK 2.x server over stdio, served by `serveStdio` (which picks the protocol era
 * per connection), for tests that start it as a child process:
 * `node --conditions=mcpscope-source --import tsx v2StdioServerFixture.ts` with MCPSCOPE_SPANS_FILE
 * naming the file its spans are appended to (JSON lines).
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrumentServer } from '../instrumentServer.js';
import { JsonLinesSpanExporter } from './jsonLinesSpanExporter.js';

const spansFile = process.env['MCPSCOPE_SPANS_FILE'];
if (!spansFile) throw new Error('MCPSCOPE_SPANS_FILE is required');
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(
  new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
);
trace.setGlobalTracerProvider(
  new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(new JsonLinesSpanExporter(spansFile))],
  }),
);

serveStdio(() => {
  const server = new McpServer({ name: 'weather-v2-stdio', version: '2.0.0' });
  server.registerTool('get_weather', { description: 'Weather' }, async () => ({
    content: [{ type: 'text', text: 'sunny' }],
  }));
  return instrumentServer(server);
});
