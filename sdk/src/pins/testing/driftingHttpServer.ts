import { startMcpHttpServer } from '../../proxy/testing/httpFixture.js';
import { createDriftingServer, type DriftStage } from './driftingServer.js';

/** Options of {@link startDriftingHttpServer}. */
export interface DriftingHttpOptions {
  /** The tool set, shared by every session; the test (or `set_stage`) switches it. */
  stage: { current: DriftStage };
  /** Answer POSTs with one JSON body instead of an SSE stream. Defaults to false (SSE). */
  jsonResponse?: boolean;
  pageSize?: number;
}

/** The drifting fixture behind a real Streamable HTTP endpoint (`/mcp`) on 127.0.0.1. */
export interface DriftingHttpServer {
  url: URL;
  /** Every tools/call any session received, by tool name, in order. */
  calls: string[];
  /** Authorization headers received. */
  authorizations: string[];
  close(): Promise<void>;
}

/** Stateful (a session per initialize), the way the MCP SDK documents it for node:http. */
export async function startDriftingHttpServer(options: DriftingHttpOptions): Promise<DriftingHttpServer> {
  const calls: string[] = [];
  const fixture = await startMcpHttpServer(options, () =>
    createDriftingServer({
      stage: options.stage,
      ...(options.pageSize !== undefined ? { pageSize: options.pageSize } : {}),
      onCall: (tool) => calls.push(tool),
    }),
  );
  return { url: fixture.url, calls, authorizations: fixture.authorizations, close: fixture.close };
}
