/**
 * The query API (`GET /api/*`), mounted by the app under `/api`. Responses are the shapes of
 * `api/types.ts`; parameters are validated in `params.ts`.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { jsonErrors } from '../middleware/errors.js';
import type { Queries } from '../storage/queries/index.js';
import {
  parseErrorsFilter,
  parseMetricHistogramFilter,
  parseMetricsFilter,
  parseOverviewFilter,
  parseToolChangesFilter,
  parseToolsFilter,
  parseTraceFilter,
  parseTraceId,
} from './params.js';

type Handler = (req: Request, res: Response) => Promise<void>;

/** Express 5 forwards rejected promises; the router's error handler maps them to JSON errors. */
function route(h: Handler) {
  return (req: Request, res: Response, next: NextFunction) => {
    h(req, res).catch(next);
  };
}

/** Options of the query API. */
export interface ApiRouterOptions {
  /** Where the causes of 500s go, each with the request id its answer carries. Default: silent. */
  log?: (msg: string) => void;
}

/**
 * The query API. A bad parameter is a 400 `{ error }` that names it (`params.ts`); a failure inside
 * (a query ClickHouse refused, storage unreachable) is a 500 `{ error: "internal error", requestId }`
 * whose cause is logged, never sent: engine errors name tables, settings and data paths.
 */
export function createApiRouter(queries: Queries, options: ApiRouterOptions = {}): express.Router {
  const router = express.Router();

  router.get(
    '/traces',
    route(async (req, res) => {
      res.json(await queries.traces(parseTraceFilter(req.query)));
    }),
  );

  router.get(
    '/traces/:traceId',
    route(async (req, res) => {
      const traceId = parseTraceId(String(req.params['traceId']));
      const trace = await queries.trace(traceId);
      if (!trace) {
        res.status(404).json({ error: `trace ${traceId} not found` });
        return;
      }
      res.json(trace);
    }),
  );

  router.get(
    '/overview',
    route(async (req, res) => {
      res.json(await queries.overview(parseOverviewFilter(req.query)));
    }),
  );

  router.get(
    '/tools',
    route(async (req, res) => {
      res.json(await queries.tools(parseToolsFilter(req.query)));
    }),
  );

  router.get(
    '/errors',
    route(async (req, res) => {
      res.json(await queries.errors(parseErrorsFilter(req.query)));
    }),
  );

  router.get(
    '/tool-changes',
    route(async (req, res) => {
      res.json(await queries.toolChanges(parseToolChangesFilter(req.query)));
    }),
  );

  router.get(
    '/metrics',
    route(async (req, res) => {
      res.json(await queries.metrics(parseMetricsFilter(req.query)));
    }),
  );

  router.get(
    '/metrics/histogram',
    route(async (req, res) => {
      res.json(await queries.metricHistogram(parseMetricHistogramFilter(req.query)));
    }),
  );

  router.use(jsonErrors({ log: options.log }));

  return router;
}
