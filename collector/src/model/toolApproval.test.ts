import { describe, expect, it } from 'vitest';
import { canonicalJson } from '@mcpscope/sdk/canonical-json';
import { createPinFile, parsePinFile, formatPinFile, PinFileError } from '@mcpscope/sdk/pins';
import {
  ApprovalError,
  approvalInForce,
  approvalPinFile,
  compareWithApproval,
  pinFileOfSet,
  pinnedServerOf,
  pinPath,
  resolveServer,
  type ApprovalWithDefinitions,
  type StoredApproval,
} from './toolApproval.js';

const echo = { name: 'echo', description: 'Returns its text.', inputSchema: { type: 'object' } };
const mail = { name: 'send_email', description: 'Sends an email.' };
const mailV2 = { ...mail, inputSchema: { type: 'object', properties: { bcc: { type: 'string' } } } };

/** An approval of `tools` as the approve endpoint stores it (fingerprints by the SDK's own rule). */
function approval(tools: object[], approvedAtMs = 1_000, id = 'a1'): ApprovalWithDefinitions {
  const file = createPinFile({}, tools);
  return {
    id,
    server: 'mailer (node mailer.js --token ***)',
    serverName: 'mailer',
    serverVersion: '1.0.0',
    setFingerprint: 'f'.repeat(64),
    approvedAtMs,
    approvedBy: 'ana',
    note: '',
    tools: file.tools.map((t) => ({ name: t.name, sha256: t.sha256 })),
    definitions: file.tools.map((t) => canonicalJson(t.definition)),
  };
}

const fingerprintOf = (tool: object): string => createPinFile({}, [tool]).tools[0]!.sha256;

describe('compareWithApproval', () => {
  it('gives every current or approved tool its standing, in the SDK’s words', () => {
    const a = approval([echo, mail]);
    const current = new Map([
      ['echo', fingerprintOf(echo)],
      ['send_email', fingerprintOf(mailV2)],
      ['read_secrets', 'b'.repeat(64)],
    ]);
    expect(compareWithApproval(a, current).map((t) => [t.tool, t.status])).toEqual([
      ['echo', 'match'],
      ['read_secrets', 'unpinned'],
      ['send_email', 'drift'],
    ]);
    const gone = compareWithApproval(a, new Map([['echo', fingerprintOf(echo)]]));
    expect(gone.find((t) => t.tool === 'send_email')).toEqual({
      tool: 'send_email',
      status: 'missing',
      approvedFingerprint: fingerprintOf(mail),
    });
  });
});

describe('approvalInForce', () => {
  const list: StoredApproval[] = [approval([echo], 1_000, 'a1'), approval([echo, mail], 5_000, 'a2')];

  it('is the latest approval made at or before the time', () => {
    expect(approvalInForce(list, 999)).toBeUndefined();
    expect(approvalInForce(list, 1_000)?.id).toBe('a1');
    expect(approvalInForce(list, 4_999)?.id).toBe('a1');
    expect(approvalInForce(list, 9_000)?.id).toBe('a2');
  });
});

describe('pin files of approvals', () => {
  it('serves an approval as a pin file that parsePinFile accepts, stdio command included', () => {
    const file = approvalPinFile(approval([mail, echo], Date.UTC(2026, 0, 2)));
    const text = formatPinFile(file);
    const parsed = parsePinFile(text, 'collector');
    expect(parsed).toEqual(file);
    expect(parsed.server).toEqual({
      name: 'mailer',
      version: '1.0.0',
      command: 'node mailer.js --token ***',
    });
    expect(parsed.createdAt).toBe('2026-01-02T00:00:00.000Z');
    expect(parsed.tools.map((t) => t.name)).toEqual(['echo', 'send_email']);
  });

  it('refuses a set whose recorded definition does not hash to its recorded fingerprint', () => {
    const tools = [{ name: 'echo', fingerprint: fingerprintOf(echo), definition: canonicalJson(mail) }];
    expect(() => pinFileOfSet({}, [{ ...tools[0]!, name: 'send_email' }], new Date(), 'x')).toThrow(
      ApprovalError,
    );
    expect(() => pinFileOfSet({}, [{ ...tools[0]!, definition: '{"name":"ec' }], new Date(), 'x')).toThrow(
      /is not JSON/,
    );
    const cut = {
      name: 'echo',
      fingerprint: fingerprintOf(echo),
      definition: canonicalJson({ name: 'echo' }),
    };
    expect(() => pinFileOfSet({}, [cut], new Date(), 'srv')).toThrow(
      /"echo" on srv does not hash to its recorded fingerprint/,
    );
    // A pin file with a hand-edited hash is refused by the SDK, as any reader of it would.
    const file = approvalPinFile(approval([echo]));
    expect(() =>
      parsePinFile(formatPinFile({ ...file, tools: [{ ...file.tools[0]!, sha256: '0'.repeat(64) }] }), 'x'),
    ).toThrow(PinFileError);
  });

  it('names the server by identity: command for stdio, nothing guessed for a network server', () => {
    expect(pinnedServerOf('fs (npx server-filesystem /data)', 'fs', '')).toEqual({
      name: 'fs',
      command: 'npx server-filesystem /data',
    });
    expect(pinnedServerOf('weather@127.0.0.1:3000', 'weather', '2.0.0')).toEqual({
      name: 'weather',
      version: '2.0.0',
    });
    expect(pinnedServerOf('weather', 'weather', '')).toEqual({ name: 'weather' });
    expect(pinPath('fs (npx /data)')).toBe('/api/tool-pins/fs%20(npx%20%2Fdata)');
  });
});

describe('resolveServer', () => {
  const known = [
    { identity: 'fs (npx a)', name: 'fs' },
    { identity: 'fs (npx b)', name: 'fs' },
    { identity: 'weather@127.0.0.1:3000', name: 'weather' },
    { identity: 'weather', name: 'weather' },
    { identity: 'mail@h:1', name: 'mail' },
  ];

  it('takes a full identity first, then a name that one identity has', () => {
    expect(resolveServer('weather', known)).toEqual({ kind: 'found', identity: 'weather' });
    expect(resolveServer('fs (npx b)', known)).toEqual({ kind: 'found', identity: 'fs (npx b)' });
    expect(resolveServer('mail', known)).toEqual({ kind: 'found', identity: 'mail@h:1' });
  });

  it('refuses a name several identities share, and knows nothing of others', () => {
    expect(resolveServer('fs', known)).toEqual({
      kind: 'ambiguous',
      identities: ['fs (npx a)', 'fs (npx b)'],
    });
    expect(resolveServer('github', known)).toEqual({ kind: 'unknown' });
  });
});
