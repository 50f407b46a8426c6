import { existsSync } from 'node:fs';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import express from 'express';
import type { CollectorConfig } from './config.js';
import { openStorage, type Storage } from './storage/index.js';
import { createApiRouter } from './api/router.js';
import { createToolPinsRouter } from './api/toolPins.js';
import type { InfoResponse } from './api/types.js';
import { demoCommand } from './cli/demoCommand.js';
import { createOtlpRouter, writeOtlpStatus } from './receiver/router.js';
import { RpcCode } from './receiver/otlpResponse.js';
import { Batcher } from './pipeline/batcher.js';
import { createMetrics, metricBatcherMetrics, watchRootCauses, type CollectorMetrics } from './metrics.js';
import type { MetricPoint } from './storage/metricRows.js';
import { BACK_PRESSURE_MEMORY_SHARE } from './storage/client.js';
import { bearerAuth } from './middleware/auth.js';
import { HttpDrain } from './middleware/drain.js';
import { jsonErrors, newRequestId } from './middleware/errors.js';
import { securityHeaders } from './middleware/securityHeaders.js';
import { Alerting } from './alerts/alerting.js';
import { createAlertsRouter } from './alerts/routes.js';
import { OtlpGrpcReceiver } from './grpc/otlpGrpcReceiver.js';
import { pipelineExports } from './grpc/pipelineExports.js';

/** A running collector: OTLP receiver, query API, dashboard and health endpoints on one port. */
export interface Collector {
  /** Base URL, e.g. `http://127.0.0.1:4318`. */
  url: string;
  port: number;
  /** `host:port` to send OTLP/gRPC to, e.g. `127.0.0.1:4317`; undefined when the receiver is off. */
  grpcAddress?: string;
  /** Port of the OTLP/gRPC receiver; undefined when it is off. */
  grpcPort?: number;
  storage: Storage;
  metrics: CollectorMetrics;
  /**
   * Drains HTTP (stops listening, closes idle connections, finishes the requests in flight with
   * `Connection: close`, refuses new ones with 503 + `Retry-After`, closes what is left after
   * `shutdownGraceMs`) and gRPC alike (GOAWAY: the calls in flight finish, new ones get UNAVAILABLE),
   * then flushes queued spans to storage and closes storage.
   */
  close(): Promise<void>;
}

export interface CollectorOptions {
  log?: (msg: string) => void;
}

/** Options of {@link createApp}. */
export interface AppOptions {
  /** Where the causes of 500 answers go (the answer carries a request id the line repeats). */
  log?: (msg: string) => void;
  /** Alerting, whose rules and alerts the API serves under /api (behind the read token). */
  alerting?: Alerting;
  /**
   * Where `POST /v1/metrics` sends decoded data points (a {@link Batcher} over `storage.insertMetrics`).
   * Unset: no `/v1/metrics` (404). The caller closes it.
   */
  metricBatcher?: Batcher<MetricPoint>;
}

/**
 * How long a request may take to arrive, headers and body, by default: 30 s. OpenTelemetry exporters
 * give up on an export after 10 s (their default timeout), so a body still arriving after 30 s has
 * no sender waiting for its answer; 30 s still carries the 20 MiB body limit over ~6 Mbit/s.
 */
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
/**
 * How long a shutdown waits for open connections by default: 5 s. Requests in flight take
 * milliseconds; what is still open after that is a client holding the connection. `docker stop`
 * sends SIGKILL 10 s after SIGTERM: the final flush and closing storage must fit in what is left.
 */
export const DEFAULT_SHUTDOWN_GRACE_MS = 5_000;

/** Finds the built dashboard: the configured directory, else `@mcpscope/dashboard/dist` beside us. */
function resolveDashboardDir(config: CollectorConfig): string | undefined {
  if (config.dashboardDir) return config.dashboardDir;
  const require = createRequire(import.meta.url);
  try {
    const pkg = require.resolve('@mcpscope/dashboard/package.json');
    const dir = path.join(path.dirname(pkg), 'dist');
    return existsSync(path.join(dir, 'index.html')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** Builds the Express app over an open storage. Exposed for tests that bring their own storage. */
export function createApp(
  config: CollectorConfig,
  storage: Storage,
  batcher: Batcher,
  metrics: CollectorMetrics,
  options: AppOptions = {},
) {
  const log = options.log ?? (() => {});
  const app = express();
  app.disable('x-powered-by');
  // Ids in URLs and tokens in headers are all the app needs of a proxy: trust none.
  app.set('trust proxy', false);
  app.use(securityHeaders());

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  let lastWriteProbe = 0;
  app.get('/readyz', async (_req, res) => {
    try {
      await storage.ping();
      // Answering is not enough: a full disk answers queries and refuses every insert. While inserts
      // fail, a probe write (at most every few seconds) learns when storage takes writes again: a
      // collector taken out of its load balancer gets no inserts to learn it from.
      let health = batcher.storageHealth();
      if (!health.writable && Date.now() - lastWriteProbe >= WRITE_PROBE_INTERVAL_MS) {
        lastWriteProbe = Date.now();
        try {
          await storage.probeWrite();
          batcher.noteStorageWritable();
          health = batcher.storageHealth();
        } catch (err) {
          log(`readyz: storage still refuses writes: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      if (!health.writable) {
        res.status(503).json({
          status: 'unavailable',
          error: 'storage refuses writes (disk full, read-only or unreachable); spans are answered 503',
          since: health.since?.toISOString(),
        });
        return;
      }
      res.json({ status: 'ready', storage: storage.describe() });
    } catch (err) {
      // The engine's error names its data directory or server address: log it, answer without it.
      const requestId = newRequestId();
      log(`readyz ${requestId}: storage did not answer: ${err instanceof Error ? err.message : String(err)}`);
      res.status(503).json({ status: 'unavailable', error: 'storage did not answer', requestId });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  app.use(
    createOtlpRouter({
      batcher,
      metricBatcher: options.metricBatcher,
      metrics,
      ingestToken: config.ingestToken,
      log,
      retentionDays: config.retentionDays,
    }),
  );

  const readAuth = bearerAuth(config.readToken, 'mcpscope');
  // What the dashboard shows newcomers: the demo command that works where this collector runs.
  app.get('/api/info', readAuth, (_req, res) => {
    const info: InfoResponse = { demoCommand: demoCommand() };
    res.json(info);
  });
  app.use('/api', readAuth, createApiRouter(storage.queries, { log }));
  if (options.alerting) app.use('/api', readAuth, createAlertsRouter(options.alerting, { log }));
  app.use('/api', readAuth, createToolPinsRouter(storage.clickhouse, { log }));
  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'not found' });
  });

  const dashboardDir = resolveDashboardDir(config);
  if (dashboardDir) {
    // The dashboard's files are public (they hold no data); the data behind /api needs the read token.
    app.use(express.static(dashboardDir, { index: false, maxAge: '1h' }));
    app.get(/^\/(?!v1\/|api\/).*/, (_req, res) => {
      res.set('Cache-Control', 'no-cache');
      res.sendFile(path.join(dashboardDir, 'index.html'));
    });
  } else {
    app.get('/', (_req, res) => {
      res
        .type('text/plain')
        .send(
          'mcpscope collector is running, but the dashboard is not built. Run `npm run build` at the repository root.',
        );
    });
  }
  app.use(jsonErrors({ log }));
  return app;
}

/** The 503 of a request that arrives while the collector drains: OTLP-shaped on the OTLP endpoint. */
function refuseWhileDraining(req: IncomingMessage, res: ServerResponse, message: string): void {
  if (req.url?.startsWith('/v1/')) {
    writeOtlpStatus(req, res, RpcCode.UNAVAILABLE, message);
    return;
  }
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ error: message }));
}

/**
 * Options of the collector's HTTP server. Node bounds how long a request takes to *arrive*, headers
 * and body (`requestTimeout`, checked every `connectionsCheckingInterval`), and answers 408 itself and
 * closes the connection when it is exceeded; the time a request then waits for its spans to be
 * committed is not counted. The default check interval, 30 s, would let a dripping body run up to
 * twice the timeout: check ten times per timeout, at most once a second.
 */
export function httpServerOptions(bodyTimeoutMs: number): ServerOptions {
  return {
    requestTimeout: bodyTimeoutMs,
    headersTimeout: Math.min(bodyTimeoutMs, 60_000),
    connectionsCheckingInterval: Math.min(1_000, Math.max(50, Math.floor(bodyTimeoutMs / 10))),
  };
}

/** Least time between two write probes of /readyz while storage refuses writes. */
const WRITE_PROBE_INTERVAL_MS = 5_000;

/** Opens storage (running migrations), starts the batcher and the HTTP server. */
export async function startCollector(
  config: CollectorConfig,
  opts: CollectorOptions = {},
): Promise<Collector> {
  const log = opts.log ?? (() => {});
  const storage = await openStorage(config, { log });
  // Notification links need the address, known once listening (the rules file is read before: a bad
  // one stops the start).
  let selfUrl = '';
  let alerting: Alerting;
  try {
    alerting = await Alerting.create(storage.clickhouse.client, storage.clickhouse.database, {
      intervalSeconds: config.alertIntervalS,
      rulesFile: config.alertRulesPath,
      externalUrl: () => config.publicUrl ?? selfUrl,
      log,
    });
  } catch (err) {
    await storage.close();
    throw err;
  }
  const metrics = createMetrics();
  watchRootCauses(metrics.registry, storage.rootCauses.stats);
  const batcher = new Batcher(
    storage,
    {
      maxQueueSpans: config.queueMaxSpans,
      maxQueueBytes: config.queueMaxBytes,
      maxBatchRows: config.batchMaxRows,
      memoryHighWaterBytes: config.memoryLimitMb * BACK_PRESSURE_MEMORY_SHARE * 1048576,
    },
    metrics,
  );
  // Data points queue apart from spans (a burst of one does not refuse the other), under the same limits.
  const metricBatcher = new Batcher<MetricPoint>(
    { insert: (rows, token) => storage.insertMetrics(rows, token) },
    {
      maxQueueSpans: config.queueMaxSpans,
      maxQueueBytes: config.queueMaxBytes,
      maxBatchRows: config.batchMaxRows,
      memoryHighWaterBytes: config.memoryLimitMb * BACK_PRESSURE_MEMORY_SHARE * 1048576,
      rowNoun: 'data points',
    },
    metricBatcherMetrics(metrics),
  );
  const app = createApp(config, storage, batcher, metrics, { log, alerting, metricBatcher });
  const server: Server = createServer(httpServerOptions(config.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS));
  const drain = new HttpDrain(server, app, { refuse: refuseWhileDraining, log });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let grpc: OtlpGrpcReceiver | undefined;
  if (config.grpcPort) {
    try {
      grpc = await OtlpGrpcReceiver.start({
        host: config.host,
        port: config.grpcPort,
        ingestToken: config.ingestToken,
        metrics,
        log,
        exports: pipelineExports({
          batcher,
          metricBatcher,
          metrics,
          log,
          retentionDays: config.retentionDays,
        }),
      });
    } catch (error) {
      await drain.close(0);
      await batcher.close();
      await metricBatcher.close();
      await storage.close();
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `cannot listen for OTLP/gRPC on ${config.host}:${config.grpcPort}: ${reason} ` +
          '(set MCPSCOPE_GRPC_PORT to a free port, or to off)',
        { cause: error },
      );
    }
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  selfUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  await alerting.start();
  let closing: Promise<void> | undefined;
  return {
    url: selfUrl,
    port,
    grpcAddress: grpc === undefined ? undefined : `${host.includes(':') ? `[${host}]` : host}:${grpc.port}`,
    grpcPort: grpc?.port,
    storage,
    metrics,
    close() {
      closing ??= (async () => {
        const graceMs = config.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
        await Promise.all([drain.close(graceMs), grpc?.close(graceMs)]);
        await alerting.close();
        await batcher.close();
        await metricBatcher.close();
        await storage.close();
      })();
      return closing;
    },
  };
}
