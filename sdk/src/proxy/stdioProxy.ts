import { spawn, type ChildProcess } from 'node:child_process';
import { finished, type Readable, type Writable } from 'node:stream';
import { diag, type TextMapPropagator, type Tracer } from '@opentelemetry/api';
import { NETWORK_TRANSPORT_PIPE } from '../semconv.js';
import { redactCommandLine } from './commandLine.js';
import { LineFramer } from './lineFramer.js';
import { ProxySession } from './proxySession.js';
import { ToolListMemory } from './toolListMemory.js';

/** Options of {@link startStdioProxy}. */
export interface StdioProxyOptions {
  /** The MCP server's executable. */
  command: string;
  /** Its arguments. Defaults to none. */
  args?: readonly string[];
  /** Tracer for the proxy's spans (see `createProxyTracing`). */
  tracer: Tracer;
  /** Where the agent's messages come from. Defaults to `process.stdin`. */
  input?: Readable;
  /** Where the server's messages go. Defaults to `process.stdout`; it is never ended by the proxy. */
  output?: Writable;
  /** The server's environment. Defaults to the proxy's own: the server is started as the agent asked. */
  env?: NodeJS.ProcessEnv;
  /** The server's working directory. Defaults to the proxy's. */
  cwd?: string;
  /** Propagator for `params._meta`. Defaults to W3C trace context. */
  propagator?: TextMapPropagator;
  /** Wait for a response after a cancel before ending the span as cancelled. Defaults to 1000 ms. */
  cancelGraceMs?: number;
}

/** How the server process ended. */
export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the server could not be started at all. */
  error?: Error;
}

/** A running stdio proxy. */
export interface StdioProxyHandle {
  /** The server process. */
  readonly child: ChildProcess;
  /** Resolves once the server has exited and its output has been forwarded and traced. */
  readonly exited: Promise<ServerExit>;
  /**
   * Closes the server's stdin (the MCP way to ask a stdio server to stop), then sends SIGTERM after
   * 2 s and SIGKILL after 4 s if it is still running. Resolves when it has exited.
   */
  close(): Promise<ServerExit>;
}

/**
 * Runs an MCP server as a child process and sits on its stdio: the agent's messages go to the server's
 * stdin, the server's stdout comes back, its stderr passes straight through (inherited, never read).
 * Bytes pass unchanged, except that requests get the proxy span's trace context in `params._meta`.
 */
export function startStdioProxy(options: StdioProxyOptions): StdioProxyHandle {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const args = options.args ?? [];
  const session = new ProxySession({
    tracer: options.tracer,
    tools: new ToolListMemory(),
    networkTransport: NETWORK_TRANSPORT_PIPE,
    serverCommand: redactCommandLine(options.command, args),
    ...(options.propagator !== undefined ? { propagator: options.propagator } : {}),
    ...(options.cancelGraceMs !== undefined ? { cancelGraceMs: options.cancelGraceMs } : {}),
  });

  const child = spawn(options.command, args, {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: options.env ?? process.env,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  const toServer = new LineFramer((line) =>
    passFirst(line, (msg) => session.fromClient(msg, { bytes: line.length })),
  );
  const toClient = new LineFramer((line) =>
    passFirst(line, (msg) => session.fromServer(msg, { bytes: line.length })),
  );

  // A server that dies mid-write makes its stdin fail with EPIPE; the exit is handled below.
  child.stdin?.on('error', (error) => diag.debug('mcpscope proxy: server stdin', error));
  input.pipe(toServer).pipe(child.stdin!);
  child.stdout!.pipe(toClient).pipe(output, { end: false });

  const exited = new Promise<ServerExit>((resolve) => {
    let startError: Error | undefined;
    child.once('error', (error) => {
      startError = error;
      // 'close' does not follow when spawn itself failed.
      if (child.pid === undefined) finish(null, null);
    });
    // 'close' comes after the server's stdout has ended, but the last lines may still be on their way
    // through the framer: wait until they have been traced and handed to the agent.
    child.once('close', (code, signal) => {
      finished(toClient, () => {
        output.write('', () => finish(code, signal));
      });
    });
    let done = false;
    function finish(code: number | null, signal: NodeJS.Signals | null): void {
      if (done) return;
      done = true;
      input.unpipe(toServer);
      // After the responses whose tracing was queued behind their forwarding (see passFirst).
      setImmediate(() => {
        session.closeAll();
        resolve({ code, signal, ...(startError !== undefined ? { error: startError } : {}) });
      });
    }
  });

  async function close(): Promise<ServerExit> {
    input.unpipe(toServer);
    toServer.end();
    const term = setTimeout(() => child.kill('SIGTERM'), 2000);
    const kill = setTimeout(() => child.kill('SIGKILL'), 4000);
    const result = await exited;
    clearTimeout(term);
    clearTimeout(kill);
    return result;
  }

  return { child, exited, close };
}

const METHOD_KEY = Buffer.from('"method"');

/**
 * Only requests are ever rewritten, and every request has a `"method"` key. A line without one (a
 * response: the common case on the way back) is forwarded first and traced just after, so parsing it
 * and ending its span never delay the peer.
 */
function passFirst(line: Buffer, trace: (msg: unknown) => boolean): Buffer | undefined {
  if (line.indexOf(METHOD_KEY) !== -1) return traceLine(line, trace);
  setImmediate(() => {
    try {
      traceLine(line, trace);
    } catch {
      // Telemetry only: never let it surface in the host program.
    }
  });
  return undefined;
}

/**
 * Parses one line and lets the session trace it. Returns the re-serialized message when the session
 * changed it; undefined keeps the original bytes (including for lines that are not JSON at all).
 */
function traceLine(line: Buffer, trace: (msg: unknown) => boolean): Buffer | undefined {
  const first = firstNonSpace(line);
  // Only objects and batches can be JSON-RPC: skip parsing anything else.
  if (first !== 0x7b && first !== 0x5b) return undefined;
  let msg: unknown;
  try {
    msg = JSON.parse(line.toString('utf8'));
  } catch {
    return undefined;
  }
  return trace(msg) ? Buffer.from(JSON.stringify(msg), 'utf8') : undefined;
}

function firstNonSpace(line: Buffer): number | undefined {
  for (let i = 0; i < line.length; i++) {
    const byte = line[i]!;
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return byte;
  }
  return undefined;
}
