#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { configFromEnv, type CollectorConfig } from '../config.js';
import { demoCommand } from './demoCommand.js';
import { startCollector } from '../app.js';

const HELP = `mcpscope — observability for MCP

Usage:
  mcpscope start [--port 4318] [--grpc-port 4317|off] [--host 127.0.0.1] [--data ./mcpscope-data]
                 [--clickhouse-url URL]
      Start the collector (OTLP/HTTP receiver on /v1/traces, OTLP/gRPC receiver), query API and
      dashboard.
  mcpscope demo [--endpoint http://localhost:4318] [--duration SECONDS] [--rate CALLS_PER_SECOND]
      Run a real instrumented MCP client and server that make a steady mix of calls into a collector.
  mcpscope proxy [--service-name NAME] -- <command> [args…]
      Trace any stdio MCP server without touching its code.
  mcpscope proxy --upstream URL [--listen HOST:PORT]
      Trace any Streamable HTTP MCP server as a reverse proxy.
  mcpscope proxy --pins FILE|URL [--on-drift block|warn] [--pins-token TOKEN] …
      Hold the server to its pinned tools: block withholds changed and new tools, warn only records.
  mcpscope pin --out pins.json -- <command> [args…]   (or --upstream URL [--header 'Name: value'])
      Write a pin file of the server's tools (definitions and SHA-256), for review.
  mcpscope pin --check pins.json -- <command> [args…]   (or --upstream URL)
      Exit 1 with a diff when the server's tools no longer match the pins (0 when they do).

Environment: MCPSCOPE_PORT, MCPSCOPE_GRPC_PORT (0 or off: no gRPC), MCPSCOPE_HOST, MCPSCOPE_DATA_DIR,
CLICKHOUSE_URL, CLICKHOUSE_USER,
CLICKHOUSE_PASSWORD, CLICKHOUSE_DATABASE, CLICKHOUSE_CLUSTER, MCPSCOPE_INGEST_TOKEN, MCPSCOPE_READ_TOKEN,
MCPSCOPE_RETENTION_DAYS, MCPSCOPE_QUEUE_MAX_SPANS, MCPSCOPE_QUEUE_MAX_BYTES, MCPSCOPE_BATCH_MAX_ROWS,
MCPSCOPE_BODY_TIMEOUT_MS, MCPSCOPE_SHUTDOWN_GRACE_MS, MCPSCOPE_ALERT_INTERVAL_S (0: no evaluation),
MCPSCOPE_ALERT_RULES (YAML or JSON rules file), MCPSCOPE_PUBLIC_URL (links in alert notifications),
OTEL_EXPORTER_OTLP_ENDPOINT (demo, proxy), MCPSCOPE_PINS_TOKEN (a pins URL's bearer token: proxy, pin).

On SIGTERM or SIGINT the collector stops taking connections, answers the requests in flight, refuses
new ones with 503 + Retry-After, closes what is still open after MCPSCOPE_SHUTDOWN_GRACE_MS, stores
the queued spans and exits.`;

async function start(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', short: 'p' },
      'grpc-port': { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      'clickhouse-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const config: CollectorConfig = configFromEnv();
  if (values.port !== undefined) config.port = Number(values.port);
  if (values['grpc-port'] !== undefined) {
    const v = values['grpc-port'];
    config.grpcPort = v.trim().toLowerCase() === 'off' ? 0 : Number(v);
    if (!Number.isInteger(config.grpcPort) || config.grpcPort < 0 || config.grpcPort > 65535) {
      throw new Error(`--grpc-port must be an integer between 0 and 65535 or off, got ${v}`);
    }
  }
  if (values.host !== undefined) config.host = values.host;
  if (values.data !== undefined) config.dataDir = values.data;
  if (values['clickhouse-url'] !== undefined) config.clickhouseUrl = values['clickhouse-url'];
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new Error(`--port must be an integer between 0 and 65535, got ${values.port}`);
  }

  const collector = await startCollector(config, { log: (m) => console.error(m) });
  const endpoint = collector.url;
  console.log(`mcpscope collector listening on ${endpoint}`);
  console.log(`  storage:   ${collector.storage.describe()}`);
  console.log(`  dashboard: ${endpoint}/`);
  console.log(`  OTLP/HTTP: ${endpoint}/v1/traces (protobuf or JSON)`);
  console.log(
    collector.grpcAddress === undefined
      ? '  OTLP/gRPC: off (MCPSCOPE_GRPC_PORT)'
      : `  OTLP/gRPC: ${collector.grpcAddress} (traces and metrics)`,
  );
  console.log('');
  console.log('Point an instrumented app at it:');
  console.log(`  OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint} node your-agent.js`);
  if (collector.grpcAddress !== undefined) {
    console.log(
      `  or over gRPC: OTEL_EXPORTER_OTLP_PROTOCOL=grpc OTEL_EXPORTER_OTLP_ENDPOINT=http://${collector.grpcAddress}`,
    );
  }
  const demo = demoCommand();
  // npm passes arguments to a script after `--`; npx passes them straight on.
  const demoArgs = demo.startsWith('npm run') ? `-- --endpoint ${endpoint}` : `--endpoint ${endpoint}`;
  console.log(`or see it populated in a minute:  ${demo} ${demoArgs}`);
  if (config.readToken !== undefined) {
    console.log('');
    console.log(
      'The dashboard and /api need the read token (MCPSCOPE_READ_TOKEN): the dashboard asks for it',
    );
    console.log('once, or send `Authorization: Bearer <token>`.');
  }
  if (config.ingestToken !== undefined) {
    console.log('Senders need the ingest token (MCPSCOPE_INGEST_TOKEN):');
    console.log('  OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer <token>"');
  }

  let stopping = false;
  const stop = (signal: string) => {
    // Later signals do not start another drain (under `npm start`, Ctrl-C reaches us twice).
    if (stopping) return;
    stopping = true;
    console.error(`${signal}: draining connections, flushing queued spans and stopping…`);
    collector.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error('error while stopping:', err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(rest);
    case 'demo': {
      const { runDemoCli } = await import('../demo/run.js');
      return runDemoCli(rest);
    }
    case 'proxy': {
      const { runProxyCli } = await import('@mcpscope/sdk/proxy');
      await runProxyCli(rest);
      return;
    }
    case 'pin': {
      const { runPinCli } = await import('@mcpscope/sdk/pins');
      // Exit at once: an idle keep-alive connection to an HTTP server would hold the process a while.
      return process.exit(await runPinCli(rest));
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return;
    default:
      console.error(`mcpscope: unknown command "${command}"\n\n${HELP}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`mcpscope: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
