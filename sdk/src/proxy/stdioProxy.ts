import { spawn, type ChildProcess } from 'node:child_process';
import { finished, type Readable, type Writable } from 'node:stream';
import { diag, type TextMapPropagator, type Tracer } from '@opentelemetry/api';
import { closedConnectionOutcome } from '../core/classifyOutcome.js';
import { PinPolicy } from '../core/pins/PinPolicy.js';
import { NETWORK_TRANSPORT_PIPE } from '../semconv.js';
import { redactCommandLine } from '../core/transport/commandLine.js';
import { DROP_LINE, LineFramer } from './lineFramer.js';
import type { ProxyPinOptions } from './pinGuard.js';
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
  /** Tool pins to hold the server to (`--pins`, `--on-drift`). Defaults to none: nothing is withheld. */
  pins?: ProxyPinOptions;
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
 * Bytes pass unchanged, except that requests and notifications that belong to no request get the proxy
 * span's trace context in `params._meta`.
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
    ...(options.pins !== undefined ? { pins: new PinPolicy(options.pins) } : {}),
  });

  const child = spawn(options.command, args, {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: options.env ?? process.env,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  // A server that dies mid-write makes its stdin fail with EPIPE; the exit is handled below.
  child.stdin!.on('error', (error) => diag.debug('mcpscope proxy: server stdin', error));
  const settle = (): void => session.settle();
  const toServer = relay(
    input,
    child.stdin!,
    (msg, bytes) => {
      const info = { bytes };
      // A call of a tool withheld by the pins is answered here and never reaches the server.
      const withheld = session.withhold(msg, info);
      if (withheld === undefined) return session.fromClient(msg, info);
      output.write(`${JSON.stringify(withheld.batch ? withheld.replies : withheld.replies[0])}\n`);
      return null;
    },
    settle,
    true,
  );
  const toClient = relay(
    child.stdout!,
    output,
    (msg, bytes) => session.fromServer(msg, { bytes }),
    settle,
    false,
    () => session.mustInspect(),
  );
  // Whether this side ended the session (the agent closed its input, or close() was called): a server
  // that then exits with requests in flight was asked to stop; one that exits on its own has died.
  let closedLocally = false;
  void toServer.done.then(() => {
    closedLocally = true;
  });

  const exited = new Promise<ServerExit>((resolve) => {
    let startError: Error | undefined;
    child.once('error', (error) => {
      startError = error;
      // 'close' does not follow when spawn itself failed.
      if (child.pid === undefined) finish(null, null);
    });
    // 'close' comes after the server's stdout has ended; wait until its last bytes have been handed to
    // the agent.
    child.once('close', (code, signal) => {
      toClient.done.then(() => output.write('', () => finish(code, signal)));
    });
    let done = false;
    function finish(code: number | null, signal: NodeJS.Signals | null): void {
      if (done) return;
      done = true;
      toServer.stop();
      session.closeAll({ outcome: closedConnectionOutcome(true, closedLocally) });
      resolve({ code, signal, ...(startError !== undefined ? { error: startError } : {}) });
    }
  });

  async function close(): Promise<ServerExit> {
    closedLocally = true;
    toServer.stop();
    child.stdin!.end();
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

/** Traces one parsed message: true when it was changed, null when it must not be forwarded at all. */
type Trace = (msg: unknown, bytes: number) => boolean | null;

/** One direction of the proxy: framing, tracing and forwarding from `source` to `destination`. */
interface Relay {
  /** Resolves once the source has ended and everything it sent has been written on. */
  readonly done: Promise<void>;
  /**
   * Stops reading the source and forwards what is still held back; ends the destination if the relay
   * owns it.
   */
  stop(): void;
}

/**
 * Forwards `source` to `destination` line by line. Only requests and notifications are ever rewritten,
 * and each has a `"method"` key: a line without one (a response, the common case on the way back) is forwarded
 * first and traced right after the write, in the same tick, so parsing it and ending its span never
 * delay the peer. Lines are traced in the order they came (earlier lines held for tracing are traced
 * before a line with a method), so the session sees the messages in wire order. A request's span is
 * started before it is forwarded (its context goes into the request) and settled after.
 * @param trace traces a message; true when it changed (re-serialize it), null to forward nothing.
 * @param endDestination end the destination when the source ends (the server's stdin), or leave it
 *   open (our stdout, which the proxy does not own).
 * @param inspectAll when it says so, every line is traced before it is forwarded, the ones without a
 *   method too (the pins may cut a tools/list result).
 */
function relay(
  source: Readable,
  destination: Writable,
  trace: Trace,
  settle: () => void,
  endDestination: boolean,
  inspectAll?: () => boolean,
): Relay {
  // Lines to trace once the chunk has been forwarded. A count rather than `length = 0`: resetting an
  // array's length is a runtime call, and this runs twice per call.
  const later: Array<Buffer | undefined> = [];
  let laterCount = 0;
  const traceLater = (): void => {
    for (let i = 0; i < laterCount; i++) {
      const line = later[i]!;
      later[i] = undefined;
      try {
        traceLine(line, trace);
      } catch {
        // Telemetry only: never let it surface in the host program.
      }
    }
    laterCount = 0;
  };
  const framer = new LineFramer((line) => {
    const inspect = inspectAll?.() === true;
    if (line.indexOf(METHOD_KEY) === -1 && !inspect) {
      later[laterCount++] = line;
      return undefined;
    }
    if (laterCount > 0) traceLater();
    return traceLine(line, trace, inspect);
  });

  const onData = (chunk: Buffer): void => {
    const out = framer.push(chunk);
    // Same backpressure as `pipe`: stop reading while the destination is full.
    if (out !== undefined && !destination.write(out)) {
      source.pause();
      destination.once('drain', () => {
        if (!stopped) source.resume();
      });
    }
    if (laterCount > 0) traceLater();
    settle();
  };
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    source.off('data', onData);
    source.pause();
    const rest = framer.end();
    if (rest !== undefined) destination.write(rest);
    if (endDestination) destination.end();
  };
  source.on('data', onData);
  const done = new Promise<void>((resolve) => {
    finished(source, () => {
      stop();
      resolve();
    });
  });
  return { done, stop };
}

/**
 * Parses one line and lets the session trace it. Returns the re-serialized message when the session
 * changed it, DROP_LINE when it is not to be forwarded; undefined keeps the original bytes (including
 * for lines that are not JSON at all).
 * @param inspect the line must be checked before it goes on (see `relay`): a line that looks like JSON
 *   but does not parse is dropped — a lenient reader on the other side (NaN, say) could still take it.
 */
function traceLine(line: Buffer, trace: Trace, inspect = false): Buffer | undefined {
  const first = firstNonSpace(line);
  // Only objects and batches can be JSON-RPC: skip parsing anything else.
  if (first !== 0x7b && first !== 0x5b) return undefined;
  let msg: unknown;
  try {
    msg = JSON.parse(line.toString('utf8'));
  } catch {
    if (!inspect) return undefined;
    diag.warn('mcpscope proxy: dropped a line from the server that could not be checked against the pins');
    return DROP_LINE;
  }
  const traced = trace(msg, line.length);
  if (traced === null) return DROP_LINE;
  return traced ? Buffer.from(JSON.stringify(msg), 'utf8') : undefined;
}

function firstNonSpace(line: Buffer): number | undefined {
  for (let i = 0; i < line.length; i++) {
    const byte = line[i]!;
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0d) return byte;
  }
  return undefined;
}
