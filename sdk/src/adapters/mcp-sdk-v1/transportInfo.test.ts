import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { describe, expect, it } from 'vitest';
import { commandLine, describeTransport, transportKind } from './transportInfo.js';

describe('transportInfo', () => {
  it('recognises the SDK transports', () => {
    const [a] = InMemoryTransport.createLinkedPair();
    expect(transportKind(a)).toBe('in-memory');
    expect(describeTransport(a, true)).toMatchObject({ kind: 'in-memory', inMemory: true, http: false });
    class CustomWebSocketTransport {}
    expect(transportKind(new CustomWebSocketTransport())).toBe('customwebsockettransport');
  });
  it('never records credentials in the server command line', () => {
    expect(
      commandLine('npx', [
        'server',
        '--token',
        's3cr3t',
        '--api-key=abc',
        '--port',
        '8080',
        'ghp_abcdefghijklmnopqrstuvwxyz',
      ]),
    ).toBe('npx server --token [REDACTED] --api-key=[REDACTED] --port 8080 [REDACTED]');
  });
});
