import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { FailureOutcome } from '../classifyOutcome.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_MCPSCOPE_DOWNSTREAM_SPAN_ID,
  ATTR_MCPSCOPE_FAULT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
} from '../../semconv.js';

/**
 * Writes a failure's outcome on the span that received the request: `error.type`, `mcpscope.fault`, the
 * JSON-RPC and HTTP codes and the downstream span when the outcome has them, and ERROR status when it is
 * one (with `message`). The SDK's SERVER spans and the proxy's spans write outcomes through this one
 * function; a CLIENT span splits the fault with its transport span (OutgoingRequestRecorder).
 */
export function recordOutcome(span: Span, outcome: FailureOutcome, message: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, outcome.errorType);
  span.setAttribute(ATTR_MCPSCOPE_FAULT, outcome.fault);
  if (outcome.rpcStatusCode !== undefined)
    span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, outcome.rpcStatusCode);
  if (outcome.httpStatusCode !== undefined)
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, outcome.httpStatusCode);
  if (outcome.downstreamSpanId !== undefined)
    span.setAttribute(ATTR_MCPSCOPE_DOWNSTREAM_SPAN_ID, outcome.downstreamSpanId);
  if (outcome.markError) span.setStatus({ code: SpanStatusCode.ERROR, message });
}
