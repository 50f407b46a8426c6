import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Server } from 'node:http';
import express from 'express';
import type { CollectorConfig } from './config.js';
import { openStorage, type Storage } from './storage/index.js';
import { createApiRouter } from './api/router.js';
import { createOtlpRouter } from './receiver/router.js';
import { Batcher } from './pipeline/batcher.js';
import { createMetrics, watchRootCauses, type CollectorMetrics } from './metrics.js';
import { bearerAuth } from './middleware/auth.js';

/** A running collector: OTLP receiver, query API, dashboard and health endpoints on one port. */
export interface Collector {
  /** Base URL, e.g. `http://127.0.0.1:4318`. */
  url: string;
  port: number;
  storage: Storage;
  metrics: CollectorMetrics;
  /** Stops accepting requests, flushes queued spans to storage, closes storage. */
  close(): Promise<void>;
}

export interface CollectorOptions {
  log?: (msg: string) => void;
}

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
) {
  const app = express();
  app.disable('x-powered-by');
  // Ids in URLs and tokens in headers are all the app needs of a proxy: trust none.
  app.set('trust proxy', false);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await storage.ping();
      res.json({ status: 'ready', storage: storage.describe() });
    } catch (err) {
      res
        .status(503)
        .json({ status: 'unavailable', error: err instanceof Error ? err.message : String(err) });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  app.use(createOtlpRouter({ batcher, metrics, ingestToken: config.ingestToken }));

  const readAuth = bearerAuth(config.readToken, 'mcpscope');
  app.use('/api', readAuth, createApiRouter(storage.queries));
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
  return app;
}

/** Opens storage (running migrations), starts the batcher and the HTTP server. */
export async function startCollector(
  config: CollectorConfig,
  opts: CollectorOptions = {},
): Promise<Collector> {
  const log = opts.log ?? (() => {});
  const storage = await openStorage(config, { log });
  const metrics = createMetrics();
  watchRootCauses(metrics.registry, storage.rootCauses.stats);
  const batcher = new Batcher(
    storage,
    {
      maxQueueSpans: config.queueMaxSpans,
      maxQueueBytes: config.queueMaxBytes,
      maxBatchRows: config.batchMaxRows,
    },
    metrics,
  );
  const app = createApp(config, storage, batcher, metrics);
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    storage,
    metrics,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await batcher.close();
        await storage.close();
      })();
      return closing;
    },
  };
}
