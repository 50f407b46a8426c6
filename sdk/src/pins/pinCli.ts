import { parseArgs } from 'node:util';
import { comparePins, isClean, PinIndex } from '../core/pins/compare.js';
import { isPinsUrl, loadPins } from './loadPins.js';
import { createPinFile, formatPinFile, PinFileError, writePinFile } from './pinFile.js';
import { renderComparison } from './renderDiff.js';
import type { PinTarget } from './serverTools.js';

export const PIN_USAGE = `Usage:
  mcpscope pin --out FILE -- <command> [args...]
  mcpscope pin --out FILE --upstream URL [--header 'Name: value']...
      List every tool of the MCP server (stdio command, or Streamable HTTP endpoint) and write a pin
      file: each tool's definition and its SHA-256, for review in a pull request. FILE - is stdout.
  mcpscope pin --check FILE|URL [--pins-token TOKEN] -- <command> [args...]   (or --upstream URL)
      Compare the server's tools with the pins: exit 0 when every tool matches, 1 with a diff when a
      tool changed, is new or is missing. A URL (the collector's GET /api/tool-pins/:server) is
      fetched with Authorization: Bearer TOKEN (--pins-token, else MCPSCOPE_PINS_TOKEN).

Exit codes: 0 match (or pins written), 1 drift, 2 usage, pin file or connection error.`;

/** Parsed `mcpscope pin` arguments. */
export type PinArgs =
  | { mode: 'help' }
  | { mode: 'write'; out: string; target: PinTarget }
  | { mode: 'check'; pins: string; token?: string; target: PinTarget };

/** A command line `mcpscope pin` cannot run; the message says why. */
export class PinUsageError extends Error {
  override readonly name = 'PinUsageError';
}

/** Parses the arguments after `pin`. The server command follows `--` (or the options). */
export function parsePinArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): PinArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string' },
        check: { type: 'string' },
        upstream: { type: 'string' },
        header: { type: 'string', multiple: true },
        'pins-token': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new PinUsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { mode: 'help' };
  if (values.out !== undefined && values.check !== undefined)
    throw new PinUsageError('give either --out (write pins) or --check (compare with pins), not both');
  if (values.out === undefined && values.check === undefined)
    throw new PinUsageError('give --out FILE to write pins, or --check FILE to compare with them');
  if (values.out === '' || values.check === '') throw new PinUsageError('--out and --check need a file');

  let target: PinTarget;
  if (values.upstream !== undefined) {
    if (positionals.length > 0)
      throw new PinUsageError('give either --upstream or a server command, not both');
    let url: URL;
    try {
      url = new URL(values.upstream);
    } catch {
      throw new PinUsageError(`--upstream is not a URL: ${values.upstream}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new PinUsageError(`--upstream must be an http(s) URL: ${values.upstream}`);
    target = { kind: 'http', url, headers: parseHeaders(values.header ?? []) };
  } else {
    if (values.header !== undefined) throw new PinUsageError('--header needs --upstream');
    const [command, ...args] = positionals;
    if (command === undefined)
      throw new PinUsageError('no server: give --upstream URL or a server command after --');
    target = { kind: 'stdio', command, args };
  }

  if (values.out !== undefined) {
    if (values['pins-token'] !== undefined) throw new PinUsageError('--pins-token goes with --check URL');
    return { mode: 'write', out: values.out, target };
  }
  const pins = values.check!;
  const token = values['pins-token'] ?? env['MCPSCOPE_PINS_TOKEN'];
  if (values['pins-token'] !== undefined && !isPinsUrl(pins))
    throw new PinUsageError('--pins-token is only sent to a pins URL');
  return { mode: 'check', pins, target, ...(token !== undefined && isPinsUrl(pins) ? { token } : {}) };
}

/** `Name: value` header arguments; the name must be an HTTP token. */
function parseHeaders(headers: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const header of headers) {
    const colon = header.indexOf(':');
    const name = colon === -1 ? '' : header.slice(0, colon).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      throw new PinUsageError(`--header must be 'Name: value', got ${JSON.stringify(header)}`);
    out[name] = header.slice(colon + 1).trim();
  }
  return out;
}

/** Where `runPinCli` writes. */
export interface PinCliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * `mcpscope pin …`: takes the arguments after `pin` and resolves with the exit code (0 written or
 * matching, 1 drift, 2 usage, pin-file or connection error). Reports go to stdout, errors to stderr.
 */
export async function runPinCli(
  argv: readonly string[],
  io: PinCliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let args: PinArgs;
  try {
    args = parsePinArgs(argv);
  } catch (error) {
    if (!(error instanceof PinUsageError)) throw error;
    io.stderr.write(`mcpscope pin: ${error.message}\n\n${PIN_USAGE}\n`);
    return 2;
  }
  if (args.mode === 'help') {
    io.stdout.write(`${PIN_USAGE}\n`);
    return 0;
  }
  // The MCP SDK (an optional peer of this package) is loaded only when a server is to be listed, so the
  // pin-file functions next to this command can be imported without it.
  const { listServerTools, ServerConnectionError } = await import('./serverTools.js');
  try {
    // Pins are read before the server is started: a bad pin file should not cost a server start.
    const pins = args.mode === 'check' ? await loadPins(args.pins, { token: args.token }) : undefined;
    const { server, tools } = await listServerTools(args.target);
    if (pins === undefined && args.mode === 'write') {
      const file = createPinFile(server, tools);
      if (args.out === '-') io.stdout.write(formatPinFile(file));
      else {
        await writePinFile(args.out, file);
        io.stderr.write(
          `mcpscope pin: pinned ${file.tools.length} tools of ${describe(server)} in ${args.out}\n`,
        );
      }
      return 0;
    }
    const comparison = comparePins(new PinIndex(pins!), tools);
    io.stdout.write(renderComparison(comparison, args.mode === 'check' ? args.pins : ''));
    return isClean(comparison) ? 0 : 1;
  } catch (error) {
    if (error instanceof PinFileError || error instanceof ServerConnectionError) {
      io.stderr.write(`mcpscope pin: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

function describe(server: { name?: string; version?: string }): string {
  if (server.name === undefined) return 'the server';
  return server.version === undefined ? server.name : `${server.name} ${server.version}`;
}
