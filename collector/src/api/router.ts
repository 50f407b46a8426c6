/**
 * The query API (`GET /api/*`), mounted by the app under `/api`. Responses are the shapes of
 * `api/types.ts`; parameters are validated in `params.ts`.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Queries } from '../storage/queries/index.js';
import {
  BadRequestError,
  parseErrorsFilter,
  parseOverviewFilter,
  parseToolChangesFilter,
  parseToolsFilter,
  parseTraceFilter,
  parseTraceId,
} from './params.js';

type Handler = (req: Request, res: Response) => Promise<void>;

/** Express 5 forwards rejected promises; this maps them to JSON errors instead of HTML. */
function route(h: Handler) {
  return (req: Request, res: Response, next: NextFunction) => {
    h(req, res).catch(next);
  };
}

export function createApiRouter(queries: Queries): express.Router {
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

  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (err instanceof BadRequestError) {
      res.status(400).json({ error: err.message });
      return;
    }
    res.status(500).json({ error: err instanceof Error ? err.message : 'internal error' });
  });

  return router;
}
