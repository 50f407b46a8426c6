import { describe, expect, it } from 'vitest';
import { forwardedFor, httpAddressAttributes, requestPeer } from './httpAddresses.js';

describe('forwardedFor', () => {
  it('takes the first for= of a Forwarded header, quoted, bracketed or with a port', () => {
    expect(forwardedFor({ forwarded: 'for=192.0.2.43, for=198.51.100.17' })).toBe('192.0.2.43');
    expect(forwardedFor({ forwarded: 'proto=https;for="192.0.2.60:4711";by=203.0.113.43' })).toBe(
      '192.0.2.60',
    );
    expect(forwardedFor({ forwarded: 'For="[2001:db8:cafe::17]:4711"' })).toBe('2001:db8:cafe::17');
  });

  it('skips obfuscated and unknown Forwarded identifiers, then reads X-Forwarded-For', () => {
    expect(forwardedFor({ forwarded: 'for=_hidden', 'x-forwarded-for': '198.51.100.9' })).toBe(
      '198.51.100.9',
    );
    expect(forwardedFor({ forwarded: 'for=unknown' })).toBeUndefined();
    expect(forwardedFor({ 'x-forwarded-for': [' 203.0.113.7 , 10.0.0.1'] })).toBe('203.0.113.7');
    expect(forwardedFor({})).toBeUndefined();
  });
});

describe('requestPeer', () => {
  it('reads the client from the socket unless the request was forwarded', () => {
    expect(requestPeer({ headers: {}, socket: { remoteAddress: '::1', remotePort: 50123 } })).toEqual({
      client: { 'client.address': '::1', 'client.port': 50123 },
      tls: false,
    });
    expect(
      requestPeer({
        headers: { 'x-forwarded-for': '203.0.113.7' },
        socket: { remoteAddress: '10.0.0.1', remotePort: 1, encrypted: true },
      }),
    ).toEqual({ client: { 'client.address': '203.0.113.7' }, tls: true });
    expect(requestPeer({ headers: {} })).toBeUndefined();
    expect(requestPeer(undefined)).toBeUndefined();
  });
});

describe('httpAddressAttributes', () => {
  it('names the server as the client addressed it, with the scheme’s default port', () => {
    const peer = { client: { 'client.address': '::1', 'client.port': 50123 }, tls: false };
    expect(httpAddressAttributes(peer, { host: '127.0.0.1:3000' })).toEqual({
      'client.address': '::1',
      'client.port': 50123,
      'server.address': '127.0.0.1',
      'server.port': 3000,
    });
    expect(httpAddressAttributes({ client: undefined, tls: true }, { host: 'MCP.example.com' })).toEqual({
      'server.address': 'mcp.example.com',
      'server.port': 443,
    });
    expect(httpAddressAttributes(undefined, { host: '[::1]:8080' })).toEqual({
      'server.address': '::1',
      'server.port': 8080,
    });
  });

  it('prefers the forwarded host and scheme, and falls back to forwarding headers for the client', () => {
    expect(
      httpAddressAttributes(undefined, {
        host: 'backend:8080',
        'x-forwarded-host': 'mcp.example.com',
        'x-forwarded-proto': 'https',
        'x-forwarded-for': '198.51.100.9',
      }),
    ).toEqual({
      'client.address': '198.51.100.9',
      'server.address': 'mcp.example.com',
      'server.port': 443,
    });
    expect(httpAddressAttributes(undefined, undefined)).toEqual({});
    expect(httpAddressAttributes(undefined, { host: 'bad host!:x' })).toEqual({});
  });
});
