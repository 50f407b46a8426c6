import { Server } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { instrumentServer } from '../instrumentServer.js';

// An instrumented low-level MCP SDK 2.x Server that uses the Tasks extension of 2026-07-28 (SEP-2663), for
// the tests of the 2.x adapter and of the proxy: every tools/call is answered with a task handle (the
// Task's fields and `resultType: "task"`), and tasks/get, tasks/update and tasks/cancel are served with
// explicit schemas (2.4.0 lifts `inputResponses` out of params before validation). MCP SDK 2.4.0 has no
// task runtime, but passes a handler's `resultType` through (see adapters/mcp-sdk-v2/modernTasks.test.ts
// for what its Client does with it).

/** The id of the one task the server hands out. */
export const TASK_ID = '786512e2-9e0d-44bd-8f29-789f320fe840';

const TaskParams = z.object({ taskId: z.string(), requestState: z.string().optional() }).passthrough();

/** A new instrumented task server (one per HTTP request, as `createMcpHandler` wants). */
export function createTaskServer(): Server {
  const server = new Server({ name: 'render-v2', version: '0.9.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler('tools/list', () => ({
    tools: [{ name: 'render', inputSchema: { type: 'object' as const } }],
  }));
  const task = {
    taskId: TASK_ID,
    createdAt: '2026-08-01T10:00:00Z',
    lastUpdatedAt: '2026-08-01T10:00:00Z',
    ttlSeconds: 60,
  };
  // The handle: `resultType: "task"` and the Task's fields.
  server.setRequestHandler('tools/call', () => ({ resultType: 'task', status: 'working', ...task }) as never);
  server.setRequestHandler('tasks/get', { params: TaskParams }, () => ({
    ...task,
    status: 'completed',
    result: { content: [{ type: 'text', text: 'rendered' }] },
  }));
  server.setRequestHandler('tasks/update', { params: TaskParams }, () => ({}));
  server.setRequestHandler('tasks/cancel', { params: TaskParams }, () => ({}));
  return instrumentServer(server);
}
