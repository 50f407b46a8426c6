import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/** Options of {@link createDemoServer}. */
export interface DemoServerOptions {
  name?: string;
  version?: string;
}

/**
 * A real McpServer exercising every method the instrumentation traces: a plain tool, a tool error, a
 * throwing tool, a slow tool (timeouts, cancellation), progress, logging, sampling and elicitation
 * from inside a tool, resources (static and templated, subscribable), prompts and completion.
 */
export function createDemoServer(options: DemoServerOptions = {}): McpServer {
  const server = new McpServer(
    { name: options.name ?? 'weather', version: options.version ?? '1.0.0' },
    { capabilities: { logging: {}, resources: { subscribe: true, listChanged: true } } },
  );

  server.registerTool(
    'get_weather',
    {
      title: 'Get weather',
      description: 'Current weather for a city',
      inputSchema: { city: z.string() },
      outputSchema: { city: z.string(), celsius: z.number() },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async ({ city }) => ({
      content: [{ type: 'text', text: `${city}: 21°C` }],
      structuredContent: { city, celsius: 21 },
    }),
  );

  server.registerTool(
    'failing_tool',
    { description: 'Always reports a tool error', annotations: { destructiveHint: false } },
    async () => ({ content: [{ type: 'text', text: 'upstream API said no' }], isError: true }),
  );

  server.registerTool('throwing_tool', { description: 'Throws an exception' }, async () => {
    throw new Error('database connection refused');
  });

  server.registerTool(
    'slow_tool',
    { description: 'Waits, honouring cancellation', inputSchema: { ms: z.number() } },
    async ({ ms }, extra) => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        extra.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      return { content: [{ type: 'text', text: 'done' }] };
    },
  );

  server.registerTool('progress_tool', { description: 'Reports progress and logs' }, async (extra) => {
    const token = extra._meta?.progressToken;
    for (let step = 1; step <= 3; step++) {
      if (token !== undefined) {
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken: token, progress: step, total: 3, message: `step ${step}` },
        });
      }
    }
    await extra.sendNotification({
      method: 'notifications/message',
      params: { level: 'info', logger: 'demo', data: 'halfway there' },
    });
    return { content: [{ type: 'text', text: 'progressed' }] };
  });

  server.registerTool('sampling_tool', { description: 'Asks the client LLM' }, async () => {
    const reply = await server.server.createMessage({
      messages: [{ role: 'user', content: { type: 'text', text: 'Say hi' } }],
      maxTokens: 10,
    });
    const text = reply.content.type === 'text' ? reply.content.text : '';
    return { content: [{ type: 'text', text: `model said: ${text}` }] };
  });

  server.registerTool('elicit_tool', { description: 'Asks the user' }, async () => {
    const answer = await server.server.elicitInput({
      message: 'Your name?',
      requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
    });
    return { content: [{ type: 'text', text: `hello ${String(answer.content?.['name'])}` }] };
  });

  server.registerTool('roots_tool', { description: 'Lists client roots' }, async () => {
    const roots = await server.server.listRoots();
    return { content: [{ type: 'text', text: roots.roots.map((root) => root.uri).join(',') }] };
  });

  server.registerResource('readme', 'file:///readme.md', { mimeType: 'text/markdown' }, async (uri) => ({
    contents: [{ uri: uri.href, text: '# Demo' }],
  }));
  server.registerResource(
    'city',
    new ResourceTemplate('weather://{city}', {
      list: undefined,
      complete: { city: (value) => ['Paris', 'Perth', 'Prague'].filter((city) => city.startsWith(value)) },
    }),
    { description: 'Weather of a city' },
    async (uri, { city }) => ({ contents: [{ uri: uri.href, text: `${String(city)}: 21°C` }] }),
  );

  server.registerPrompt(
    'forecast',
    { description: 'Forecast prompt', argsSchema: { city: z.string(), api_key: z.string().optional() } },
    ({ city }) => ({
      messages: [{ role: 'user', content: { type: 'text', text: `Forecast for ${city}?` } }],
    }),
  );

  server.server.setRequestHandler(SubscribeRequestSchema, async () => ({}));
  server.server.setRequestHandler(UnsubscribeRequestSchema, async () => ({}));
  return server;
}
