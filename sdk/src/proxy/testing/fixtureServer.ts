import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { RootsListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/** Test hooks of the fixture server. */
export interface FixtureServerOptions {
  /**
   * Awaited by the `gated` tool after its first progress notification: lets a test prove that the
   * notification reached the client while the call was still running (a buffering proxy would deadlock).
   */
  gate?: () => Promise<void>;
}

export const FIXTURE_SERVER_NAME = 'fixture';
export const FIXTURE_SERVER_VERSION = '1.2.3';

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('aborted'));
    });
  });

/**
 * A real McpServer with the shapes of traffic the proxy must trace: a fast tool, a tool that reports an
 * error result, a tool that throws, a slow cancellable tool with progress, a tool that asks the client
 * for its roots (a server → client request), a tool that changes the tool list, a prompt and a failing
 * prompt, and a tool that kills the process (stdio only). Notifications that belong to no request: the
 * server answers the client's notifications/roots/list_changed with a log message of its own (sent
 * while no request is in flight) and remembers the notification's `_meta` for the `notification_meta`
 * tool; `notify_tools_changed` sends notifications/tools/list_changed outside any request.
 */
export function createFixtureServer(options: FixtureServerOptions = {}): McpServer {
  const server = new McpServer(
    { name: FIXTURE_SERVER_NAME, version: FIXTURE_SERVER_VERSION },
    { capabilities: { tools: { listChanged: true }, logging: {} } },
  );

  server.registerTool(
    'echo',
    {
      description: 'Returns its text.',
      inputSchema: { text: z.string() },
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    ({ text }) => ({ content: [{ type: 'text', text }] }),
  );

  server.registerTool('fail', { description: 'Always reports a tool error.' }, () => ({
    isError: true,
    content: [{ type: 'text', text: 'the weather service is down' }],
  }));

  server.registerTool('throws', { description: 'Always throws.' }, () => {
    throw new Error('boom');
  });

  server.registerTool(
    'slow',
    {
      description: 'Waits, reporting progress, until done or cancelled.',
      inputSchema: { ms: z.number(), steps: z.number() },
    },
    async ({ ms, steps }, extra) => {
      const token = extra._meta?.progressToken;
      // Progress goes out at the start of each step, so none races the result to the client.
      for (let i = 1; i <= steps; i++) {
        if (token !== undefined) {
          await extra.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total: steps, message: `step ${i}` },
          });
        }
        await sleep(ms / steps, extra.signal);
      }
      return { content: [{ type: 'text', text: `slept ${ms}` }] };
    },
  );

  server.registerTool(
    'gated',
    { description: 'Reports progress, then waits for the test to release it.' },
    async (extra) => {
      const token = extra._meta?.progressToken;
      if (token !== undefined) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: 1 },
        });
      }
      await options.gate?.();
      return { content: [{ type: 'text', text: 'released' }] };
    },
  );

  server.registerTool('log', { description: 'Logs a warning while it runs.' }, async (extra) => {
    await extra.sendNotification({
      method: 'notifications/message',
      params: { level: 'warning', logger: 'disk', data: 'disk almost full' },
    });
    return { content: [{ type: 'text', text: 'logged' }] };
  });

  server.registerTool('meta', { description: 'Returns the _meta it received.' }, (extra) => ({
    content: [{ type: 'text', text: JSON.stringify(extra._meta ?? {}) }],
  }));

  server.registerTool('ask_roots', { description: 'Asks the client for its roots.' }, async () => {
    const { roots } = await server.server.listRoots();
    return { content: [{ type: 'text', text: roots.map((r) => r.uri).join(',') }] };
  });

  server.registerTool('add_tool', { description: 'Registers one more tool (changes the list).' }, () => {
    server.registerTool(
      'extra',
      { description: 'Added at run time.', annotations: { destructiveHint: true } },
      () => ({
        content: [{ type: 'text', text: 'extra' }],
      }),
    );
    return { content: [{ type: 'text', text: 'added' }] };
  });

  let rootsChangedMeta: Record<string, unknown> | undefined;
  server.server.setNotificationHandler(RootsListChangedNotificationSchema, async (notification) => {
    rootsChangedMeta = notification.params?._meta;
    await server.sendLoggingMessage({ level: 'info', logger: 'roots', data: 'roots changed' });
  });

  server.registerTool(
    'notification_meta',
    { description: 'Returns the _meta of the last notifications/roots/list_changed.' },
    () => ({ content: [{ type: 'text', text: JSON.stringify(rootsChangedMeta ?? null) }] }),
  );

  server.registerTool(
    'notify_tools_changed',
    { description: 'Sends notifications/tools/list_changed outside the call (no related request).' },
    () => {
      server.sendToolListChanged();
      return { content: [{ type: 'text', text: 'notified' }] };
    },
  );

  server.registerTool('crash', { description: 'Kills the server process mid-call.' }, () => {
    process.exit(3);
  });

  server.registerPrompt(
    'greet',
    { description: 'Greets someone.', argsSchema: { name: z.string() } },
    ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Hello ${name}` } }] }),
  );

  server.registerPrompt('broken', { description: 'Fails inside the server.' }, () => {
    throw new Error('template store unavailable');
  });

  return server;
}
