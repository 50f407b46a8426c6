import type { ApprovalStatus, ToolServerView } from '../../api/types.js';
import type { BadgeTone } from '../../components/Badge.js';

/** A tool's standing against its server's approved set, as the page says it. */
export const STANDING_LABEL: Record<ApprovalStatus, string> = {
  match: 'approved',
  drift: 'changed since approval',
  unpinned: 'new since approval',
  missing: 'missing since approval',
};

/** A changed definition or a new tool is withheld by `block`; a missing one is only reported. */
export const STANDING_TONE: Record<ApprovalStatus, BadgeTone> = {
  match: 'ok',
  drift: 'danger',
  unpinned: 'danger',
  missing: 'warn',
};

export const SERVER_STATUS: Record<ToolServerView['status'], { label: string; tone: BadgeTone }> = {
  approved: { label: 'matches its approved set', tone: 'ok' },
  drift: { label: 'departs from its approved set', tone: 'danger' },
  unapproved: { label: 'nothing approved', tone: 'neutral' },
};

/** The absolute URL of a server's pin file, for `mcpscope proxy --pins`. */
export function pinUrl(origin: string, server: Pick<ToolServerView, 'pinPath'>): string {
  return `${origin}${server.pinPath}`;
}

/** Single-quotes a word for a POSIX shell when it needs it. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `mcpscope proxy` command line that holds a server to its approved set: the pin URL, the read
 * token when the collector wants one, and how the server is reached — its command for a stdio server
 * (credentials the collector only saw masked stay `***`), an upstream URL for a network server (the
 * collector knows its host and port, not its path), a placeholder otherwise.
 */
export function proxyCommand(
  server: Pick<ToolServerView, 'server' | 'serverName'>,
  url: string,
  withToken: boolean,
): string {
  const parts = ['mcpscope proxy', `--pins ${shellWord(url)}`];
  if (withToken) parts.push('--pins-token "$MCPSCOPE_READ_TOKEN"');
  const { server: identity, serverName } = server;
  const stdio = `${serverName} (`;
  if (identity.startsWith(stdio) && identity.endsWith(')') && identity.length > stdio.length + 1) {
    parts.push(`-- ${identity.slice(stdio.length, -1)}`);
  } else if (identity.startsWith(`${serverName}@`) && identity.length > serverName.length + 1) {
    parts.push(`--upstream http://${identity.slice(serverName.length + 1)}/mcp`);
  } else {
    parts.push('-- <server command>');
  }
  return parts.join(' ');
}
