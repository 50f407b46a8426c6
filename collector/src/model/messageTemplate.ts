/**
 * Error messages as templates: the variable parts masked, so that one failure mode is one group.
 * "card declined for cus_444: amount over limit" and "… for cus_912: …" both become
 * "card declined for cus_{id}: amount over limit".
 *
 * Masked, in this order (an earlier mask's placeholder is not re-read by a later one):
 * URLs (scheme, host and fixed path segments kept; ids in the path and query values masked), e-mail
 * addresses, UUIDs, ISO timestamps, IPv4 addresses, `0x…` and long hex strings, prefixed ids
 * (`cus_444`, `req-8f3a9c`), and numbers — except the numbers that name a failure mode rather than an
 * instance of it: a JSON-RPC code after "MCP error", an HTTP status after "HTTP", "status" or "→".
 */

/** Longest template kept: past this, messages are truncated (they are group keys). */
export const MAX_TEMPLATE_LENGTH = 300;

const URL = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+/gi;
const EMAIL = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const ISO_TIME = /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b/g;
const IPV4 = /\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g;
const HEX = /\b(?:0x[0-9a-f]+|(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,})\b/gi;
const PREFIXED_ID = /\b([A-Za-z][A-Za-z0-9]*[_-])(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{3,}\b/g;
// A number, unless a word that makes it a code stands right before it (or the arrow of a downstream
// verdict, "GET /v1/alerts → 503").
const NUMBER = /(?<!(?:\b(?:MCP error|HTTP|status|code|error)|→) ?)(?<![\w{-])-?\d+(?:\.\d+)?(?![\w}])/gi;

/** The message with its variable parts masked (see the module comment). */
export function messageTemplate(message: string): string {
  const out = message
    .replace(URL, maskUrl)
    .replace(EMAIL, '{email}')
    .replace(UUID, '{uuid}')
    .replace(ISO_TIME, '{time}')
    .replace(IPV4, '{ip}')
    .replace(HEX, '{hex}')
    .replace(PREFIXED_ID, '$1{id}')
    .replace(NUMBER, '{n}');
  return out.length > MAX_TEMPLATE_LENGTH ? `${out.slice(0, MAX_TEMPLATE_LENGTH)}…` : out;
}

/** Keeps a URL's scheme, host and fixed path segments; masks ids in the path and query values. */
function maskUrl(url: string): string {
  const q = url.indexOf('?');
  const base = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  const schemeEnd = base.indexOf('://') + 3;
  const pathStart = base.indexOf('/', schemeEnd);
  const authority = pathStart === -1 ? base : base.slice(0, pathStart);
  const path = pathStart === -1 ? '' : base.slice(pathStart);
  const maskedPath = path
    .split('/')
    .map((seg) => (isVariableSegment(seg) ? '{id}' : seg))
    .join('/');
  const maskedQuery = query
    .split('&')
    .filter((kv) => kv !== '')
    .map((kv) => `${kv.split('=')[0] ?? ''}={value}`)
    .join('&');
  return `${authority.replace(/\/\/[^@/]*@/, '//')}${maskedPath}${maskedQuery ? `?${maskedQuery}` : ''}`;
}

function isVariableSegment(seg: string): boolean {
  if (seg === '') return false;
  return (
    /^\d+$/.test(seg) ||
    /^[0-9a-f-]{16,}$/i.test(seg) ||
    (/\d/.test(seg) && seg.length >= 6) ||
    seg.includes('@')
  );
}
