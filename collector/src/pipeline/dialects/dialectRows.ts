import type { FailureOutcome } from '@mcpscope/sdk/outcome';
import {
  ATTR_ERROR_TYPE,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCPSCOPE_FAULT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
} from '@mcpscope/sdk/semconv';
import type { SpanRow } from '../../storage/rows.js';
import type { Dialect } from './foreignNames.js';

// The shape of the dialect mapping's rows and the row builders shared by every dialect (dialectTable.ts).

/** What the rows read of one span. */
export interface DialectSpan {
  readonly row: SpanRow;
  /** The span's attributes: as sent, plus what earlier rows added. */
  readonly attrs: Record<string, string>;
  /** The outcome the last group of outcome rows decided (null: none), and which group that was. */
  outcome?: FailureOutcome | null;
  outcomeOf?: OutcomeRule;
}

/** One row of the mapping table. */
export interface DialectRow {
  dialect: Dialect;
  /** An attribute key, or a field of the span in parentheses: `(span name)`, `(span kind)`, … */
  source: string;
  canonical: string;
  /** The transform in words (as in the table above). */
  transform: string;
  /**
   * The canonical value, or undefined when the row has nothing to add. `value` is the source
   * attribute's value; rows whose source is a span field get undefined and read the span.
   */
  map: (value: string | undefined, span: DialectSpan) => string | undefined;
}

/** How a dialect's data decides a failure's outcome (by the SDK's rules), or undefined if it cannot. */
export type OutcomeRule = (value: string | undefined, span: DialectSpan) => FailureOutcome | undefined;

export const asSent = (value: string | undefined): string | undefined => value;
/** A row that copies the source attribute's value as sent. */
export const copy = (
  dialect: Dialect,
  source: string,
  canonical: string,
  transform = 'as sent',
): DialectRow => ({
  dialect,
  source,
  canonical,
  transform,
  map: asSent,
});
export const method = (s: DialectSpan): string | undefined => s.attrs[ATTR_MCP_METHOD_NAME];

export const OUTCOME_FIELDS: Readonly<Record<string, (o: FailureOutcome) => string | undefined>> = {
  [ATTR_ERROR_TYPE]: (o) => o.errorType,
  [ATTR_MCPSCOPE_FAULT]: (o) => o.fault,
  [ATTR_RPC_RESPONSE_STATUS_CODE]: (o) => o.rpcStatusCode,
};

/**
 * Rows for the fields of one outcome (`error.type`, `mcpscope.fault`, …): the rule runs once per span
 * for the group, whichever of its rows asks first.
 */
export function outcomeRows(
  dialect: Dialect,
  source: string,
  transform: string,
  rule: OutcomeRule,
  canonicals: readonly string[] = [ATTR_ERROR_TYPE, ATTR_MCPSCOPE_FAULT],
): DialectRow[] {
  return canonicals.map((canonical) => {
    const pick = OUTCOME_FIELDS[canonical]!;
    return {
      dialect,
      source,
      canonical,
      transform,
      map: (value, s) => {
        if (s.outcomeOf !== rule) {
          s.outcome = rule(value, s) ?? null;
          s.outcomeOf = rule;
        }
        return s.outcome ? pick(s.outcome) : undefined;
      },
    };
  });
}

/** The first text content of a result the span recorded, as the SDK's outcome rules take it. */
