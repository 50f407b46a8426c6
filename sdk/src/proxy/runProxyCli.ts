import { isPinsUrl, loadPins } from '../pins/loadPins.js';
import { PinFileError } from '../pins/pinFile.js';
import { parseProxyArgs, PROXY_USAGE, ProxyUsageError, type ProxyPinArgs } from './parseProxyArgs.js';
import type { ProxyPinOptions } from './pinGuard.js';
import { createProxyTracing, type ProxyTracing } from './proxyTracing.js';
import { startHttpProxy } from './httpProxy.js';
import { startStdioProxy } from './stdioProxy.js';

/** Options of {@link runProxyCli}. */
export interface RunProxyCliOptions {
  /**
   * Exit the process once the proxy is done. Defaults to true: in stdio mode the agent may keep our stdin
   * open after the server has exited, and an agent waits for its server process to exit.
   */
  exitProcess?: boolean;
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGKILL: 9,
  SIGTERM: 15,
};

/**
 * `mcpscope proxy …`: takes the arguments after `proxy`, runs the stdio or HTTP proxy until the server
 * exits (stdio) or the process is told to stop (HTTP), flushes spans, and resolves with the exit code
 * (the server's own, for stdio: the agent should see what the server did).
 */
export async function runProxyCli(
  argv: readonly string[],
  options: RunProxyCliOptions = {},
): Promise<number> {
  const code = await run(argv);
  process.exitCode = code;
  if (options.exitProcess !== false) process.exit(code);
  return code;
}

async function run(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseProxyArgs(argv);
  } catch (error) {
    if (!(error instanceof ProxyUsageError)) throw error;
    process.stderr.write(`mcpscope proxy: ${error.message}\n\n${PROXY_USAGE}\n`);
    return 2;
  }
  if (parsed.mode === 'help') {
    // stdout may be an MCP channel; help goes to stderr like every other proxy message.
    process.stderr.write(`${PROXY_USAGE}\n`);
    return 0;
  }
  // Pins are loaded before the server starts: a proxy told to enforce pins it cannot read must not run.
  let pins: ProxyPinOptions | undefined;
  try {
    if (parsed.pins !== undefined) pins = await pinOptions(parsed.pins);
  } catch (error) {
    if (!(error instanceof PinFileError)) throw error;
    process.stderr.write(`mcpscope proxy: ${error.message}\n`);
    return 2;
  }
  const tracing = await createProxyTracing(
    parsed.serviceName !== undefined ? { serviceName: parsed.serviceName } : {},
  );

  if (parsed.mode === 'stdio') {
    const proxy = startStdioProxy({
      command: parsed.command,
      args: parsed.args,
      tracer: tracing.tracer,
      ...(pins !== undefined ? { pins } : {}),
    });
    const forward = (signal: NodeJS.Signals): void => {
      proxy.child.kill(signal);
    };
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    process.on('SIGHUP', forward);
    const exit = await proxy.exited;
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
    process.off('SIGHUP', forward);
    await flush(tracing);
    if (exit.error !== undefined) {
      process.stderr.write(`mcpscope proxy: cannot start ${parsed.command}: ${exit.error.message}\n`);
      return 127;
    }
    if (exit.code !== null) return exit.code;
    return 128 + (exit.signal !== null ? (SIGNAL_NUMBERS[exit.signal] ?? 0) : 0);
  }

  const proxy = await startHttpProxy({
    upstream: parsed.upstream,
    tracer: tracing.tracer,
    host: parsed.host,
    port: parsed.port,
    maxBodyBytes: parsed.maxBodyBytes,
    ...(pins !== undefined ? { pins } : {}),
  });
  process.stderr.write(`mcpscope proxy: ${proxy.url.href} -> ${parsed.upstream.href}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await proxy.close();
  await flush(tracing);
  return 0;
}

/** Loads the pins of `--pins` (the token from `--pins-token`, else MCPSCOPE_PINS_TOKEN, for a URL). */
async function pinOptions(args: ProxyPinArgs): Promise<ProxyPinOptions> {
  const token = args.token ?? (isPinsUrl(args.source) ? process.env['MCPSCOPE_PINS_TOKEN'] : undefined);
  const file = await loadPins(args.source, { token });
  process.stderr.write(
    `mcpscope proxy: ${file.tools.length} tools pinned (${args.source}), --on-drift ${args.onDrift}\n`,
  );
  return {
    file,
    onDrift: args.onDrift,
    log: (message) => process.stderr.write(`mcpscope proxy: ${message}\n`),
  };
}

/**
 * How long the proxy waits for its last spans to be exported before exiting. The agent is waiting for the
 * server process (us) to exit and kills it after a few seconds; an unreachable collector would
 * otherwise hold us for the exporter's whole 10 s timeout.
 */
const FLUSH_TIMEOUT_MS = 1500;

/** Spans that cannot be delivered are lost, but never change the proxy's exit code or delay it long. */
async function flush(tracing: ProxyTracing): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`gave up after ${FLUSH_TIMEOUT_MS} ms`), FLUSH_TIMEOUT_MS);
  });
  const shutdown = tracing.shutdown().then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error.message : String(error)),
  );
  const problem = await Promise.race([shutdown, timeout]);
  clearTimeout(timer);
  if (problem !== undefined) process.stderr.write(`mcpscope proxy: could not export spans: ${problem}\n`);
}
