import { appendFileSync } from 'node:fs';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createDriftingServer } from './driftingServer.js';

// The drifting fixture on stdio, run as a child process. DRIFT_STAGE picks the tool set (v1 or v2),
// DRIFT_PAGE_SIZE paginates tools/list, and every tools/call received is appended to DRIFT_CALL_LOG (one
// tool name a line): the proof of what reached the server. Its command-line arguments are ignored (a
// test passes a credential-shaped one to check that pin files mask it).
const log = process.env['DRIFT_CALL_LOG'];
const pageSize = process.env['DRIFT_PAGE_SIZE'];
const server = createDriftingServer({
  stage: { current: process.env['DRIFT_STAGE'] === 'v2' ? 'v2' : 'v1' },
  ...(pageSize !== undefined ? { pageSize: Number(pageSize) } : {}),
  onCall: (tool) => {
    if (log !== undefined) appendFileSync(log, `${tool}\n`);
  },
});
await server.connect(new StdioServerTransport());
