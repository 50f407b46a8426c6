import type { FaultLayer } from '../../sdk/src/semconv.js';

/**
 * The attribute names the dashboard reads, taken from the SDK's single list of telemetry strings so the
 * producer and the reader cannot spell them differently.
 */
export {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCPSCOPE_FAULT,
  ATTR_MCPSCOPE_LAYER,
  ATTR_MCPSCOPE_SERVER_NAME,
} from '../../sdk/src/semconv.js';
export type { FaultLayer };

/**
 * The four layers a span is drawn in. `downstream` is everything that carries no `mcpscope.layer`: the
 * handler's own HTTP, database and other spans below the server span.
 */
export type SpanLayer = 'client' | 'transport' | 'server' | 'downstream';

export const SPAN_LAYERS: readonly SpanLayer[] = ['client', 'transport', 'server', 'downstream'];

/** Maps a `mcpscope.layer` attribute value to the layer it is drawn in. */
export function toSpanLayer(value: string | undefined): SpanLayer {
  return value === 'client' || value === 'transport' || value === 'server' ? value : 'downstream';
}

/**
 * The root-cause layers a failed call is attributed to (exactly one per call, decided by the collector),
 * from the outside of a call inwards: the caller's request, the client library, the wire, the server,
 * the tool's own code, and the services the tool called.
 */
export const FAULT_LAYERS: readonly FaultLayer[] = [
  'caller',
  'client',
  'transport',
  'server',
  'tool',
  'downstream',
];

/** A root-cause layer named in a URL or an API answer; undefined for anything else. */
export function toFaultLayer(value: string | null | undefined): FaultLayer | undefined {
  return FAULT_LAYERS.find((l) => l === value);
}

/** OpenTelemetry semantic-convention names of an exception event and its attributes. */
export const EVENT_EXCEPTION = 'exception';
export const ATTR_EXCEPTION_TYPE = 'exception.type';
export const ATTR_EXCEPTION_MESSAGE = 'exception.message';
export const ATTR_EXCEPTION_STACKTRACE = 'exception.stacktrace';
