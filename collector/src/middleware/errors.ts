import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler } from 'express';

/** A short id that ties an error response to its log line: 8 hex characters. */
export function newRequestId(): string {
  return randomBytes(4).toString('hex');
}

/** Options of {@link jsonErrors}. */
export interface JsonErrorsOptions {
  /** Where the causes of 5xx answers go, one line each with the request id. Default: silent. */
  log?: (msg: string) => void;
}

/**
 * The last error handler of an Express app or router: every error becomes a JSON `{ error }` answer,
 * never Express's HTML page (which prints the stack outside production) and never the text of a
 * failure inside the collector — a ClickHouse error names tables, settings and data paths.
 *
 * - A client error (`status` 400–499, as Express and its parsers set it, or a `URIError` from
 *   decoding a malformed `%` escape in the URL) is answered with that status. Its message is shown
 *   only when the error says it may be (`expose: true`, the http-errors convention our own
 *   `BadRequestError` follows); otherwise a fixed description.
 * - Anything else is a 500 `{ error: "internal error", requestId }`, and the cause is logged with
 *   the same id.
 */
export function jsonErrors(options: JsonErrorsOptions = {}): ErrorRequestHandler {
  const log = options.log ?? (() => {});
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const status = clientErrorStatus(err);
    if (status !== undefined) {
      res.status(status).json({ error: clientErrorMessage(err, status) });
      return;
    }
    const requestId = newRequestId();
    const path = req.originalUrl.length > 200 ? `${req.originalUrl.slice(0, 200)}…` : req.originalUrl;
    log(`request ${requestId} ${req.method} ${path} failed: ${describe(err)}`);
    res.status(500).json({ error: 'internal error', requestId });
  };
}

function clientErrorStatus(err: unknown): number | undefined {
  if (err instanceof URIError) return 400;
  if (typeof err !== 'object' || err === null) return undefined;
  const { status, statusCode } = err as { status?: unknown; statusCode?: unknown };
  const s = typeof status === 'number' ? status : statusCode;
  return typeof s === 'number' && Number.isInteger(s) && s >= 400 && s < 500 ? s : undefined;
}

function clientErrorMessage(err: unknown, status: number): string {
  // Express's router reports a malformed escape in a path parameter as a URIError with status 400
  // and the raw parameter in its message: say what is wrong without echoing it.
  if (err instanceof URIError) return 'malformed URL: invalid percent-encoding';
  if (err instanceof Error && (err as { expose?: unknown }).expose === true) return err.message;
  return STATUS_CODES[status]?.toLowerCase() ?? 'bad request';
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.stack ?? `${err.name}: ${err.message}`;
}
