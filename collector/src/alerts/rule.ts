/**
 * Alert rules: the accepted shape (zod), the checks that span fields (which scope fits which metric),
 * and the small facts the rest of the module asks of a rule. Pure.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { FAULT_LAYERS } from '@mcpscope/sdk/semconv';
import type { AlertRuleDefinition } from './types.js';

export const ALERT_METRICS = ['error_rate', 'p95_ms', 'p99_ms', 'calls', 'tool_change'] as const;
export const SPAN_LAYERS = ['client', 'transport', 'server'] as const;
/** Default of {@link AlertRuleDefinition.resolveAfterEvaluations}: 90 s of calm at the 30 s interval. */
export const DEFAULT_RESOLVE_AFTER = 3;
/** Shortest window: the rollup counts whole minutes. */
export const MIN_WINDOW_SECONDS = 60;
/** Longest window: a week, the dashboard's longest range. */
export const MAX_WINDOW_SECONDS = 7 * 86_400;
/** Most rules kept: evaluation is one query per metric family whatever the count, but not unbounded. */
export const MAX_RULES = 1000;
const MAX_NAME = 200;
const MAX_SCOPE_VALUE = 512;
const MAX_URL = 2048;

/** Thrown for a rule (or a request about one) that is refused; the API answers it with `status`. */
export class AlertRuleError extends Error {
  /** The message is written for the caller and is sent (the http-errors convention). */
  readonly expose = true;
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'AlertRuleError';
  }
}

const scopeValue = z.string().min(1, 'must not be empty').max(MAX_SCOPE_VALUE);

const scopeSchema = z
  .object({
    service: scopeValue.optional(),
    server: scopeValue.optional(),
    tool: scopeValue.optional(),
    layer: z.enum(SPAN_LAYERS).optional(),
    rootCauseLayer: z.enum(FAULT_LAYERS as [string, ...string[]]).optional(),
  })
  .strict();

const webhookSchema = z
  .object({
    url: z
      .string()
      .max(MAX_URL)
      .url('must be an absolute URL')
      .refine(
        (u) => !URL.canParse(u) || /^https?:$/.test(new URL(u).protocol),
        'must be an http or https URL',
      ),
    format: z.enum(['alertmanager', 'slack']),
  })
  .strict();

const ruleSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty').max(MAX_NAME),
    scope: scopeSchema.default({}),
    metric: z.enum(ALERT_METRICS),
    op: z.enum(['>', '<']),
    threshold: z.number().finite(),
    windowSeconds: z.number().int().min(MIN_WINDOW_SECONDS).max(MAX_WINDOW_SECONDS),
    webhook: webhookSchema,
    flaggedOnly: z.boolean().optional(),
    againstApproved: z.boolean().optional(),
    resolveAfterEvaluations: z.number().int().min(1).max(100).default(DEFAULT_RESOLVE_AFTER),
    severity: z.enum(['critical', 'warning', 'info']).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const fail = (path: string[], message: string) =>
      ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
    if (r.metric === 'error_rate' && (r.threshold < 0 || r.threshold > 1))
      fail(['threshold'], `error_rate is a fraction from 0 to 1, got ${r.threshold}`);
    if (r.metric !== 'error_rate' && r.threshold < 0)
      fail(['threshold'], `${r.metric} cannot be negative, got ${r.threshold}`);
    if (r.flaggedOnly !== undefined && r.metric !== 'tool_change')
      fail(['flaggedOnly'], 'applies to tool_change rules only');
    if (r.againstApproved !== undefined && r.metric !== 'tool_change')
      fail(['againstApproved'], 'applies to tool_change rules only');
    if (r.metric === 'tool_change') {
      for (const key of ['service', 'layer', 'rootCauseLayer'] as const)
        if (r.scope[key] !== undefined)
          fail(['scope', key], 'tool_change rules are scoped by server and tool only');
    }
    if (r.scope.rootCauseLayer !== undefined && (r.metric === 'p95_ms' || r.metric === 'p99_ms'))
      fail(['scope', 'rootCauseLayer'], 'applies to error_rate and calls rules only');
  });

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const at = i.path.join('.');
      const message =
        i.code === z.ZodIssueCode.unrecognized_keys
          ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `"${k}"`).join(', ')}`
          : i.message;
      return at ? `${at}: ${message}` : message;
    })
    .join('; ');
}

/**
 * Validates a rule as sent (`POST /api/alert-rules`) or written in a rules file. Throws an
 * {@link AlertRuleError} naming every field that is wrong; `where` prefixes the message.
 */
export function parseRuleDefinition(input: unknown, where = 'invalid alert rule'): AlertRuleDefinition {
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new AlertRuleError(`${where}: expected a JSON object`);
  const parsed = ruleSchema.safeParse(input);
  if (!parsed.success) throw new AlertRuleError(`${where}: ${describeIssues(parsed.error)}`);
  const r = parsed.data;
  // Optional fields appear only when given, so a stored definition reads back as it was written.
  const scope: AlertRuleDefinition['scope'] = {};
  for (const key of ['service', 'server', 'tool', 'layer', 'rootCauseLayer'] as const) {
    const v = r.scope[key];
    if (v !== undefined) scope[key] = v;
  }
  const def: AlertRuleDefinition = {
    name: r.name,
    scope,
    metric: r.metric,
    op: r.op,
    threshold: r.threshold,
    windowSeconds: r.windowSeconds,
    webhook: { url: r.webhook.url, format: r.webhook.format },
    resolveAfterEvaluations: r.resolveAfterEvaluations,
  };
  if (r.flaggedOnly !== undefined) def.flaggedOnly = r.flaggedOnly;
  if (r.againstApproved !== undefined) def.againstApproved = r.againstApproved;
  if (r.severity !== undefined) def.severity = r.severity;
  return def;
}

/** Whether a value breaches the rule. No value (nothing to compute it from) never breaches. */
export function isBreached(
  rule: Pick<AlertRuleDefinition, 'op' | 'threshold'>,
  value: number | null,
): boolean {
  if (value === null || !Number.isFinite(value)) return false;
  return rule.op === '>' ? value > rule.threshold : value < rule.threshold;
}

/**
 * The id of a rule from the rules file: derived from its name, so a restart finds the same rule (and its
 * firing state and mute) instead of adding another.
 */
export function fileRuleId(name: string): string {
  return `file-${createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 16)}`;
}

/**
 * A webhook URL as shown to readers: its origin only. Slack, PagerDuty and Opsgenie put the secret in
 * the path or the query, and a read token is shared more widely than the right to page someone.
 */
export function redactWebhookUrl(url: string): string {
  try {
    const u = new URL(url);
    const hidden = u.pathname !== '/' || u.search !== '' || u.hash !== '';
    return `${u.protocol}//${u.host}${hidden ? '/…' : '/'}`;
  } catch {
    return '…';
  }
}
