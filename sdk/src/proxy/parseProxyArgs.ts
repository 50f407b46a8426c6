import type { OnDrift } from '../core/pins/PinPolicy.js';
import { DEFAULT_MAX_BODY_BYTES } from './readLimitedBody.js';

/** Default `--listen` address: loopback only, because the proxy forwards Authorization headers. */
export const DEFAULT_LISTEN_HOST = '127.0.0.1';
export const DEFAULT_LISTEN_PORT = 8080;

export const PROXY_USAGE = `Usage:
  mcpscope proxy [--service-name NAME] -- <command> [args...]
      Run a stdio MCP server behind a tracing proxy: the agent starts this instead of the server.
  mcpscope proxy --upstream URL [--listen HOST:PORT] [--max-body-bytes N] [--service-name NAME]
      Streamable HTTP reverse proxy in front of the MCP endpoint URL (listen default ${DEFAULT_LISTEN_HOST}:${DEFAULT_LISTEN_PORT}).
      POST bodies over N bytes are refused with 413 (default ${DEFAULT_MAX_BODY_BYTES}, the MCP SDK's own limit).

Tool pins (either mode): --pins FILE|URL [--on-drift block|warn] [--pins-token TOKEN]
      Hold the server to a pin file (\`mcpscope pin\`) or the collector's approved set
      (GET /api/tool-pins/:server, sent Authorization: Bearer TOKEN; else MCPSCOPE_PINS_TOKEN).
      block (the default): tools/list answers keep only the tools that match their pins, and calls of
      any other tool are answered with a JSON-RPC error (-32602) without reaching the server.
      warn: everything passes unchanged. Spans carry mcpscope.pin.status either way.

Spans go to OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318) as OTLP/HTTP protobuf;
service name from --service-name, OTEL_SERVICE_NAME, else mcpscope-proxy.`;

/** `--pins`, `--on-drift`, `--pins-token`. */
export interface ProxyPinArgs {
  /** A pin file's path, or an http(s) URL that serves one. */
  source: string;
  /** Defaults to `block`. */
  onDrift: OnDrift;
  /** Bearer token for a pins URL. */
  token?: string;
}

/** Parsed `mcpscope proxy` arguments. */
export type ProxyArgs =
  | { mode: 'stdio'; serviceName?: string; pins?: ProxyPinArgs; command: string; args: string[] }
  | {
      mode: 'http';
      serviceName?: string;
      pins?: ProxyPinArgs;
      upstream: URL;
      host: string;
      port: number;
      /** `--max-body-bytes`; {@link DEFAULT_MAX_BODY_BYTES} when not given. */
      maxBodyBytes: number;
    }
  | { mode: 'help' };

/** A command line the proxy cannot run; the message says why. */
export class ProxyUsageError extends Error {
  override readonly name = 'ProxyUsageError';
}

/**
 * Parses the arguments after `proxy`. Options come first; the server command follows `--` (or starts at
 * the first argument that is not an option, so `mcpscope proxy node server.js` works too).
 */
export function parseProxyArgs(argv: readonly string[]): ProxyArgs {
  let serviceName: string | undefined;
  let upstream: string | undefined;
  let listen: string | undefined;
  let maxBodyBytes: string | undefined;
  let pins: string | undefined;
  let onDrift: string | undefined;
  let pinsToken: string | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (arg === '-h' || arg === '--help') return { mode: 'help' };
    if (!arg.startsWith('-')) break;
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const value = (): string => {
      if (eq !== -1) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined) throw new ProxyUsageError(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case '--service-name':
        serviceName = value();
        break;
      case '--upstream':
        upstream = value();
        break;
      case '--listen':
        listen = value();
        break;
      case '--max-body-bytes':
        maxBodyBytes = value();
        break;
      case '--pins':
        pins = value();
        break;
      case '--on-drift':
        onDrift = value();
        break;
      case '--pins-token':
        pinsToken = value();
        break;
      default:
        throw new ProxyUsageError(`unknown option ${name}`);
    }
  }
  const rest = argv.slice(i);
  const named: { serviceName?: string; pins?: ProxyPinArgs } =
    serviceName !== undefined ? { serviceName } : {};
  const pinArgs = parsePinArgs(pins, onDrift, pinsToken);
  if (pinArgs !== undefined) named.pins = pinArgs;

  if (upstream !== undefined) {
    if (rest.length > 0) throw new ProxyUsageError('give either --upstream or a server command, not both');
    let url: URL;
    try {
      url = new URL(upstream);
    } catch {
      throw new ProxyUsageError(`--upstream is not a URL: ${upstream}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ProxyUsageError(`--upstream must be an http(s) URL: ${upstream}`);
    }
    return {
      mode: 'http',
      ...named,
      upstream: url,
      ...parseListen(listen),
      maxBodyBytes: parseMaxBodyBytes(maxBodyBytes),
    };
  }
  if (listen !== undefined) throw new ProxyUsageError('--listen needs --upstream');
  // The stdio proxy reads messages as lines from a pipe: there is no request body to cap.
  if (maxBodyBytes !== undefined) throw new ProxyUsageError('--max-body-bytes needs --upstream');
  const [command, ...args] = rest;
  if (command === undefined) throw new ProxyUsageError('no server command given (put it after --)');
  return { mode: 'stdio', ...named, command, args };
}

function parsePinArgs(
  source: string | undefined,
  onDrift: string | undefined,
  token: string | undefined,
): ProxyPinArgs | undefined {
  if (source === undefined) {
    if (onDrift !== undefined) throw new ProxyUsageError('--on-drift needs --pins');
    if (token !== undefined) throw new ProxyUsageError('--pins-token needs --pins');
    return undefined;
  }
  if (source === '') throw new ProxyUsageError('--pins needs a file or URL');
  if (onDrift !== undefined && onDrift !== 'block' && onDrift !== 'warn')
    throw new ProxyUsageError(`--on-drift must be block or warn: ${onDrift}`);
  if (token !== undefined && !/^https?:\/\//i.test(source))
    throw new ProxyUsageError('--pins-token is only sent to a pins URL');
  return { source, onDrift: onDrift ?? 'block', ...(token !== undefined ? { token } : {}) };
}

/** `HOST:PORT`, `:PORT`, `PORT` or `[IPv6]:PORT`. */
function parseListen(listen: string | undefined): { host: string; port: number } {
  if (listen === undefined) return { host: DEFAULT_LISTEN_HOST, port: DEFAULT_LISTEN_PORT };
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(listen) ?? /^()()(\d+)$/.exec(listen);
  const port = match ? Number(match[3]) : NaN;
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ProxyUsageError(`--listen must be HOST:PORT: ${listen}`);
  }
  const host = match[1] || match[2] || DEFAULT_LISTEN_HOST;
  return { host, port };
}

/** A positive whole number of bytes, written in decimal digits (no units, signs, exponents). */
function parseMaxBodyBytes(value: string | undefined): number {
  if (value === undefined) return DEFAULT_MAX_BODY_BYTES;
  const bytes = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new ProxyUsageError(`--max-body-bytes must be a positive whole number of bytes: ${value}`);
  }
  return bytes;
}
