import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const SDK_ROOT = fileURLToPath(new URL('../', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CJS = `${SDK_ROOT}dist/index.cjs`;
const ESM = `${SDK_ROOT}dist/index.js`;

beforeAll(() => {
  if (!existsSync(CJS) || !existsSync(ESM)) {
    execFileSync('npm', ['run', 'build', '-w', '@mcpscope/sdk'], { cwd: REPO_ROOT, stdio: 'ignore' });
  }
}, 180_000);

/** Runs a script in a plain Node process (no `source` condition: the built files are what loads). */
function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
}

describe('published builds', () => {
  it('CommonJS consumers can require() the package and instrument a CommonJS MCP client', () => {
    const out = node([
      '-e',
      `const sdk = require(${JSON.stringify(CJS)});
       const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
       const client = new Client({ name: 'cjs', version: '1.0.0' });
       console.log(JSON.stringify({
         fns: [typeof sdk.startTracing, typeof sdk.instrumentClient, typeof sdk.instrumentServer],
         same: sdk.instrumentClient(client) === client,
         attr: sdk.ATTR_MCPSCOPE_LAYER,
       }));`,
    ]);
    expect(JSON.parse(out)).toEqual({
      fns: ['function', 'function', 'function'],
      same: true,
      attr: 'mcpscope.layer',
    });
  });

  it('ESM consumers can import the package', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `const sdk = await import(${JSON.stringify(ESM)});
       const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
       const server = new McpServer({ name: 'esm', version: '1.0.0' });
       console.log(JSON.stringify({
         fns: [typeof sdk.startTracing, typeof sdk.instrumentClient, typeof sdk.instrumentServer],
         same: sdk.instrumentServer(server) === server,
         ns: sdk.semconv.ATTR_MCP_METHOD_NAME,
       }));`,
    ]);
    expect(JSON.parse(out)).toEqual({
      fns: ['function', 'function', 'function'],
      same: true,
      ns: 'mcp.method.name',
    });
  });
});
