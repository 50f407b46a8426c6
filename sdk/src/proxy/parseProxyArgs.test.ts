import { describe, expect, it } from 'vitest';
import { DEFAULT_LISTEN_PORT, parseProxyArgs, ProxyUsageError } from './parseProxyArgs.js';
import { DEFAULT_MAX_BODY_BYTES } from './readLimitedBody.js';

describe('parseProxyArgs', () => {
  it('reads a stdio command after --, keeping its own options', () => {
    expect(parseProxyArgs(['--service-name', 'weather', '--', 'node', 'server.js', '--port', '1'])).toEqual({
      mode: 'stdio',
      serviceName: 'weather',
      command: 'node',
      args: ['server.js', '--port', '1'],
    });
  });

  it('starts the command at the first non-option without --', () => {
    expect(parseProxyArgs(['--service-name=w', 'uvx', 'mcp-server-time'])).toEqual({
      mode: 'stdio',
      serviceName: 'w',
      command: 'uvx',
      args: ['mcp-server-time'],
    });
  });

  it('reads the HTTP mode with listen forms', () => {
    const parsed = parseProxyArgs(['--upstream', 'http://api.example:3000/mcp', '--listen', '0.0.0.0:9000']);
    expect(parsed).toMatchObject({ mode: 'http', host: '0.0.0.0', port: 9000 });
    expect(parsed.mode === 'http' && parsed.upstream.href).toBe('http://api.example:3000/mcp');
    expect(parseProxyArgs(['--upstream', 'https://x/mcp', '--listen', ':7000'])).toMatchObject({
      host: '127.0.0.1',
      port: 7000,
    });
    expect(parseProxyArgs(['--upstream', 'https://x/mcp', '--listen', '[::1]:7001'])).toMatchObject({
      host: '::1',
      port: 7001,
    });
    expect(parseProxyArgs(['--upstream', 'https://x/mcp'])).toMatchObject({ port: DEFAULT_LISTEN_PORT });
  });

  it('reads --max-body-bytes for the HTTP proxy, defaulting to the MCP SDK limit', () => {
    const upstream = ['--upstream', 'http://x/mcp'];
    expect(parseProxyArgs(upstream)).toMatchObject({ maxBodyBytes: DEFAULT_MAX_BODY_BYTES });
    expect(parseProxyArgs([...upstream, '--max-body-bytes', '1048576'])).toMatchObject({
      maxBodyBytes: 1_048_576,
    });
    expect(parseProxyArgs([...upstream, '--max-body-bytes=1'])).toMatchObject({ maxBodyBytes: 1 });
    for (const bad of ['0', '-5', '1.5', '4mb', '1e6', '', ' 12', '99999999999999999999']) {
      expect(() => parseProxyArgs([...upstream, `--max-body-bytes=${bad}`]), bad).toThrow(
        /--max-body-bytes must be a positive whole number of bytes/,
      );
    }
    expect(() => parseProxyArgs([...upstream, '--max-body-bytes'])).toThrow(/needs a value/);
    expect(() => parseProxyArgs(['--max-body-bytes', '10', '--', 'node'])).toThrow(/needs --upstream/);
  });

  it('reads tool pins for either mode, block by default', () => {
    expect(parseProxyArgs(['--pins', 'pins.json', '--', 'node', 's.js'])).toEqual({
      mode: 'stdio',
      pins: { source: 'pins.json', onDrift: 'block' },
      command: 'node',
      args: ['s.js'],
    });
    const url = 'https://collector:4318/api/tool-pins/weather';
    expect(
      parseProxyArgs(['--upstream', 'http://x/mcp', '--pins', url, '--pins-token', 't', '--on-drift=warn']),
    ).toMatchObject({ mode: 'http', pins: { source: url, onDrift: 'warn', token: 't' } });
    expect(() => parseProxyArgs(['--pins', 'p.json', '--on-drift', 'ignore', '--', 'node'])).toThrow(
      /--on-drift must be block or warn/,
    );
    expect(() => parseProxyArgs(['--on-drift', 'warn', '--', 'node'])).toThrow(/--on-drift needs --pins/);
    expect(() => parseProxyArgs(['--pins-token', 't', '--', 'node'])).toThrow(/--pins-token needs --pins/);
    // A token goes to a pins URL only, never along with a file path.
    expect(() => parseProxyArgs(['--pins', 'p.json', '--pins-token', 't', '--', 'node'])).toThrow(
      /only sent to a pins URL/,
    );
  });

  it('rejects what it cannot run', () => {
    expect(() => parseProxyArgs([])).toThrow(ProxyUsageError);
    expect(() => parseProxyArgs(['--upstream', 'ftp://x'])).toThrow(/http/);
    expect(() => parseProxyArgs(['--upstream', 'http://x', '--', 'node'])).toThrow(/not both/);
    expect(() => parseProxyArgs(['--listen', '1:2', '--', 'node'])).toThrow(/--upstream/);
    expect(() => parseProxyArgs(['--bogus', '--', 'node'])).toThrow(/unknown option/);
    expect(() => parseProxyArgs(['--service-name'])).toThrow(/needs a value/);
    expect(parseProxyArgs(['--help'])).toEqual({ mode: 'help' });
  });
});
