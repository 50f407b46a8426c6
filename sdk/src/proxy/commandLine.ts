/** What replaces a credential found in a server's command line. */
export const REDACTED_ARG = '[REDACTED]';

// Option names that carry credentials (`--api-key`, `--token`, `--client-secret`, `--password`, …),
// compared with `-`/`_` removed and lower-cased.
const SENSITIVE_OPTION =
  /(?:token|secret|passw(?:or)?d|apikey|accesskey|privatekey|credential|auth|cookie|bearer)/;

// Credential-shaped values wherever they appear: Bearer headers, JWTs, AWS key ids, GitHub, OpenAI,
// Anthropic, Slack and Google keys. Anchored on distinctive prefixes so ordinary arguments stay readable.
const SENSITIVE_VALUE =
  /\bBearer\s+\S{8,}|\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]{5,}|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|\b(?:gh[pousr]_\w{20,}|github_pat_\w{20,})|\bsk-(?:proj-|ant-)?[\w-]{20,}|\bxox[abprs]-[\w-]{10,}|\bAIza[\w-]{35}\b/g;

function isSensitiveOption(name: string): boolean {
  return SENSITIVE_OPTION.test(name.replace(/^-+/, '').replace(/[-_]/g, '').toLowerCase());
}

/**
 * The server's command line as recorded in `mcpscope.server.command` (its identity for tool-definition
 * history), with credentials masked: servers are often started as `server --api-key sk-…`, and a
 * command line must never put a secret into a span.
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
      out.push(arg.replace(SENSITIVE_VALUE, REDACTED_ARG));
    }
  }
  return out.join(' ');
}
