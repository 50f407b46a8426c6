import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createFixtureServer } from './fixtureServer.js';

// The fixture server on stdio, run as a child process by the stdio proxy tests.
await createFixtureServer().connect(new StdioServerTransport());
