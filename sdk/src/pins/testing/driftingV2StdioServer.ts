import { appendFileSync } from 'node:fs';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { DriftStage } from './driftingServer.js';
import { createDriftingServerV2 } from './driftingServerV2.js';

// The 2.x drifting fixture on stdio, run as a child process and served by `serveStdio` (which picks the
// protocol era per connection). DRIFT_STAGE picks the tool set (v1 or v2), and every tools/call
// received is appended to DRIFT_CALL_LOG (one tool name a line): the proof of what reached the server.
const log = process.env['DRIFT_CALL_LOG'];
const stage: { current: DriftStage } = { current: process.env['DRIFT_STAGE'] === 'v2' ? 'v2' : 'v1' };
serveStdio(() =>
  createDriftingServerV2({
    stage,
    onCall: (tool) => {
      if (log !== undefined) appendFileSync(log, `${tool}\n`);
    },
  }),
);
