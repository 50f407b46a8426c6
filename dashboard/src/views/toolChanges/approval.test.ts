import { describe, expect, it } from 'vitest';
import { pinUrl, proxyCommand } from './approval.js';

describe('proxyCommand', () => {
  const origin = 'https://mcpscope.example';

  it('runs a stdio server under the proxy with its recorded command, quoting the URL’s parentheses', () => {
    const server = { server: 'fs (npx -y server-filesystem /data)', serverName: 'fs' };
    const url = pinUrl(origin, { pinPath: '/api/tool-pins/fs%20(npx%20-y%20server-filesystem%20%2Fdata)' });
    expect(proxyCommand(server, url, true)).toBe(
      "mcpscope proxy --pins 'https://mcpscope.example/api/tool-pins/fs%20(npx%20-y%20server-filesystem%20%2Fdata)' " +
        '--pins-token "$MCPSCOPE_READ_TOKEN" -- npx -y server-filesystem /data',
    );
  });

  it('points the proxy at a network server, and leaves the token out when none is needed', () => {
    const server = { server: 'weather@10.0.0.5:3000', serverName: 'weather' };
    expect(proxyCommand(server, `${origin}/api/tool-pins/weather%4010.0.0.5%3A3000`, false)).toBe(
      'mcpscope proxy --pins https://mcpscope.example/api/tool-pins/weather%4010.0.0.5%3A3000 ' +
        '--upstream http://10.0.0.5:3000/mcp',
    );
  });

  it('quotes a URL the shell would split, and asks for the command it does not know', () => {
    expect(proxyCommand({ server: 'weather', serverName: 'weather' }, "http://h/a b'c", false)).toBe(
      `mcpscope proxy --pins 'http://h/a b'\\''c' -- <server command>`,
    );
  });
});
