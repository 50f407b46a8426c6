/**
 * Approved tool sets, mounted under `/api` behind the read token (approving needs it, as reading does):
 *
 * - `POST /api/tool-pins/:server/approve` `{ setFingerprint?, approvedBy?, note? }` — records the set the
 *   server listed last as its approved set → `201` {@link ToolApprovalView}. With `setFingerprint` (the
 *   set the reviewer looked at) it answers `409` when the server has listed another set since;
 * - `GET /api/tool-pins/:server` — the latest approved set as a pin file, in the format of
 *   `mcpscope pin` (`@mcpscope/sdk/pins`), for `mcpscope proxy --pins <url> --pins-token <read token>`;
 * - `GET /api/tool-pins/:server/approvals` → `{ approvals }`, newest first (the history);
 * - `GET /api/tool-pins` → `{ servers }`: every server with an approved set and where its pin file is.
 *
 * `:server` is a URL-encoded server identity (`name`, `name (command)`, `name@host:port`). A bare name
 * also works when exactly one identity has it; when several do, the answer is `409` listing them.
 */
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { formatPinFile } from '@mcpscope/sdk/pins';
import { jsonErrors } from '../middleware/errors.js';
import {
  ApprovalError,
  approvalPinFile,
  pinFileOfSet,
  pinnedServerOf,
  pinPath,
  resolveServer,
  type ApprovalWithDefinitions,
  type KnownServer,
} from '../model/toolApproval.js';
import { queryToolHistory, queryToolServers } from '../storage/queries/toolChanges.js';
import { ToolApprovalStore } from '../storage/toolApprovals.js';
import { approvalView, computeToolChanges } from './toolChanges.js';
import type { ToolApprovalView } from './types.js';

type Handler = (req: Request, res: Response) => Promise<void>;

function route(h: Handler) {
  return (req: Request, res: Response, next: NextFunction) => {
    h(req, res).catch(next);
  };
}

/** Longest server identity accepted: a stdio identity carries a whole (masked) command line. */
const MAX_SERVER_LENGTH = 4096;
const MAX_APPROVED_BY = 200;
const MAX_NOTE = 2000;

const approveSchema = z
  .object({
    setFingerprint: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (the set fingerprint shown)')
      .optional(),
    approvedBy: z.string().trim().max(MAX_APPROVED_BY).optional(),
    note: z.string().trim().max(MAX_NOTE).optional(),
  })
  .strict();

/** The body of an approval, validated; a refusal names the field. */
export function parseApproveBody(body: unknown): z.infer<typeof approveSchema> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ApprovalError('the body must be a JSON object ({} approves the set listed last)', 400);
  const parsed = approveSchema.safeParse(body);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((i) =>
        i.code === z.ZodIssueCode.unrecognized_keys
          ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`
          : `${i.path.join('.')}: ${i.message}`,
      )
      .join('; ');
    throw new ApprovalError(`invalid approval: ${detail}`, 400);
  }
  return parsed.data;
}

function serverParam(req: Request): string {
  const server = String(req.params['server']);
  if (server === '' || server.length > MAX_SERVER_LENGTH)
    throw new ApprovalError(`the server must be 1 to ${MAX_SERVER_LENGTH} characters`, 400);
  return server;
}

/** Resolves `requested` among `known`, or throws the 404 or 409 that says why not. */
function resolveOrThrow(requested: string, known: readonly KnownServer[], unknown: string): string {
  const resolved = resolveServer(requested, known);
  if (resolved.kind === 'found') return resolved.identity;
  if (resolved.kind === 'ambiguous')
    throw new ApprovalError(
      `"${requested}" names ${resolved.identities.length} servers: ${resolved.identities
        .map((i) => JSON.stringify(i))
        .join(', ')}; use the full identity (URL-encoded)`,
      409,
    );
  throw new ApprovalError(unknown, 404);
}

export interface ToolPinsRouterOptions {
  /** Where the causes of 500s go. Default: silent. */
  log?: (msg: string) => void;
  /** The clock of approvals (unix ms). Default: `Date.now`. */
  now?: () => number;
}

/** Records the set `requested` listed last as its approved set. */
export async function approveCurrentSet(
  client: ClickHouseClient,
  database: string,
  requested: string,
  body: unknown,
  nowMs: number,
): Promise<ToolApprovalView> {
  const input = parseApproveBody(body);
  const identity = resolveOrThrow(
    requested,
    await queryToolServers(client, database),
    `no tool definitions are recorded for server "${requested}": an instrumented client or mcpscope proxy ` +
      'records them when it lists the tools',
  );
  const { servers, current } = computeToolChanges(await queryToolHistory(client, database, identity));
  const server = servers.find((s) => s.server === identity);
  if (!server) throw new ApprovalError(`no tool set is recorded for server "${identity}"`, 404);
  if (input.setFingerprint !== undefined && input.setFingerprint !== server.setFingerprint)
    throw new ApprovalError(
      `the tools of "${identity}" changed since that set was shown: it lists set ${server.setFingerprint.slice(0, 12)} ` +
        `now, not ${input.setFingerprint.slice(0, 12)}; review the current set and approve again`,
      409,
    );
  const tools = current
    .filter((c) => c.server === identity)
    .map((c) => ({ name: c.tool, fingerprint: c.fingerprint, definition: c.definition }));
  const approvedAt = new Date(nowMs);
  // Builds the pin file now, to refuse a set that could not be served as one.
  const file = pinFileOfSet(
    pinnedServerOf(identity, server.serverName, server.serverVersion),
    tools,
    approvedAt,
    identity,
  );
  const definitionOf = new Map(tools.map((t) => [t.name, t.definition]));
  const approval: ApprovalWithDefinitions = {
    id: randomUUID(),
    server: identity,
    serverName: server.serverName,
    serverVersion: server.serverVersion,
    setFingerprint: server.setFingerprint,
    approvedAtMs: approvedAt.getTime(),
    approvedBy: input.approvedBy ?? '',
    note: input.note ?? '',
    tools: file.tools.map((t) => ({ name: t.name, sha256: t.sha256 })),
    definitions: file.tools.map((t) => definitionOf.get(t.name) ?? ''),
  };
  await new ToolApprovalStore(client, database).record(approval);
  return approvalView(approval);
}

export function createToolPinsRouter(
  clickhouse: { client: ClickHouseClient; database: string },
  options: ToolPinsRouterOptions = {},
): express.Router {
  const { client, database } = clickhouse;
  const store = new ToolApprovalStore(client, database);
  const now = options.now ?? Date.now;
  const router = express.Router();
  const json = express.json({ limit: '16kb' });
  const nothingApproved = (server: string) =>
    `nothing is approved for server "${server}": approve its tools on the dashboard's tool-changes view, ` +
    `or POST ${pinPath(server)}/approve`;

  router.get(
    '/tool-pins',
    route(async (_req, res) => {
      const latest = new Map<string, ToolApprovalView>();
      for (const a of await store.list()) latest.set(a.server, approvalView(a));
      res.json({
        servers: [...latest.values()]
          .sort((a, b) => (a.server < b.server ? -1 : a.server > b.server ? 1 : 0))
          .map((a) => ({
            server: a.server,
            serverName: a.serverName,
            approvedAt: a.approvedAt,
            setFingerprint: a.setFingerprint,
            tools: a.tools.length,
            pinPath: a.pinPath,
          })),
      });
    }),
  );

  router.get(
    '/tool-pins/:server',
    route(async (req, res) => {
      const requested = serverParam(req);
      const identity = resolveOrThrow(requested, await store.servers(), nothingApproved(requested));
      const approval = await store.latest(identity);
      if (!approval) throw new ApprovalError(nothingApproved(identity), 404);
      res
        .status(200)
        .type('application/json')
        // A new approval must reach the next proxy that starts: no cache keeps the old set.
        .set('Cache-Control', 'no-store')
        .send(formatPinFile(approvalPinFile(approval)));
    }),
  );

  router.get(
    '/tool-pins/:server/approvals',
    route(async (req, res) => {
      const requested = serverParam(req);
      const identity = resolveOrThrow(requested, await store.servers(), nothingApproved(requested));
      const approvals = (await store.list(identity)).filter((a) => a.server === identity).reverse();
      res.json({ approvals: approvals.map(approvalView) });
    }),
  );

  router.post(
    '/tool-pins/:server/approve',
    // JSON only: a page on another origin can POST a form or text/plain without asking, but not
    // application/json (that needs a CORS preflight, which the collector never grants). Without this
    // a malicious page could approve a rug pull through the browser of someone on the network.
    (req, _res, next) => {
      if (!req.is('application/json')) {
        next(
          new ApprovalError(
            'send a JSON body with Content-Type: application/json ({} approves the set listed last)',
            415,
          ),
        );
        return;
      }
      next();
    },
    json,
    route(async (req, res) => {
      const view = await approveCurrentSet(client, database, serverParam(req), req.body as unknown, now());
      res.status(201).location(view.pinPath).json(view);
    }),
  );

  router.use(jsonErrors({ log: options.log }));
  return router;
}
