/** Replacement text for a redacted value. */
export const REDACTED = '[REDACTED]';

/**
 * User hook called for every primitive value that is about to be captured, after the built-in rules.
 * Return the value to record (the same one, a masked one, or {@link REDACTED}).
 */
export type RedactHook = (key: string, value: unknown) => unknown;

// Key names that hold credentials. Matched as substrings of the lower-cased key with `-`/`_` removed,
// so `X-Api-Key`, `api_key`, `apiKey`, `clientSecret`, `refresh_token` and `Set-Cookie` all match.
const SENSITIVE_KEY_PARTS = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'authorization',
  'bearer',
  'cookie',
  'session',
  'privatekey',
  'credential',
  'signature',
  'accesskey',
  'clientkey',
];

// Token *counts* (LLM usage and limits) are not credentials: `maxTokens`, `total_tokens`, …
const TOKEN_COUNT_KEY = /(?:max|total|input|output|prompt|completion|num|used)tokens?(?:count)?$/;

// Value shapes of well-known credentials, anywhere inside a string. Each pattern is anchored on a
// distinctive prefix so ordinary text is left alone:
//   Bearer/Basic auth schemes, JWTs (three base64url parts, the first starting `eyJ` = '{"'),
//   AWS access key ids (AKIA/ASIA + 16), GitHub tokens (ghp_/gho_/ghu_/ghs_/ghr_, github_pat_),
//   OpenAI keys (sk-…, sk-proj-…), Slack tokens (xoxb-/xoxp-/xoxa-/xoxr-/xoxs-), Google API keys (AIza + 35),
//   and PEM private key blocks.
const SENSITIVE_VALUE_PATTERNS: readonly RegExp[] = [
  /\b(?:Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g,
  /\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\bAIza[0-9A-Za-z_-]{35}\b/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

/** True when a key name looks like it holds a credential. */
export function isSensitiveKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[-_\s]/g, '');
  if (TOKEN_COUNT_KEY.test(normalized)) return false;
  for (const part of SENSITIVE_KEY_PARTS) {
    if (normalized.includes(part)) return true;
  }
  return false;
}

/** Masks every credential-looking substring of `text`. */
export function redactString(text: string): string {
  let out = text;
  for (const pattern of SENSITIVE_VALUE_PATTERNS) {
    pattern.lastIndex = 0;
    if (pattern.test(out)) {
      pattern.lastIndex = 0;
      out = out.replace(pattern, REDACTED);
    }
  }
  return out;
}

/**
 * Returns a redacted deep copy of `value`: values under sensitive keys are replaced whole, strings are
 * scrubbed of credential-looking substrings, then the user hook (if any) sees every primitive with its
 * key (array items get their parent's key). The input is never modified.
 */
export function redactValue(value: unknown, hook?: RedactHook, key = ''): unknown {
  if (value === null || value === undefined) return hook ? hook(key, value) : value;
  if (typeof value === 'string') {
    const scrubbed = redactString(value);
    return hook ? hook(key, scrubbed) : scrubbed;
  }
  if (typeof value !== 'object') return hook ? hook(key, value) : value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, hook, key));
  const out: Record<string, unknown> = {};
  for (const [childKey, child] of Object.entries(value as Record<string, unknown>)) {
    out[childKey] = isSensitiveKey(childKey) ? REDACTED : redactValue(child, hook, childKey);
  }
  return out;
}
