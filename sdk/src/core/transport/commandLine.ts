import { isSensitiveKey, REDACTED, redactString } from '../content/redact.js';

/** What replaces a credential found in a server's command line. */
export const REDACTED_ARG = REDACTED;

/**
 * Whether an option (`--api-key`, `--client_secret`, `--Token`) carries a credential: the same key
 * rules as captured payloads, plus bare `auth` (`--auth`, `--basic-auth`), which as a key name is too
 * common to mask in payloads but on a command line is followed by a secret.
 */
function isSensitiveOption(option: string): boolean {
  const name = option.replace(/^-+/, '');
  return isSensitiveKey(name) || /auth/i.test(name);
}

/**
 * The server's command line as recorded in `mcpscope.server.command` (its identity for tool-definition
 * history), with credentials masked: servers are often started as `server --api-key sk-…`, and a
 * command line must never put a secret into a span. Credential-shaped values (Bearer headers, JWTs,
 * provider keys) are masked wherever they appear, by the same rules as captured payloads.
 */
export function redactCommandLine(command: string, args: readonly string[]): string {
  const out = [command];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    if (arg.startsWith('-') && eq > 0 && isSensitiveOption(arg.slice(0, eq))) {
      out.push(`${arg.slice(0, eq)}=${REDACTED_ARG}`);
    } else if (arg.startsWith('-') && eq === -1 && isSensitiveOption(arg) && i + 1 < args.length) {
      out.push(arg, REDACTED_ARG);
      i++;
    } else {
      out.push(redactString(arg));
    }
  }
  return out.join(' ');
}
