import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

/**
 * Whether an `Authorization` header carries `Bearer <token>`. The comparison is constant-time over
 * SHA-256 digests: comparing digests (always 32 bytes) rather than the strings keeps the token's
 * length from leaking through timing, and `timingSafeEqual` keeps its content from leaking.
 */
export function hasBearerToken(authorization: string | undefined, token: string): boolean {
  if (authorization === undefined) return false;
  // RFC 7235: the scheme is case-insensitive; one or more spaces separate it from the credentials.
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  const presented = match?.[1] ?? '';
  const equal = timingSafeEqual(digest(presented), digest(token));
  return equal && match !== null;
}

/** The `WWW-Authenticate` challenge sent with a 401 (RFC 6750). */
export function bearerChallenge(realm: string, hadCredentials: boolean): string {
  const quoted = realm.replace(/["\\]/g, '\\$&');
  return hadCredentials ? `Bearer realm="${quoted}", error="invalid_token"` : `Bearer realm="${quoted}"`;
}

/**
 * Express middleware requiring `Authorization: Bearer <token>`. With `token` undefined it lets every
 * request through (authentication is off unless a token is configured). Otherwise it answers 401 with
 * a `WWW-Authenticate` challenge and a JSON `{ error }` body. The collector uses separate tokens for
 * ingest and for reading (`/api`), each with its own realm.
 */
export function bearerAuth(token: string | undefined, realm: string): RequestHandler {
  if (token === undefined) return (_req, _res, next) => next();
  return (req, res, next) => {
    const authorization = req.headers.authorization;
    if (hasBearerToken(authorization, token)) {
      next();
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', bearerChallenge(realm, authorization !== undefined))
      .json({ error: authorization === undefined ? 'missing bearer token' : 'invalid bearer token' });
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
