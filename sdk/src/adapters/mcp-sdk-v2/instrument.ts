import type { InstrumentationOptions } from '../../core/options.js';
import { instrumentProtocol, instrumentServerWith } from '../protocol/instrumentProtocol.js';
import { V2_DIALECT } from './dialect.js';

// Entry points of the MCP SDK 2.x adapter (`@modelcontextprotocol/client` and `/server`). The 2.x
// Protocol keeps the hooks of 1.x, so the same Protocol instrumentation is installed with the 2.x
// dialect (see dialect.ts); every span is made by the core recorder.

/** Traces an MCP SDK 2.x `Client`; see `instrumentClient`. */
export function instrumentV2Client(client: object, options: InstrumentationOptions | undefined): void {
  instrumentProtocol(client, 'client', options, V2_DIALECT);
}

/** Traces an MCP SDK 2.x `McpServer` or low-level `Server`; see `instrumentServer`. */
export function instrumentV2Server(server: object, options: InstrumentationOptions | undefined): void {
  instrumentServerWith(server, options, V2_DIALECT);
}
