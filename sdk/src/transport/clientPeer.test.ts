import { describe, expect, it } from 'vitest';
import { clientPeerAttributes, forwardedFor } from './clientPeer.js';

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

describe('clientPeerAttributes', () => {
  it('uses the socket peer when no forwarding header is present', () => {
    expect(
      clientPeerAttributes({ headers: {}, socket: { remoteAddress: '::1', remotePort: 50123 } }),
    ).toEqual({ 'client.address': '::1', 'client.port': 50123 });
    expect(clientPeerAttributes({ headers: {}, socket: {} })).toBeUndefined();
    expect(clientPeerAttributes(undefined)).toBeUndefined();
  });
});
