import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
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
});
