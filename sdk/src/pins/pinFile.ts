import { readFile, writeFile } from 'node:fs/promises';
import { canonicalJson } from '../core/tools/canonicalJson.js';
import {
  fingerprintTools,
  sha256Hex,
  toolDefinition,
  type ToolDefinition,
} from '../core/tools/fingerprint.js';

// The pin file: an approved set of a server's tool definitions, written by `mcpscope pin`, served by the
// collector (`GET /api/tool-pins/:server`), enforced by `mcpscope proxy --pins`. Versioned JSON, written
// pretty and in a stable order so that a change to it reads well in a pull request.

/** The pin file format this code writes and reads. */
export const PIN_FILE_VERSION = 1;

/** One approved tool. */
export interface PinnedTool {
  name: string;
  /**
   * SHA-256 hex of the canonical JSON of {@link definition}: the fingerprint mcpscope computes for every
   * tool it sees (`fingerprintTools` in core/tools/fingerprint.ts), so a live tool matches its pin when
   * the two hashes are equal.
   */
  sha256: string;
  /** The approved definition (name, title, description, inputSchema, outputSchema, annotations, _meta). */
  definition: ToolDefinition;
}

/** The server the pins were taken from, as it described itself; informative, not enforced. */
export interface PinnedServer {
  /** `serverInfo.name` of the server's initialize result. */
  name?: string;
  /** `serverInfo.version`. */
  version?: string;
  /** The stdio server's command line, credentials masked (`redactCommandLine`). */
  command?: string;
  /** The Streamable HTTP endpoint, credentials masked. */
  url?: string;
}

/** A pin file (see the module comment). */
export interface PinFile {
  version: typeof PIN_FILE_VERSION;
  server: PinnedServer;
  /** When the pins were taken (ISO 8601). */
  createdAt: string;
  /** The approved tools, sorted by name. */
  tools: PinnedTool[];
}

/** A pin file that cannot be used; the message says where and why. */
export class PinFileError extends Error {
  override readonly name = 'PinFileError';
}

/**
 * Builds a pin file from the tools a server listed (every page). Each tool is reduced to its pinned
 * fields and fingerprinted exactly as the instrumentation fingerprints it; definitions are stored with
 * their keys sorted, so the file is the same whatever order the server wrote them in.
 */
export function createPinFile(server: PinnedServer, tools: readonly unknown[], now = new Date()): PinFile {
  const set = fingerprintTools(tools);
  const names = new Set<string>();
  for (const tool of set.tools) {
    if (names.has(tool.name)) throw new PinFileError(`the server lists the tool "${tool.name}" twice`);
    names.add(tool.name);
  }
  return {
    version: PIN_FILE_VERSION,
    server: { ...server },
    createdAt: now.toISOString(),
    tools: set.tools.map((tool) => ({
      name: tool.name,
      sha256: tool.fingerprint,
      definition: JSON.parse(canonicalJson(tool.definition)) as ToolDefinition,
    })),
  };
}

/** The pin file as written to disk: two-space JSON with a final newline. */
export function formatPinFile(file: PinFile): string {
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Parses and validates pin-file text; `source` (a path or URL) prefixes every error message. */
export function parsePinFile(text: string, source: string): PinFile {
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new PinFileError(`${source}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return validatePinFile(value, source);
}

/**
 * Checks that `value` is a pin file this version understands and that every pin is consistent: a
 * SHA-256 that is not the fingerprint of the definition next to it means the file was edited by hand,
 * and enforcing it would hold the server to a definition nobody reviewed.
 */
export function validatePinFile(value: unknown, source: string): PinFile {
  const fail = (path: string, problem: string): never => {
    throw new PinFileError(`${source}: ${path} ${problem}`);
  };
  if (!isRecord(value)) return fail('the pin file', 'must be a JSON object');
  const version = value['version'];
  if (typeof version !== 'number') return fail('"version"', `must be ${PIN_FILE_VERSION}`);
  if (version !== PIN_FILE_VERSION) {
    return fail(
      '"version"',
      version > PIN_FILE_VERSION
        ? `is ${version}, newer than this mcpscope understands (${PIN_FILE_VERSION}): upgrade mcpscope`
        : `must be ${PIN_FILE_VERSION}, got ${version}`,
    );
  }
  const serverValue = value['server'];
  if (!isRecord(serverValue)) return fail('"server"', 'must be an object');
  const server: PinnedServer = {};
  for (const key of ['name', 'version', 'command', 'url'] as const) {
    const field = serverValue[key];
    if (field === undefined) continue;
    if (typeof field !== 'string') return fail(`"server.${key}"`, 'must be a string');
    server[key] = field;
  }
  const createdAt = value['createdAt'];
  if (typeof createdAt !== 'string') return fail('"createdAt"', 'must be a string (ISO 8601 time)');
  const toolsValue = value['tools'];
  if (!Array.isArray(toolsValue)) return fail('"tools"', 'must be an array');

  const tools: PinnedTool[] = [];
  const seen = new Set<string>();
  toolsValue.forEach((entry: unknown, i) => {
    const at = `tools[${i}]`;
    if (!isRecord(entry)) return fail(at, 'must be an object');
    const name = entry['name'];
    if (typeof name !== 'string' || name === '') return fail(`${at}.name`, 'must be a non-empty string');
    if (seen.has(name)) return fail(at, `pins "${name}" a second time`);
    seen.add(name);
    const sha256 = entry['sha256'];
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256))
      return fail(`${at}.sha256`, 'must be 64 lowercase hex digits (a SHA-256)');
    const raw = entry['definition'];
    if (!isRecord(raw)) return fail(`${at}.definition`, 'must be an object (the tool definition)');
    if (raw['name'] !== name) return fail(`${at}.definition.name`, `must be "${name}", the pin's name`);
    const definition = toolDefinition(raw);
    if (sha256Hex(canonicalJson(definition)) !== sha256) {
      return fail(
        `${at}.sha256`,
        `is not the fingerprint of the definition of "${name}" beside it (edited by hand?): take the pins again with \`mcpscope pin\``,
      );
    }
    tools.push({ name, sha256, definition });
  });
  tools.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { version: PIN_FILE_VERSION, server, createdAt, tools };
}

/** Reads and validates a pin file from disk. */
export async function readPinFile(path: string): Promise<PinFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new PinFileError(`cannot read pin file ${path}: ${errorMessage(error)}`);
  }
  return parsePinFile(text, path);
}

/** Writes a pin file (see {@link formatPinFile}). */
export async function writePinFile(path: string, file: PinFile): Promise<void> {
  try {
    await writeFile(path, formatPinFile(file), 'utf8');
  } catch (error) {
    throw new PinFileError(`cannot write pin file ${path}: ${errorMessage(error)}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function errorMessage(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}
