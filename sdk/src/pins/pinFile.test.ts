import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprintTools } from '../core/tools/fingerprint.js';
import {
  createPinFile,
  formatPinFile,
  parsePinFile,
  PinFileError,
  readPinFile,
  writePinFile,
  type PinFile,
} from './pinFile.js';
import { toolsOf } from './testing/driftingServer.js';

const server = { name: 'drifting', version: '1.0.0', command: 'node server.js' };

function pinsOf(stage: 'v1' | 'v2'): PinFile {
  return createPinFile(server, toolsOf(stage), new Date('2026-01-02T03:04:05Z'));
}

describe('pin files', () => {
  it('pins every tool with the fingerprint the instrumentation computes, sorted by name', () => {
    const tools = toolsOf('v1');
    const file = pinsOf('v1');
    expect(file.version).toBe(1);
    expect(file.server).toEqual(server);
    expect(file.createdAt).toBe('2026-01-02T03:04:05.000Z');
    const names = file.tools.map((tool) => tool.name);
    expect(names).toEqual([...names].sort());
    expect(names).toHaveLength(tools.length);
    // The same SHA-256 as `mcpscope.tools.definitions` carries for each tool.
    const expected = new Map(fingerprintTools(tools).tools.map((t) => [t.name, t.fingerprint]));
    for (const tool of file.tools) expect(tool.sha256).toBe(expected.get(tool.name));
  });

  it('writes definitions with sorted keys, so key order on the wire does not change the file', () => {
    const tools = toolsOf('v1');
    const reordered = tools.map((tool) => Object.fromEntries(Object.entries(tool).reverse()));
    expect(formatPinFile(createPinFile(server, reordered, new Date(0)))).toBe(
      formatPinFile(createPinFile(server, tools, new Date(0))),
    );
    const echo = pinsOf('v1').tools.find((tool) => tool.name === 'echo')!;
    expect(Object.keys(echo.definition)).toEqual(['annotations', 'description', 'inputSchema', 'name']);
  });

  it('is pretty JSON that reads back to the same pins', async () => {
    const file = pinsOf('v2');
    const text = formatPinFile(file);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).toContain('\n  "tools": [\n');
    expect(parsePinFile(text, 'pins.json')).toEqual(file);
    const dir = await mkdtemp(join(tmpdir(), 'mcpscope-pins-'));
    await writePinFile(join(dir, 'pins.json'), file);
    expect(await readFile(join(dir, 'pins.json'), 'utf8')).toBe(text);
    expect(await readPinFile(join(dir, 'pins.json'))).toEqual(file);
  });

  it('refuses a server that lists one tool name twice', () => {
    const [echo] = toolsOf('v1');
    expect(() => createPinFile(server, [echo, echo])).toThrow(/lists the tool "echo" twice/);
  });

  it('says what is wrong with a bad pin file, and where', async () => {
    const good = JSON.parse(formatPinFile(pinsOf('v1'))) as Record<string, unknown>;
    const tools = good['tools'] as Array<Record<string, unknown>>;
    const cases: Array<[unknown, RegExp]> = [
      [[], /the pin file must be a JSON object/],
      [{ ...good, version: 2 }, /"version" is 2, newer than this mcpscope understands \(1\): upgrade/],
      [{ ...good, version: '1' }, /"version" must be 1/],
      [{ ...good, server: 'x' }, /"server" must be an object/],
      [{ ...good, server: { name: 3 } }, /"server.name" must be a string/],
      [{ ...good, createdAt: undefined }, /"createdAt" must be a string/],
      [{ ...good, tools: {} }, /"tools" must be an array/],
      [{ ...good, tools: [{ ...tools[0], sha256: 'abc' }] }, /tools\[0\]\.sha256 must be 64 lowercase hex/],
      [{ ...good, tools: [tools[0], tools[0]] }, /tools\[1\] pins "echo" a second time/],
      [{ ...good, tools: [{ ...tools[0], name: '' }] }, /tools\[0\]\.name must be a non-empty string/],
      [
        { ...good, tools: [{ ...tools[0], definition: undefined }] },
        /tools\[0\]\.definition must be an object/,
      ],
      [
        {
          ...good,
          tools: [{ ...tools[0], definition: { ...(tools[0]!['definition'] as object), name: 'x' } }],
        },
        /tools\[0\]\.definition\.name must be "echo"/,
      ],
      [
        // A definition edited by hand without its hash: enforcing it would enforce an unreviewed change.
        {
          ...good,
          tools: [
            { ...tools[0], definition: { ...(tools[0]!['definition'] as object), description: 'edited' } },
          ],
        },
        /tools\[0\]\.sha256 is not the fingerprint of the definition of "echo" beside it/,
      ],
    ];
    for (const [value, message] of cases) {
      expect(() => parsePinFile(JSON.stringify(value), 'pins.json'), String(message)).toThrow(PinFileError);
      expect(() => parsePinFile(JSON.stringify(value), 'pins.json'), String(message)).toThrow(message);
    }
    expect(() => parsePinFile('{oops', 'pins.json')).toThrow(/^pins\.json: not JSON/);
    await expect(readPinFile('/nonexistent/pins.json')).rejects.toThrow(
      /cannot read pin file \/nonexistent\/pins\.json: ENOENT/,
    );
  });
});
