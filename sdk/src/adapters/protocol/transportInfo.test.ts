import { Client as V2Client, InMemoryTransport as V2InMemoryTransport } from '@modelcontextprotocol/client';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer as V2McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { describe, expect, it } from 'vitest';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { describeTransport, transportKind } from './transportInfo.js';

describe('transportInfo', () => {
  it('recognises the SDK transports', () => {
    const [a] = InMemoryTransport.createLinkedPair();
    expect(transportKind(a)).toBe('in-memory');
    expect(describeTransport(a, true)).toMatchObject({ kind: 'in-memory', inMemory: true, http: false });
    class CustomWebSocketTransport {}
    expect(transportKind(new CustomWebSocketTransport())).toBe('customwebsockettransport');
  });
  it('records the server command line with the core redaction rules (as the proxy does)', () => {
    // Not started: describing a transport reads its parameters only.
    const transport = new StdioClientTransport({
      command: 'npx',
      args: ['server', '--token', 's3cr3t', '--api-key=abc', '--basic-auth', 'me:pw', '--port', '8080'],
    });
    expect(describeTransport(transport, true).attributes['mcpscope.server.command']).toBe(
      'npx server --token [REDACTED] --api-key=[REDACTED] --basic-auth [REDACTED] --port 8080',
    );
  });
  it('describes a 2.x serveStdio channel by the transport it forwards to', async () => {
    // serveStdio connects each server instance to a channel over the transport it serves (stdio by
    // default); here that transport is in memory, so the connection is too (no byte measuring).
    const [clientTransport, serverTransport] = V2InMemoryTransport.createLinkedPair();
    const channels: object[] = [];
    const handle = serveStdio(
      () => {
        const server = new V2McpServer({ name: 'channel-server', version: '1.0.0' });
        const connect = server.connect.bind(server);
        server.connect = (transport) => {
          channels.push(transport);
          return connect(transport);
        };
        return server;
      },
      { transport: serverTransport },
    );
    const client = new V2Client({ name: 'c', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(clientTransport);
    try {
      expect(channels.length).toBeGreaterThan(0);
      for (const channel of channels) {
        expect(channel.constructor.name).toBe('StdioConnectionChannel');
        expect(describeTransport(channel, false)).toMatchObject({ kind: 'in-memory', inMemory: true });
      }
    } finally {
      await client.close();
      await handle.close();
    }
  });
});
