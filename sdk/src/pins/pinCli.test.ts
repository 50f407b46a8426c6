import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePinArgs, PinUsageError } from './pinCli.js';
import { parsePinFile, type PinFile } from './pinFile.js';
import { redactUrl } from './serverTools.js';
import { ADDED_TOOL, DRIFTED, DROPPED_TOOL, toolsOf, type DriftStage } from './testing/driftingServer.js';
import { startDriftingHttpServer, type DriftingHttpServer } from './testing/driftingHttpServer.js';

// A CLI run starts Node with TypeScript loading twice (the command and the server): minutes on a busy
// machine, so these tests get more time than the default. Nothing here measures speed.
const CLI_TEST_TIMEOUT_MS = 240_000;

// Real processes: `mcpscope pin` (the SDK's bin, and the collector's `mcpscope`) run as child processes
// against the drifting fixture server — on stdio as its own child, over Streamable HTTP in this process.

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const sdkCli = fileURLToPath(new URL('../cli.ts', import.meta.url));
const collectorCli = fileURLToPath(new URL('../../../collector/src/cli/main.ts', import.meta.url));
const fixture = fileURLToPath(new URL('./testing/driftingStdioServer.ts', import.meta.url));
const TS = ['--conditions=mcpscope-source', '--import', 'tsx'];
/** The fixture's command line; the credential-shaped argument must not reach the pin file. */
const SERVER = [process.execPath, ...TS, fixture, '--api-key', 'sk-test-0123456789abcdefghijklmnop'];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}, cli = sdkCli): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...TS, cli, 'pin', ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let dir: string;
let v1Pins: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mcpscope-pin-cli-'));
  v1Pins = join(dir, 'pins.json');
});

describe('mcpscope pin (stdio)', () => {
  it(
    'writes the pins of every tool, the command line masked',
    async () => {
      const result = await run(['--out', v1Pins, '--', ...SERVER], { DRIFT_STAGE: 'v1' });
      expect(result.stderr).toContain(`pinned ${toolsOf('v1').length} tools of drifting 1.0.0 in ${v1Pins}`);
      expect(result.code).toBe(0);
      const file = parsePinFile(await readFile(v1Pins, 'utf8'), v1Pins);
      expect(file.server.name).toBe('drifting');
      expect(file.server.version).toBe('1.0.0');
      expect(file.server.command).toContain('--api-key [REDACTED]');
      expect(file.server.command).not.toContain('sk-test');
      expect(file.tools.map((tool) => tool.name)).toEqual(
        toolsOf('v1')
          .map((tool) => tool.name)
          .sort(),
      );
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'follows nextCursor to the last page',
    async () => {
      const paged = join(dir, 'paged.json');
      const result = await run(['--out', paged, '--', ...SERVER], {
        DRIFT_STAGE: 'v1',
        DRIFT_PAGE_SIZE: '2',
      });
      expect(result.code).toBe(0);
      const whole = parsePinFile(await readFile(v1Pins, 'utf8'), v1Pins);
      expect(parsePinFile(await readFile(paged, 'utf8'), paged).tools).toEqual(whole.tools);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    '--check exits 0 when the server still matches its pins',
    async () => {
      const result = await run(['--check', v1Pins, '--', ...SERVER], { DRIFT_STAGE: 'v1' });
      expect(result.stdout).toBe(`${v1Pins}: all ${toolsOf('v1').length} tools match their pins\n`);
      expect(result.code).toBe(0);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    '--check exits 1 with a diff when the server drifted',
    async () => {
      const result = await run(['--check', v1Pins, '--', ...SERVER], { DRIFT_STAGE: 'v2' });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(
        `${v1Pins}: the server's tools do not match their pins: 3 changed, 1 new, 1 missing, 2 match`,
      );
      expect(result.stdout).toContain(`~ ${DRIFTED.description}: changed (description)`);
      expect(result.stdout).toContain(`~ ${DRIFTED.inputSchema}: changed (inputSchema)`);
      expect(result.stdout).toContain(`~ ${DRIFTED.annotations}: changed (annotations)`);
      expect(result.stdout).toContain('    +  "destructiveHint": true,');
      expect(result.stdout).toContain(`+ ${ADDED_TOOL}: new (not pinned)`);
      expect(result.stdout).toContain(`- ${DROPPED_TOOL}: missing (pinned, no longer listed by the server)`);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'runs as `mcpscope pin` from the collector binary too',
    async () => {
      const drifted = await run(['--check', v1Pins, '--', ...SERVER], { DRIFT_STAGE: 'v2' }, collectorCli);
      expect(drifted.code).toBe(1);
      expect(drifted.stdout).toContain(`+ ${ADDED_TOOL}: new (not pinned)`);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'exits 2 with a reason on a usage, pin-file or connection error',
    async () => {
      const cases: Array<[string[], RegExp]> = [
        [[], /give --out FILE to write pins, or --check FILE/],
        [
          ['--check', join(dir, 'absent.json'), '--', ...SERVER],
          /cannot read pin file .*absent\.json: ENOENT/,
        ],
        [
          ['--out', join(dir, 'x.json'), '--', process.execPath, '-e', 'process.exit(3)'],
          /cannot connect to the server/,
        ],
      ];
      for (const [args, message] of cases) {
        const result = await run(args);
        expect(result.stderr, args.join(' ')).toMatch(message);
        expect(result.code, args.join(' ')).toBe(2);
      }
    },
    CLI_TEST_TIMEOUT_MS,
  );
});

describe('parsePinArgs', () => {
  it('reads the server after --, keeping its own options, or an --upstream with headers', () => {
    expect(parsePinArgs(['--out', 'p.json', '--', 'node', 'server.js', '--port', '1'])).toEqual({
      mode: 'write',
      out: 'p.json',
      target: { kind: 'stdio', command: 'node', args: ['server.js', '--port', '1'] },
    });
    const http = parsePinArgs(['--check', 'p.json', '--upstream', 'https://x/mcp', '--header', 'A: b c']);
    expect(http).toMatchObject({
      mode: 'check',
      pins: 'p.json',
      target: { kind: 'http', headers: { A: 'b c' } },
    });
    expect(
      parsePinArgs(['--check', 'https://c/api/tool-pins/x', '--', 'node'], { MCPSCOPE_PINS_TOKEN: 't' }),
    ).toMatchObject({ token: 't' });
    // The environment's token goes to a pins URL only, never elsewhere.
    expect(
      parsePinArgs(['--check', 'p.json', '--', 'node'], { MCPSCOPE_PINS_TOKEN: 't' }),
    ).not.toHaveProperty('token');
    expect(parsePinArgs(['-h'])).toEqual({ mode: 'help' });
  });

  it('rejects what it cannot run, saying why', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--out', 'a.json', '--check', 'b.json', '--', 'node'], /not both/],
      [['--out', 'a.json'], /no server: give --upstream URL or a server command/],
      [['--out', 'a.json', '--upstream', 'http://x/mcp', '--', 'node'], /not both/],
      [['--out', 'a.json', '--upstream', 'ftp://x'], /must be an http\(s\) URL/],
      [['--out', 'a.json', '--header', 'X: y', '--', 'node'], /--header needs --upstream/],
      [
        ['--out', 'a.json', '--upstream', 'http://x/mcp', '--header', 'nocolon'],
        /--header must be 'Name: value'/,
      ],
      [['--out', 'a.json', '--pins-token', 't', '--', 'node'], /--pins-token goes with --check URL/],
      [['--check', 'p.json', '--pins-token', 't', '--', 'node'], /only sent to a pins URL/],
      [['--out', 'a.json', '--bogus', '--', 'node'], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) expect(() => parsePinArgs(args), args.join(' ')).toThrow(message);
    expect(() => parsePinArgs([])).toThrow(PinUsageError);
  });
});

describe('redactUrl', () => {
  it('keeps no credentials of an upstream URL in the pin file', () => {
    expect(redactUrl(new URL('https://user:pw@mcp.example/mcp?api_key=k123&region=eu'))).toBe(
      'https://mcp.example/mcp?api_key=%5BREDACTED%5D&region=eu',
    );
  });
});

describe('mcpscope pin (Streamable HTTP)', () => {
  const stage: { current: DriftStage } = { current: 'v1' };
  let server: DriftingHttpServer;
  let pinsServer: http.Server;
  let pinsUrl: string;
  let pinsFile: PinFile;
  const TOKEN = 'pins-read-token';

  beforeAll(async () => {
    // Two tools a page: the command must follow nextCursor over HTTP too.
    server = await startDriftingHttpServer({ stage, pageSize: 2 });
    // The collector's GET /api/tool-pins/:server stands in as a plain node:http server with a token.
    pinsServer = http.createServer((req, res) => {
      if (req.headers.authorization !== `Bearer ${TOKEN}`) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(pinsFile));
    });
    await new Promise<void>((resolve) => pinsServer.listen(0, '127.0.0.1', resolve));
    pinsUrl = `http://127.0.0.1:${(pinsServer.address() as AddressInfo).port}/api/tool-pins/drifting`;
  });

  afterAll(async () => {
    await server?.close();
    pinsServer?.closeAllConnections();
    await new Promise<void>((resolve) => (pinsServer ? pinsServer.close(() => resolve()) : resolve()));
  });

  it(
    'writes pins to stdout with --out -, sending the --header',
    async () => {
      stage.current = 'v1';
      const result = await run([
        '--out',
        '-',
        '--upstream',
        server.url.href,
        '--header',
        'Authorization: Bearer upstream-token',
      ]);
      expect(result.code).toBe(0);
      pinsFile = parsePinFile(result.stdout, 'stdout');
      expect(pinsFile.server).toEqual({ name: 'drifting', version: '1.0.0', url: server.url.href });
      expect(pinsFile.tools.map((tool) => tool.name)).toEqual(
        toolsOf('v1')
          .map((tool) => tool.name)
          .sort(),
      );
      expect(server.authorizations).toContain('Bearer upstream-token');
      await writeFile(join(dir, 'http.json'), result.stdout);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    '--check compares over HTTP: 0 on a match, 1 on drift',
    async () => {
      stage.current = 'v1';
      expect((await run(['--check', join(dir, 'http.json'), '--upstream', server.url.href])).code).toBe(0);
      stage.current = 'v2';
      const drifted = await run(['--check', join(dir, 'http.json'), '--upstream', server.url.href]);
      expect(drifted.code).toBe(1);
      expect(drifted.stdout).toContain(`~ ${DRIFTED.inputSchema}: changed (inputSchema)`);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    '--check takes pins from a URL with a bearer token',
    async () => {
      stage.current = 'v1';
      const withFlag = await run(['--check', pinsUrl, '--pins-token', TOKEN, '--upstream', server.url.href]);
      expect(withFlag.stdout).toContain(`${pinsUrl}: all ${toolsOf('v1').length} tools match their pins`);
      expect(withFlag.code).toBe(0);
      const withEnv = await run(['--check', pinsUrl, '--upstream', server.url.href], {
        MCPSCOPE_PINS_TOKEN: TOKEN,
      });
      expect(withEnv.code).toBe(0);
      const refused = await run(['--check', pinsUrl, '--pins-token', 'wrong', '--upstream', server.url.href]);
      expect(refused.stderr).toContain(`cannot fetch pins from ${pinsUrl}: HTTP 401 (the token was refused)`);
      expect(refused.code).toBe(2);
      const none = await run(['--check', pinsUrl, '--upstream', server.url.href]);
      expect(none.stderr).toContain('HTTP 401 (a token is needed: --pins-token or MCPSCOPE_PINS_TOKEN)');
      expect(none.code).toBe(2);
    },
    CLI_TEST_TIMEOUT_MS,
  );
});
