import { beforeEach, describe, expect, it } from 'vitest';
import { META_SERVER_COMMAND } from '../semconv.js';
import { inMemoryTracing } from '../testing/otel.js';
import { ProxySession } from './proxySession.js';
import { ToolListMemory } from './toolListMemory.js';

// The proxy's part in naming a stdio server (core/serverCommand.ts): the session on its own, fed messages
// the way the stdio proxy feeds them, spans into the real OpenTelemetry SDK with an in-memory exporter.
// The whole chain — instrumented client, `mcpscope proxy`, instrumented server, collector — runs in
// test/integration/serverIdentity.test.ts.

const { exporter, provider } = inMemoryTracing();
const tracer = provider.getTracer('proxy-server-command-test');

function newSession(serverCommand?: string): ProxySession {
  return new ProxySession({
    tracer,
    tools: new ToolListMemory(),
    networkTransport: serverCommand === undefined ? 'tcp' : 'pipe',
    ...(serverCommand !== undefined ? { serverCommand } : {}),
  });
}

/** One request through the session and its answer back; returns what went to the server. */
function exchange(session: ProxySession, id: number, method: string, params?: Record<string, unknown>) {
  const request: Record<string, unknown> = { jsonrpc: '2.0', id, method };
  if (params !== undefined) request['params'] = params;
  const changed = session.fromClient(request);
  session.settle();
  session.fromServer({ jsonrpc: '2.0', id, result: method === 'tools/list' ? { tools: [] } : {} });
  return { request, changed };
}

const commands = () => exporter.getFinishedSpans().map((span) => span.attributes['mcpscope.server.command']);
const sentCommand = (request: Record<string, unknown>) =>
  ((request['params'] as Record<string, unknown>)['_meta'] as Record<string, unknown>)[META_SERVER_COMMAND];

beforeEach(() => exporter.reset());

describe('the proxy names the server it launched', () => {
  it('adds its own command to a tools/list that names none, and to nothing else', () => {
    const session = newSession('dict --db words.db');
    const list = exchange(session, 1, 'tools/list');
    expect(list.changed).toBe(true);
    expect(sentCommand(list.request)).toBe('dict --db words.db');
    const call = exchange(session, 2, 'tools/call', { name: 'lookup', arguments: {} });
    expect(JSON.stringify(call.request)).not.toContain(META_SERVER_COMMAND);
    expect(commands()).toEqual(['dict --db words.db', 'dict --db words.db']);
  });

  it('keeps the command a tools/list already carries and records it on its spans from then on', () => {
    const session = newSession('dict --db words.db');
    exchange(session, 1, 'ping');
    const outer = 'npx mcpscope proxy -- dict --db words.db';
    const list = exchange(session, 2, 'tools/list', { _meta: { [META_SERVER_COMMAND]: outer } });
    // Forwarded as the client sent it (only the trace context is added).
    expect(sentCommand(list.request)).toBe(outer);
    exchange(session, 3, 'ping');
    // The outermost launcher names the server: the ping before it still carries the proxy's own command.
    expect(commands()).toEqual(['dict --db words.db', outer, outer]);
  });

  it('knowing no command (HTTP), adds none', () => {
    const session = newSession();
    const list = exchange(session, 1, 'tools/list', { cursor: 'c' });
    expect(JSON.stringify(list.request)).not.toContain(META_SERVER_COMMAND);
    expect(commands()).toEqual([undefined]);
  });
});
