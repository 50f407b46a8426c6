import type { InstrumentationOptions } from '../../core/options.js';
import { instrumentProtocol, instrumentServerWith } from '../protocol/instrumentProtocol.js';
import { V1_DIALECT } from './dialect.js';

// Entry points of the MCP SDK 1.x adapter (`@modelcontextprotocol/sdk` 1.4 → current 1.x): the shared
// Protocol hooks (../protocol/) installed with the 1.x dialect; every span is made by the core recorder.

/** Traces an MCP SDK 1.x `Client`; see `instrumentClient`. */
export function instrumentV1Client(client: object, options: InstrumentationOptions | undefined): void {
  instrumentProtocol(client, 'client', options, V1_DIALECT);
}

/** Traces an MCP SDK 1.x `McpServer` or low-level `Server`; see `instrumentServer`. */
export function instrumentV1Server(server: object, options: InstrumentationOptions | undefined): void {
  instrumentServerWith(server, options, V1_DIALECT);
}
