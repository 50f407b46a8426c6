import { describe, expect, it } from 'vitest';
import { redactCommandLine } from './commandLine.js';

describe('redactCommandLine', () => {
  it('keeps ordinary command lines as they are', () => {
    expect(
      redactCommandLine('npx', [
        '-y',
        '@modelcontextprotocol/server-filesystem',
        '/home/me',
        '--port',
        '3000',
      ]),
    ).toBe('npx -y @modelcontextprotocol/server-filesystem /home/me --port 3000');
  });

  it('masks values of credential options, in both spellings', () => {
    expect(
      redactCommandLine('server', [
        '--api-key',
        'abc123',
        '--client_secret=xyz',
        '--Token',
        't',
        '--verbose',
      ]),
    ).toBe('server --api-key [REDACTED] --client_secret=[REDACTED] --Token [REDACTED] --verbose');
  });

  it('masks auth options but not token counts', () => {
    expect(
      redactCommandLine('server', ['--basic-auth', 'me:pw', '--max-tokens', '100', '--refresh_token=r']),
    ).toBe('server --basic-auth [REDACTED] --max-tokens 100 --refresh_token=[REDACTED]');
  });

  it('masks credential-shaped values wherever they are', () => {
    const key = `sk-proj-${'a'.repeat(24)}`;
    const github = `ghp_${'b'.repeat(36)}`;
    expect(
      redactCommandLine('server', [`--header=Authorization: Bearer ${'c'.repeat(20)}`, key, `url=${github}`]),
    ).toBe('server --header=Authorization: [REDACTED] [REDACTED] url=[REDACTED]');
  });
});
