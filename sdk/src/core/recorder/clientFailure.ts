import { SpanStatusCode, type Span } from '@opentelemetry/api';
import type { FailureOutcome } from '../classifyOutcome.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_MCPSCOPE_FAULT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
} from '../../semconv.js';
import type { OutgoingCall } from './calls.js';
import { errorMessage, toolErrorMessage } from './statusMessages.js';

// How a failed request this endpoint sent is written on its spans: the CLIENT span and, when a failure
// showed on the wire, its transport span, which then carries a transport fault instead of the client
// span. (A span that received the request writes its outcome with recordOutcome.ts.)

/** A request that got no response: its transport span shows the failure when it showed on the wire. */
export function recordTransportFailure(transportSpan: Span, outcome: FailureOutcome, error: unknown): void {
  transportSpan.setAttribute(ATTR_ERROR_TYPE, outcome.errorType);
  if (outcome.httpStatusCode !== undefined)
    transportSpan.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, outcome.httpStatusCode);
  if (outcome.transport) {
    transportSpan.setAttribute(ATTR_MCPSCOPE_FAULT, outcome.fault);
    transportSpan.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
    if (error instanceof Error) transportSpan.recordException(error);
  }
}

export function recordClientFailure(
  span: Span,
  outcome: FailureOutcome,
  call: OutgoingCall,
  failed: boolean,
  error: unknown,
  result: Record<string, unknown> | undefined,
  toolErrorText: boolean,
): void {
  span.setAttribute(ATTR_ERROR_TYPE, outcome.errorType);
  if (outcome.rpcStatusCode !== undefined)
    span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, outcome.rpcStatusCode);
  // A transport fault is carried by the transport span when there is one; every other fault
  // is attributed on the client span (for remote failures it is the client's view of the
  // server), also when the transport span shows it (a server process that died, an HTTP 500).
  if (!(outcome.fault === 'transport' && outcome.transport && call.hadTransportSpan))
    span.setAttribute(ATTR_MCPSCOPE_FAULT, outcome.fault);
  if (outcome.markError) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message:
        outcome.message ??
        (failed
          ? error !== undefined
            ? errorMessage(error)
            : outcome.errorType
          : toolErrorText
            ? toolErrorMessage(result)
            : outcome.errorType),
    });
  }
  if (failed && error instanceof Error) span.recordException(error);
}
