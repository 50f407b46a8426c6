import { readToken } from './token.js';

/** The collector answered 401: a read token is required, or the stored one is wrong. */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
  constructor() {
    super('The collector requires a read token.');
  }
}

/** Any other non-2xx answer from the query API. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Query parameters; an array repeats the parameter (`attr=a=1&attr=b=2`). */
export type QueryParams = Record<string, string | number | readonly string[] | undefined | null>;

/** Builds a same-origin API URL, leaving out empty parameters. */
export function apiUrl(path: string, params: QueryParams = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (Array.isArray(value)) {
      for (const v of value as readonly string[]) if (v !== '') search.append(key, v);
    } else if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * GETs a JSON document from the collector's API (same origin: the collector serves this app), sending
 * the stored read token when there is one.
 */
export async function apiGet<T>(path: string, params?: QueryParams, signal?: AbortSignal): Promise<T> {
  const token = readToken();
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers['Authorization'] = `Bearer ${token}`;
  const res = await fetch(apiUrl(path, params), { headers, ...(signal ? { signal } : {}) });
  if (res.status === 401) throw new UnauthorizedError();
  if (!res.ok) throw new ApiError(res.status, await errorMessage(res));
  return (await res.json()) as T;
}

/**
 * Sends a change to the collector (POST with a JSON body, or DELETE) with the stored read token, and
 * returns the JSON answer (undefined for 204). Refusals throw like {@link apiGet}'s, with the API's
 * message, which names the field at fault.
 */
export async function apiSend<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const token = readToken();
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token) headers['Authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (res.status === 401) throw new UnauthorizedError();
  if (!res.ok) throw new ApiError(res.status, await errorMessage(res));
  return (res.status === 204 ? undefined : await res.json()) as T;
}

async function errorMessage(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    const msg = body.error ?? body.message;
    if (typeof msg === 'string' && msg) return msg;
  } catch {
    // Not JSON: fall through to the raw text.
  }
  return text.trim().slice(0, 300) || `HTTP ${res.status}`;
}
