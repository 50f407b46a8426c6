/**
 * The alerting API, mounted under `/api` behind the read token (reading alerts and changing rules both
 * need it):
 *
 * - `POST /api/alert-rules` — a rule (alerts/types.ts AlertRuleDefinition) → `201 { id }`;
 * - `GET /api/alert-rules` → `{ rules }`, each with its state; `GET /api/alert-rules/:id` → one;
 * - `DELETE /api/alert-rules/:id` → 204 (409 for a rule of the rules file: change it there);
 * - `POST /api/alert-rules/:id/mute` `{ until }` — an ISO time or unix ms in the future, or null to
 *   unmute → `{ id, mutedUntil }`. A muted rule is still evaluated and its firings recorded; its
 *   notifications are held back until the mute ends (see state.ts);
 * - `GET /api/alerts?limit=` → `{ firing, history, evaluation }`.
 *
 * Refusals are `{ error }` with a message naming the field (400), the rule (404) or the conflict (409).
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { jsonErrors } from '../middleware/errors.js';
import { MAX_TIME_MS } from '../api/params.js';
import { DEFAULT_HISTORY_LIMIT, MAX_HISTORY_LIMIT, type Alerting } from './alerting.js';
import { AlertRuleError } from './rule.js';

type Handler = (req: Request, res: Response) => Promise<void>;

function route(h: Handler) {
  return (req: Request, res: Response, next: NextFunction) => {
    h(req, res).catch(next);
  };
}

/** Rule ids are UUIDs (API) or `file-` and 16 hex digits (rules file). */
const RULE_ID = /^[A-Za-z0-9-]{1,64}$/;

function ruleId(req: Request): string {
  const id = String(req.params['id']);
  if (!RULE_ID.test(id))
    throw new AlertRuleError(`alert rule ${JSON.stringify(id.slice(0, 80))} not found`, 404);
  return id;
}

const muteSchema = z.object({ until: z.union([z.string(), z.number(), z.null()]) }).strict();

/** `until` as unix ms: an ISO time or unix ms, after now and before 2100; null unmutes. */
export function parseMuteUntil(body: unknown, nowMs: number): number | null {
  const parsed = muteSchema.safeParse(body);
  if (!parsed.success)
    throw new AlertRuleError(
      'the body must be { "until": <ISO time or unix ms> } to mute, or { "until": null } to unmute',
    );
  const until = parsed.data.until;
  if (until === null) return null;
  const ms = typeof until === 'number' ? until : /^\d+$/.test(until) ? Number(until) : Date.parse(until);
  if (!Number.isFinite(ms))
    throw new AlertRuleError(`until: not a time: ${JSON.stringify(String(until).slice(0, 64))}`);
  if (ms <= nowMs) throw new AlertRuleError('until: must be in the future (null unmutes)');
  if (ms > MAX_TIME_MS)
    throw new AlertRuleError(`until: must be before ${new Date(MAX_TIME_MS).toISOString()}`);
  return Math.round(ms);
}

function historyLimit(raw: unknown): number {
  if (raw === undefined || raw === '') return DEFAULT_HISTORY_LIMIT;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= MAX_HISTORY_LIMIT))
    throw new AlertRuleError(`parameter "limit" must be an integer from 1 to ${MAX_HISTORY_LIMIT}`);
  return n;
}

export interface AlertsRouterOptions {
  /** Where the causes of 500s go. Default: silent. */
  log?: (msg: string) => void;
}

export function createAlertsRouter(alerting: Alerting, options: AlertsRouterOptions = {}): express.Router {
  const router = express.Router();
  // Rules are small; 64 KiB holds any valid one with room to spare.
  const json = express.json({ limit: '64kb' });
  const body = (req: Request): unknown => {
    if (req.body === undefined)
      throw new AlertRuleError('the body must be a JSON object sent with Content-Type: application/json');
    return req.body as unknown;
  };

  router.post(
    '/alert-rules',
    json,
    route(async (req, res) => {
      const id = await alerting.createRule(body(req));
      res.status(201).location(`${req.baseUrl}/alert-rules/${id}`).json({ id });
    }),
  );

  router.get(
    '/alert-rules',
    route(async (_req, res) => {
      res.json({ rules: await alerting.listRules() });
    }),
  );

  router.get(
    '/alert-rules/:id',
    route(async (req, res) => {
      const id = ruleId(req);
      const rule = (await alerting.listRules()).find((r) => r.id === id);
      if (!rule) throw new AlertRuleError(`alert rule ${id} not found`, 404);
      res.json(rule);
    }),
  );

  router.delete(
    '/alert-rules/:id',
    route(async (req, res) => {
      await alerting.deleteRule(ruleId(req));
      res.status(204).end();
    }),
  );

  router.post(
    '/alert-rules/:id/mute',
    json,
    route(async (req, res) => {
      const id = ruleId(req);
      const mutedUntil = await alerting.muteRule(id, parseMuteUntil(body(req), Date.now()));
      res.json({ id, mutedUntil });
    }),
  );

  router.get(
    '/alerts',
    route(async (req, res) => {
      const raw = req.query['limit'];
      if (Array.isArray(raw)) throw new AlertRuleError('parameter "limit" must be given once');
      res.json(await alerting.alerts(historyLimit(raw)));
    }),
  );

  router.use(jsonErrors({ log: options.log }));
  return router;
}
