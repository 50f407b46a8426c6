import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A 1.x user must not load the 2.x packages, nor a 2.x user 1.x: the code that ships (everything under
// sdk/src but tests and test fixtures) imports neither SDK; adapters tell the objects apart by shape.
// One exception: `mcpscope pin` is an MCP client itself (it lists a server's tools), and its client
// module is loaded only when that command runs (pinCli.ts imports it dynamically, checked below).
const COMMAND_CLIENTS = ['pins/serverTools.ts'];

const SRC = fileURLToPath(new URL('../../', import.meta.url));

function shippedFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : shippedFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('host SDK imports', () => {
  it('no shipped module imports @modelcontextprotocol/sdk, /client or /server', () => {
    const files = shippedFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.filter((file) =>
      /(?:from|import)\s*\(?\s*['"]@modelcontextprotocol\//.test(readFileSync(file, 'utf8')),
    );
    expect(offenders.map((file) => relative(SRC, file)).filter((f) => !COMMAND_CLIENTS.includes(f))).toEqual(
      [],
    );
  });

  it("loads the pin command's MCP client only when the command runs", () => {
    const importers = shippedFiles(SRC).filter((file) =>
      /from\s*['"]\.\/serverTools\.js['"]/.test(
        readFileSync(file, 'utf8').replace(/import type [^;]+;/g, ''),
      ),
    );
    expect(importers.map((file) => relative(SRC, file))).toEqual([]);
    expect(readFileSync(join(SRC, 'pins/pinCli.ts'), 'utf8')).toMatch(
      /await import\('\.\/serverTools\.js'\)/,
    );
  });
});
