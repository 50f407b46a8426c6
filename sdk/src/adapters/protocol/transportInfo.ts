import type { Attributes } from '@opentelemetry/api';
import { redactCommandLine } from '../../core/transport/commandLine.js';
import type { TransportInfo } from '../../core/recorder/calls.js';
import {
  ATTR_MCPSCOPE_SERVER_COMMAND,
  ATTR_MCPSCOPE_TRANSPORT_KIND,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  NETWORK_TRANSPORT_PIPE,
  NETWORK_TRANSPORT_TCP,
  TRANSPORT_KIND_IN_MEMORY,
  TRANSPORT_KIND_SSE,
  TRANSPORT_KIND_STDIO,
  TRANSPORT_KIND_STREAMABLE_HTTP,
} from '../../semconv.js';

// What an MCP SDK 1.x transport object tells about the connection: its kind (from the SDK's class
// names, or their private fields when a bundle minified the names), the server's address or command.

// Constructor names of the MCP SDK's transports. Duck-typed fields are the fallback for bundles that
// minify class names.
const KIND_BY_CONSTRUCTOR: Record<string, string> = {
  StdioClientTransport: TRANSPORT_KIND_STDIO,
  StdioServerTransport: TRANSPORT_KIND_STDIO,
  StreamableHTTPClientTransport: TRANSPORT_KIND_STREAMABLE_HTTP,
  StreamableHTTPServerTransport: TRANSPORT_KIND_STREAMABLE_HTTP,
  WebStandardStreamableHTTPServerTransport: TRANSPORT_KIND_STREAMABLE_HTTP,
  // MCP SDK 2.x `createMcpHandler`: in the 2026-07-28 era each request gets a one-exchange transport.
  PerRequestHTTPServerTransport: TRANSPORT_KIND_STREAMABLE_HTTP,
  SSEClientTransport: TRANSPORT_KIND_SSE,
  SSEServerTransport: TRANSPORT_KIND_SSE,
  InMemoryTransport: TRANSPORT_KIND_IN_MEMORY,
};

export function transportKind(transport: object): string {
  // MCP SDK 2.x `serveStdio` connects each server instance to a channel that forwards to the transport it
  // was given (`_wire`: the process's stdio by default, any transport when passed one): the wire is what
  // the messages travel on.
  const wire = (transport as { _wire?: unknown })._wire;
  if (wire !== null && typeof wire === 'object' && typeof (wire as { send?: unknown }).send === 'function')
    return transportKind(wire);
  const name = (transport as { constructor?: { name?: string } }).constructor?.name ?? '';
  const known = KIND_BY_CONSTRUCTOR[name];
  if (known) return known;
  const fields = transport as Record<string, unknown>;
  if ('_otherTransport' in fields) return TRANSPORT_KIND_IN_MEMORY;
  if ('_serverParams' in fields || '_stdin' in fields) return TRANSPORT_KIND_STDIO;
  if ('_url' in fields || '_webStandardTransport' in fields) return TRANSPORT_KIND_STREAMABLE_HTTP;
  return name ? name.toLowerCase() : 'unknown';
}

/** Describes `transport`. `outgoing` is true on the client side, where server.address and the command apply. */
export function describeTransport(transport: object, clientSide: boolean): TransportInfo {
  const kind = transportKind(transport);
  const http = kind === TRANSPORT_KIND_STREAMABLE_HTTP || kind === TRANSPORT_KIND_SSE;
  const attributes: Attributes = { [ATTR_MCPSCOPE_TRANSPORT_KIND]: kind };
  if (kind === TRANSPORT_KIND_STDIO) attributes[ATTR_NETWORK_TRANSPORT] = NETWORK_TRANSPORT_PIPE;
  if (http) {
    attributes[ATTR_NETWORK_TRANSPORT] = NETWORK_TRANSPORT_TCP;
    attributes[ATTR_NETWORK_PROTOCOL_NAME] = 'http';
  }
  if (clientSide) {
    const fields = transport as Record<string, unknown>;
    const url = fields['_url'];
    if (url instanceof URL) {
      attributes[ATTR_SERVER_ADDRESS] = url.hostname;
      const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
      attributes[ATTR_SERVER_PORT] = port;
    }
    const params = fields['_serverParams'] as { command?: unknown; args?: unknown } | undefined;
    if (params && typeof params.command === 'string') {
      const args = Array.isArray(params.args) ? params.args.map(String) : [];
      attributes[ATTR_MCPSCOPE_SERVER_COMMAND] = redactCommandLine(params.command, args);
    }
  }
  return { kind, http, inMemory: kind === TRANSPORT_KIND_IN_MEMORY, attributes };
}
