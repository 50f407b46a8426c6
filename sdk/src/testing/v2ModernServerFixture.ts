/**
 * The server of v2ModernServer.ts over stdio, served by MCP SDK 2.x `serveStdio`, for tests that start it
 * as a child process: `node --conditions=mcpscope-source --import tsx v2ModernServerFixture.ts` with
 * MCPSCOPE_SPANS_FILE naming the file its spans are appended to (JSON lines).
 */
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { JsonLinesSpanExporter } from './jsonLinesSpanExporter.js';
import { createModernServer } from './v2ModernServer.js';

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

serveStdio(() => createModernServer('files-v2-stdio'));
