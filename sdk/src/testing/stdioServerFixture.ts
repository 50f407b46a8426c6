/**
 * An instrumented demo MCP server over stdio, for tests that start it as a child process:
 * `node --conditions=mcpscope-source --import tsx stdioServerFixture.ts` with MCPSCOPE_SPANS_FILE naming the file
 * its spans are appended to (JSON lines).
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrumentServer } from '../instrumentServer.js';
import { createDemoServer } from './demoServer.js';
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

const server = createDemoServer({ name: 'weather-stdio', version: '2.0.0' });
server.registerTool('exit_process', { description: 'Kills its own process mid-call' }, async () => {
  setTimeout(() => process.exit(3), 10);
  return new Promise(() => undefined);
});
instrumentServer(server);
await server.connect(new StdioServerTransport());
